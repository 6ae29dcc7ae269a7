import Foundation
import Testing

@testable import SSO

/// The two archive implementations, which must behave alike.
enum ArchiveKind: String, CaseIterable, CustomTestStringConvertible {
    case memory
    case store

    var testDescription: String { rawValue }
}

/// An archive of `kind` with the store file it uses, kept alive together.
private struct ArchiveUnderTest {
    let archive: any RefreshTokenArchive
    let folder: TemporaryStore?

    init(_ kind: ArchiveKind) throws {
        switch kind {
        case .memory:
            archive = MemoryRefreshTokenArchive()
            folder = nil
        case .store:
            let folder = try temporaryStore()
            archive = try StoreRefreshTokenArchive(path: folder.path)
            self.folder = folder
        }
    }
}

private func archivedToken(_ byte: UInt8, family: UInt64 = 42, expiresAt: Double = 2_000) -> ArchivedRefreshToken {
    ArchivedRefreshToken(
        tokenHash: [UInt8](repeating: byte, count: 32), family: family, clientID: "grant-web",
        user: GrantServerFixture.user, scopes: ["openid", "offline_access"], expiresAt: expiresAt)
}

/// Returns the archived token of a `.redeemed` outcome, or nil for any other outcome.
private func redeemed(_ outcome: RefreshTokenRedemption) -> ArchivedRefreshToken? {
    if case .redeemed(let token) = outcome { return token }
    return nil
}

private func isReused(_ outcome: RefreshTokenRedemption, family: UInt64) -> Bool {
    if case .reused(let reused) = outcome { return reused == family }
    return false
}

@Suite struct GrantArchiveTests {
    @Test(arguments: ArchiveKind.allCases) func redeemOnce(kind: ArchiveKind) throws {
        let archive = try ArchiveUnderTest(kind).archive
        #expect(try archive.insert(archivedToken(1)))

        let token = try #require(redeemed(try archive.redeem(tokenHash: archivedToken(1).tokenHash, now: 1_000)))
        #expect(token.family == 42)
        #expect(token.clientID == "grant-web")
        #expect(token.user.sourcedId == "u-200")
        #expect(token.user.district == "district-7")
        #expect(token.user.authTime == 1_700_000_000)
        #expect(token.user.claims == GrantServerFixture.user.claims)
        #expect(token.scopes == ["openid", "offline_access"])
        #expect(token.expiresAt == 2_000)

        #expect(isReused(try archive.redeem(tokenHash: archivedToken(1).tokenHash, now: 1_000), family: 42))
    }

    @Test(arguments: ArchiveKind.allCases) func reuseRevokesWholeFamily(kind: ArchiveKind) throws {
        let archive = try ArchiveUnderTest(kind).archive
        #expect(try archive.insert(archivedToken(1)))
        #expect(try archive.insert(archivedToken(2)))
        #expect(try archive.insert(archivedToken(3, family: 43)))
        _ = try archive.redeem(tokenHash: archivedToken(1).tokenHash, now: 1_000)
        _ = try archive.redeem(tokenHash: archivedToken(1).tokenHash, now: 1_000)

        #expect(redeemed(try archive.redeem(tokenHash: archivedToken(2).tokenHash, now: 1_000)) == nil)
        #expect(try archive.insert(archivedToken(4)) == false)
        #expect(redeemed(try archive.redeem(tokenHash: archivedToken(3).tokenHash, now: 1_000)) != nil)
    }

    @Test(arguments: ArchiveKind.allCases) func unknownAndExpired(kind: ArchiveKind) throws {
        let archive = try ArchiveUnderTest(kind).archive
        #expect(try archive.insert(archivedToken(1, expiresAt: 1_000)))

        guard case .expired = try archive.redeem(tokenHash: archivedToken(1).tokenHash, now: 1_000) else {
            Issue.record("a token at its expiry must be expired")
            return
        }
        guard case .unknown = try archive.redeem(tokenHash: archivedToken(9).tokenHash, now: 1_000) else {
            Issue.record("a token never stored must be unknown")
            return
        }
    }

    @Test(arguments: ArchiveKind.allCases) func revokeChecksClient(kind: ArchiveKind) throws {
        let archive = try ArchiveUnderTest(kind).archive
        #expect(try archive.insert(archivedToken(1)))

        #expect(try archive.revokeFamily(ofTokenHash: archivedToken(1).tokenHash, clientID: "other") == nil)
        #expect(redeemed(try archive.redeem(tokenHash: archivedToken(1).tokenHash, now: 1_000)) != nil)
        #expect(try archive.revokeFamily(ofTokenHash: archivedToken(1).tokenHash, clientID: "grant-web") == 42)
        guard case .unknown = try archive.redeem(tokenHash: archivedToken(1).tokenHash, now: 1_000) else {
            Issue.record("a revoked token must be unknown")
            return
        }
    }

    @Test(arguments: ArchiveKind.allCases) func sweepDeletesExpired(kind: ArchiveKind) throws {
        let archive = try ArchiveUnderTest(kind).archive
        #expect(try archive.insert(archivedToken(1, family: 1, expiresAt: 1_000)))
        #expect(try archive.insert(archivedToken(2, family: 2, expiresAt: 1_000)))
        #expect(try archive.insert(archivedToken(3, family: 3, expiresAt: 3_000)))
        try archive.revokeFamily(2)

        #expect(try archive.deleteExpired(now: 1_000) == 2)
        #expect(try archive.deleteExpired(now: 1_000) == 0)
        #expect(redeemed(try archive.redeem(tokenHash: archivedToken(3).tokenHash, now: 1_000)) != nil)
    }

    @Test func claimsJSONRoundTrip() throws {
        let claims: [String: ClaimValue] = [
            "name": .string("Zoë \"Z\" Ng\n"), "age": .integer(-16), "verified": .boolean(false),
            "grades": .strings(["09", "10"]), "orgs": .strings([]),
        ]
        let text = ClaimsJSON.encode(claims)
        #expect(ClaimsJSON.decode(text) == claims)
        #expect(ClaimsJSON.decode("{}") == [:])
    }

    @Test(arguments: ["", "[]", #"{"a":null}"#, #"{"a":{"b":1}}"#, #"{"a":1.5}"#, #"{"a":[1]}"#, "{"])
    func claimsJSONRejectsOtherShapes(text: String) {
        #expect(ClaimsJSON.decode(text) == nil)
    }
}
