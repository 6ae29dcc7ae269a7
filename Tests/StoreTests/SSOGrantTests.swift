import Dispatch
import Foundation
import Synchronization
import Testing

@testable import Store

/// Returns a 32-byte token hash whose bytes are all `byte`, with the last two bytes set from `index`.
private func tokenHash(_ byte: UInt8, index: Int = 0) -> Data {
    var bytes = [UInt8](repeating: byte, count: 32)
    bytes[30] = UInt8(truncatingIfNeeded: index >> 8)
    bytes[31] = UInt8(truncatingIfNeeded: index)
    return Data(bytes)
}

private func makeToken(
    _ hash: Data, family: UInt64 = 0xFEDC_BA98_7654_3210, expiresAt: Double = 1_700_086_400
) -> StoredRefreshToken {
    StoredRefreshToken(
        tokenHash: hash, family: family, clientID: "webapp", userSourcedId: "u-100", district: "district-7",
        claimsJSON: #"{"email":"ada@example.org","roster_grades":["09"]}"#, authTime: 1_700_000_000,
        scopes: "offline_access openid", expiresAt: expiresAt)
}

private let now: Double = 1_700_000_100

@Suite struct SSOGrantTests {
    @Test func refreshTokenRoundTrip() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        let token = makeToken(tokenHash(0xA1))
        #expect(try store.insertSSORefreshToken(token))

        let stored = try #require(try store.ssoRefreshToken(hash: token.tokenHash))
        #expect(stored == token)
        // The family id uses all 64 bits, so it is stored as a signed integer and read back unchanged.
        #expect(stored.family == 0xFEDC_BA98_7654_3210)
        #expect(try store.ssoRefreshToken(hash: tokenHash(0xA2)) == nil)
    }

    @Test func redeemMarksTokenUsed() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        let token = makeToken(tokenHash(0xB1))
        #expect(try store.insertSSORefreshToken(token))

        #expect(try store.redeemSSORefreshToken(hash: token.tokenHash, now: now) == .redeemed(token))
        #expect(try store.ssoRefreshToken(hash: token.tokenHash)?.state == .used)
    }

    @Test func reuseRevokesFamily() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        let first = makeToken(tokenHash(0xC1))
        let second = makeToken(tokenHash(0xC2))
        let otherFamily = makeToken(tokenHash(0xC3), family: 7)
        for token in [first, second, otherFamily] { #expect(try store.insertSSORefreshToken(token)) }
        #expect(try store.redeemSSORefreshToken(hash: first.tokenHash, now: now) == .redeemed(first))

        #expect(try store.redeemSSORefreshToken(hash: first.tokenHash, now: now) == .reused(family: first.family))
        #expect(try store.ssoRefreshToken(hash: first.tokenHash)?.state == .revoked)
        #expect(try store.ssoRefreshToken(hash: second.tokenHash)?.state == .revoked)
        #expect(try store.ssoRefreshToken(hash: otherFamily.tokenHash)?.state == .current)
        #expect(try store.redeemSSORefreshToken(hash: second.tokenHash, now: now) == .revoked)
        #expect(try store.redeemSSORefreshToken(hash: first.tokenHash, now: now) == .revoked)
    }

    @Test func revokedFamilyRejectsInsert() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        #expect(try store.insertSSORefreshToken(makeToken(tokenHash(0xD1))))
        #expect(try store.revokeSSORefreshTokenFamily(0xFEDC_BA98_7654_3210) == 1)
        #expect(try store.revokeSSORefreshTokenFamily(0xFEDC_BA98_7654_3210) == 0)

        #expect(try store.insertSSORefreshToken(makeToken(tokenHash(0xD2))) == false)
        #expect(try store.ssoRefreshToken(hash: tokenHash(0xD2)) == nil)
        #expect(try store.insertSSORefreshToken(makeToken(tokenHash(0xD3), family: 8)))
    }

    @Test func expiredTokenStaysCurrent() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        let token = makeToken(tokenHash(0xE1), expiresAt: now)
        #expect(try store.insertSSORefreshToken(token))

        #expect(try store.redeemSSORefreshToken(hash: token.tokenHash, now: now) == .expired)
        #expect(try store.ssoRefreshToken(hash: token.tokenHash)?.state == .current)
        #expect(try store.redeemSSORefreshToken(hash: tokenHash(0xE2), now: now) == .unknown)
    }

    @Test func sweepDeletesExpiredRows() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        #expect(try store.insertSSORefreshToken(makeToken(tokenHash(0xF1), family: 1, expiresAt: now - 1)))
        #expect(try store.insertSSORefreshToken(makeToken(tokenHash(0xF2), family: 1, expiresAt: now - 1)))
        #expect(try store.insertSSORefreshToken(makeToken(tokenHash(0xF3), family: 2, expiresAt: now)))
        #expect(try store.insertSSORefreshToken(makeToken(tokenHash(0xF4), family: 3, expiresAt: now + 1)))

        #expect(try store.deleteExpiredSSORefreshTokens(now: now) == 3)
        #expect(try store.ssoRefreshToken(hash: tokenHash(0xF4)) != nil)
        #expect(try store.database.scalarInt("SELECT count(*) FROM sso_refresh_tokens") == 1)
        #expect(try store.deleteExpiredSSORefreshTokens(now: now) == 0)
    }

    @Test func shortHashIsRejected() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        let error = #expect(throws: StoreError.self) {
            try store.insertSSORefreshToken(makeToken(Data(repeating: 1, count: 31)))
        }
        #expect(error?.code == "sqlite.constraint")
    }

    @Test func damagedStateIsReported() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        let token = makeToken(tokenHash(0x11))
        #expect(try store.insertSSORefreshToken(token))
        // The CHECK constraint blocks bad states, so the test removes it the way a damaged file could.
        try store.database.execute("PRAGMA ignore_check_constraints = ON")
        try store.database.execute("UPDATE sso_refresh_tokens SET state = 'spent'")

        let error = #expect(throws: StoreError.self) { try store.ssoRefreshToken(hash: token.tokenHash) }
        #expect(error?.code == "store.invalid_stored_value")
        #expect(error?.description.contains("'spent' in sso_refresh_tokens.state") == true)
    }

    @Test func concurrentRedeemHasOneWinner() throws {
        let folder = try TemporaryFolder()
        let path = folder.path()
        let owner = try SnapshotStore(path: path)
        let count = 200
        for index in 0..<count {
            #expect(try owner.insertSSORefreshToken(makeToken(tokenHash(0x22, index: index), family: UInt64(index))))
        }

        // Two threads, each with its own connection to the file, present the same tokens in the same order.
        let outcomes = Mutex<[[StoredRefreshTokenRedemption]]>([[], []])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            do {
                let store = try SnapshotStore(path: path)
                var mine: [StoredRefreshTokenRedemption] = []
                for index in 0..<count {
                    mine.append(try store.redeemSSORefreshToken(hash: tokenHash(0x22, index: index), now: now))
                }
                outcomes.withLock { $0[thread] = mine }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        #expect(failures.withLock { $0 } == [])

        let results = outcomes.withLock { $0 }
        try #require(results[0].count == count && results[1].count == count)
        for index in 0..<count {
            let pair = [results[0][index], results[1][index]]
            let winners = pair.filter { if case .redeemed = $0 { true } else { false } }
            #expect(winners.count == 1, "token \(index): \(pair)")
            #expect(pair.contains(.reused(family: UInt64(index))), "token \(index): \(pair)")
        }
        #expect(try owner.database.scalarInt("SELECT count(*) FROM sso_refresh_tokens WHERE state = 'revoked'") == 200)
    }
}
