import Foundation
import Testing

/// What outlives a sign-in: refresh tokens follow the roster, and refresh tokens and signing keys survive a restart.
@Suite(.serialized, .enabled(if: signInServiceMissing == nil, "\(signInServiceMissing ?? "")"))
struct SignInRefreshTests {
    private func refresh(_ base: String, token: String) throws -> CurlResponse {
        try curl(
            base + "/oauth/token",
            [
                "-u", "\(SignInServiceSetup.webClient.id):\(SignInServiceSetup.webClient.secret)", "--data-urlencode",
                "grant_type=refresh_token", "--data-urlencode", "refresh_token=\(token)",
            ])
    }

    @Test func refreshEndsWhenThePersonLeavesTheView() throws {
        let setup = try SignInServiceSetup()
        try setup.start()
        let result = try setup.relyingParty(options: [
            "--district", "d", "--username", "jsmith", "--password", "James-pass-1",
        ])
        let token = try #require(result["refresh_token"] as? String, "\(result)")
        let renewed = try refresh(setup.base, token: token)
        #expect(renewed.status == 200, "\(renewed)")
        let next = try #require(renewed.json?["refresh_token"] as? String)

        // James moves to the elementary school, which the app does not see.
        var district = AppFixtureDistrict()
        district.users[0] = "s-1,,,true,elem,student,jsmith,James,Smith,jsmith@example.org,555-0101,10,g-1"
        try district.write(to: setup.setup.package)
        try setup.setup.sync()
        let refused = try refresh(setup.base, token: next)
        #expect(refused.status == 400)
        #expect(refused.json?["error"] as? String == "invalid_grant")
        #expect(
            (refused.json?["error_description"] as? String)?.contains("no longer in the application's roster view")
                == true)
        setup.stop()
    }

    @Test func refreshTokenSurvivesARestart() throws {
        let setup = try SignInServiceSetup()
        try setup.start()
        let result = try setup.relyingParty(options: [
            "--district", "d", "--username", "jsmith", "--password", "James-pass-1",
        ])
        let token = try #require(result["refresh_token"] as? String, "\(result)")
        setup.stop()

        try setup.start()
        let renewed = try refresh(setup.base, token: token)
        #expect(renewed.status == 200, "\(renewed)")
        let next = try #require(renewed.json?["refresh_token"] as? String, "\(renewed)")
        #expect(next != token)
        // The relying party refreshed once at sign-in, so the family contains two used tokens and the current one.
        let stored = try sqlite(setup.setup.store, "SELECT state FROM sso_refresh_tokens ORDER BY state")
        #expect(stored == "current\nused\nused")

        // The token from before the restart is spent now, so presenting it again ends the sign-in.
        let reused = try refresh(setup.base, token: token)
        #expect(reused.status == 400)
        #expect(reused.json?["error"] as? String == "invalid_grant")
        setup.stop()
    }

    @Test func signingKeysSurviveARestart() throws {
        let setup = try SignInServiceSetup()
        try setup.start()
        let before = try curl(setup.base + "/oauth/jwks").json?["keys"] as? [[String: Any]]
        let kids = (before ?? []).compactMap { $0["kid"] as? String }
        #expect(kids.count == 2)
        setup.stop()
        try setup.start()
        let after = try curl(setup.base + "/oauth/jwks").json?["keys"] as? [[String: Any]]
        #expect((after ?? []).compactMap { $0["kid"] as? String } == kids)
        let stored = try sqlite(setup.setup.store, "SELECT count(*) FROM sso_signing_keys")
        #expect(stored == "2")
        setup.stop()
    }
}
