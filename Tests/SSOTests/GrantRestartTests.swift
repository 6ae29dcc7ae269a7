import Dispatch
import Foundation
import Synchronization
import Testing

@testable import SSO

/// Refresh tokens kept in the store file, across a restart of the authorization server and between replicas.
@Suite struct GrantRestartTests {
    @Test func refreshWorksAfterRestart() throws {
        let fixture = try GrantServerFixture()
        var server: AuthorizationServer? = try fixture.startServer()
        let signedIn = try fixture.signIn(try #require(server))
        #expect(signedIn.status == 200, "\(signedIn)")
        let token = try #require(signedIn.refreshToken, "\(signedIn)")
        server = nil

        let restarted = try fixture.startServer()
        fixture.clock.advance(by: 7200)
        let renewed = fixture.refresh(restarted, token)
        #expect(renewed.status == 200, "\(renewed)")
        let next = try #require(renewed.refreshToken, "\(renewed)")
        #expect(next != token)
        #expect(renewed.json["scope"] as? String == "email offline_access openid")
        #expect(renewed.json["id_token"] == nil)

        // The claims came back from the store intact, so userinfo releases the same values.
        let info = fixture.userinfo(restarted, try #require(renewed.accessToken))
        #expect(info.status == 200, "\(info)")
        #expect(info.json["sub"] as? String == "u-200")
        #expect(info.json["email"] as? String == "grace@example.org")
        #expect(info.json["email_verified"] as? Bool == true)
        #expect(try fixture.storedStates() == ["used": 1, "current": 1])
    }

    @Test func accessTokenEndsWithRestart() throws {
        let fixture = try GrantServerFixture()
        let first = try fixture.startServer()
        let signedIn = try fixture.signIn(first)
        let access = try #require(signedIn.accessToken, "\(signedIn)")
        #expect(fixture.userinfo(first, access).status == 200)

        let restarted = try fixture.startServer()
        let info = fixture.userinfo(restarted, access)
        #expect(info.status == 401)
    }

    @Test func reuseAfterRestartRevokesFamily() throws {
        let fixture = try GrantServerFixture()
        let first = try fixture.startServer()
        let token = try #require(try fixture.signIn(first).refreshToken)
        let renewed = fixture.refresh(first, token)
        let next = try #require(renewed.refreshToken, "\(renewed)")

        let restarted = try fixture.startServer()
        let reused = fixture.refresh(restarted, token)
        #expect(reused.status == 400)
        #expect(reused.error == "invalid_grant")
        #expect(reused.errorDescription == "The refresh token was already used; every token of its sign-in is revoked.")

        let revoked = fixture.refresh(restarted, next)
        #expect(revoked.status == 400)
        #expect(revoked.errorDescription == "The refresh token is unknown or revoked.")
        #expect(try fixture.storedStates() == ["revoked": 2])
    }

    @Test func reuseRevokesAccessTokensOfFamily() throws {
        let fixture = try GrantServerFixture()
        let server = try fixture.startServer()
        let token = try #require(try fixture.signIn(server).refreshToken)
        let renewed = fixture.refresh(server, token)
        let access = try #require(renewed.accessToken, "\(renewed)")
        #expect(fixture.userinfo(server, access).status == 200)

        #expect(fixture.refresh(server, token).status == 400)
        #expect(fixture.userinfo(server, access).status == 401)
    }

    @Test func revocationSurvivesRestart() throws {
        let fixture = try GrantServerFixture()
        let first = try fixture.startServer()
        let token = try #require(try fixture.signIn(first).refreshToken)
        let revoked = fixture.revoke(first, token)
        #expect(revoked.status == 200, "\(revoked)")

        let restarted = try fixture.startServer()
        let refused = fixture.refresh(restarted, token)
        #expect(refused.status == 400)
        #expect(refused.errorDescription == "The refresh token is unknown or revoked.")
    }

    @Test func revocationAfterRestartReachesStore() throws {
        let fixture = try GrantServerFixture()
        let token = try #require(try fixture.signIn(try fixture.startServer()).refreshToken)

        let restarted = try fixture.startServer()
        #expect(fixture.revoke(restarted, token).status == 200)
        #expect(try fixture.storedStates() == ["revoked": 1])
        #expect(fixture.refresh(restarted, token).status == 400)
    }

    @Test func expiredTokenIsRefused() throws {
        var policy = AuthorizationPolicy()
        policy.refreshTokenLifetime = 600
        let fixture = try GrantServerFixture(policy: policy)
        let token = try #require(try fixture.signIn(try fixture.startServer()).refreshToken)

        let restarted = try fixture.startServer()
        fixture.clock.advance(by: 600)
        let refused = fixture.refresh(restarted, token)
        #expect(refused.status == 400)
        #expect(refused.errorDescription == "The refresh token has expired; sign the user in again.")
    }

    @Test func rotationKeepsFamilyExpiry() throws {
        var policy = AuthorizationPolicy()
        policy.refreshTokenLifetime = 600
        let fixture = try GrantServerFixture(policy: policy)
        let server = try fixture.startServer()
        let token = try #require(try fixture.signIn(server).refreshToken)
        fixture.clock.advance(by: 500)
        let next = try #require(fixture.refresh(server, token).refreshToken)

        fixture.clock.advance(by: 100)
        #expect(fixture.refresh(try fixture.startServer(), next).status == 400)
    }

    @Test func withoutOfflineAccessNothingIsStored() throws {
        let fixture = try GrantServerFixture()
        let signedIn = try fixture.signIn(try fixture.startServer(), scope: "openid email")
        #expect(signedIn.status == 200, "\(signedIn)")
        #expect(signedIn.refreshToken == nil)
        #expect(try fixture.storedStates() == [:])
    }

    @Test func familiesAreRandom() throws {
        let fixture = try GrantServerFixture()
        for _ in 0..<3 {
            _ = try #require(try fixture.signIn(try fixture.startServer()).refreshToken)
        }
        let families = try fixture.keyStore.store.database.prepare(
            "SELECT DISTINCT family FROM sso_refresh_tokens", cached: false)
        var values: [Int64] = []
        while try families.step() { values.append(families.int64(at: 0)) }
        #expect(values.count == 3)
        // A counter restarting at 1 in each process would give 1 three times.
        #expect(!values.contains(1))
    }

    @Test func secondReplicaAcceptsToken() throws {
        let fixture = try GrantServerFixture()
        let first = try fixture.startServer()
        let second = try fixture.startServer()
        let token = try #require(try fixture.signIn(first).refreshToken)

        let renewed = fixture.refresh(second, token)
        #expect(renewed.status == 200, "\(renewed)")
        let next = try #require(renewed.refreshToken)
        #expect(fixture.refresh(first, next).status == 200)
    }

    @Test func replicasRaceForOneToken() throws {
        let fixture = try GrantServerFixture()
        let first = try fixture.startServer()
        let replicas = [first, try fixture.startServer()]
        var tokens: [String] = []
        for _ in 0..<20 {
            tokens.append(try #require(try fixture.signIn(first).refreshToken))
        }

        let statuses = Mutex<[[Int]]>([[], []])
        let shared = tokens
        DispatchQueue.concurrentPerform(iterations: 2) { replica in
            var mine: [Int] = []
            for token in shared { mine.append(GrantServerFixture.refresh(replicas[replica], token).status) }
            statuses.withLock { $0[replica] = mine }
        }
        let results = statuses.withLock { $0 }
        for index in tokens.indices {
            let pair = [results[0][index], results[1][index]].sorted()
            #expect(pair == [200, 400], "token \(index)")
        }
        // Each family lost its race once, so every token of every family is revoked.
        #expect(try fixture.storedStates() == ["revoked": 40])
    }

    @Test func damagedClaimsAreServerError() throws {
        let fixture = try GrantServerFixture()
        let server = try fixture.startServer()
        let token = try #require(try fixture.signIn(server).refreshToken)
        try fixture.keyStore.store.database.execute("UPDATE sso_refresh_tokens SET claims = '{\"email\":null}'")

        let reply = fixture.refresh(try fixture.startServer(), token)
        #expect(reply.status == 500)
        #expect(
            reply.errorDescription
                == "The refresh token store failed with 'sso.invalid_stored_claims'. Retry once, and sign the user in "
                + "again if it fails again.")
    }

    @Test func archiveFailureIsServerError() throws {
        let fixture = try GrantServerFixture()
        let server = try fixture.startServer(archive: FailingArchive())
        let reply = try fixture.signIn(server)
        #expect(reply.status == 500)
        #expect(reply.error == "server_error")
        #expect(
            reply.errorDescription
                == "The refresh token store failed with 'sso.invalid_stored_claims'. Retry once, and sign the user in "
                + "again if it fails again.")

        let refresh = fixture.refresh(server, "some-token")
        #expect(refresh.status == 500)
    }
}

/// An archive whose every call fails, as a store that cannot be read would.
private final class FailingArchive: RefreshTokenArchive {
    func insert(_ token: ArchivedRefreshToken) throws -> Bool {
        throw RefreshTokenArchiveError.invalidClaims(family: 1)
    }

    func redeem(tokenHash: [UInt8], now: Double) throws -> RefreshTokenRedemption {
        throw RefreshTokenArchiveError.invalidClaims(family: 1)
    }

    func revokeFamily(_ family: UInt64) throws { throw RefreshTokenArchiveError.invalidClaims(family: 1) }

    func revokeFamily(ofTokenHash tokenHash: [UInt8], clientID: String) throws -> UInt64? {
        throw RefreshTokenArchiveError.invalidClaims(family: 1)
    }

    func deleteExpired(now: Double) throws -> Int { throw RefreshTokenArchiveError.invalidClaims(family: 1) }
}
