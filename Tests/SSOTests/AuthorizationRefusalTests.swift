import Foundation
import HTTP
import Testing

@testable import SSO

@Suite(.serialized) struct AuthorizationRefusalTests {
    private static func webRequest(_ overrides: [(String, String)] = [], removing: Set<String> = []) -> [(
        String, String
    )] {
        var parameters: [(String, String)] = [
            ("response_type", "code"), ("client_id", "webapp"), ("redirect_uri", AuthorizationFixture.webRedirect),
            ("scope", "openid"), ("state", "s-9"), ("code_challenge", sampleChallenge),
            ("code_challenge_method", "S256"),
        ]
        parameters.removeAll { removing.contains($0.0) || overrides.map(\.0).contains($0.0) }
        return parameters + overrides
    }

    @Test func wrongRedirectShowsPage() throws {
        let fixture = try AuthorizationFixture()
        let response = try fixture.authorize(Self.webRequest([("redirect_uri", "http://127.0.0.1:9/evil")]))
        #expect(response.status == 400)
        #expect(response.headers["location"] == nil)
        #expect(response.body.contains("Redirect URI 'http://127.0.0.1:9/evil' is not registered for client 'webapp'"))

        let prefix = try fixture.authorize(Self.webRequest([("redirect_uri", AuthorizationFixture.webRedirect + "/x")]))
        #expect(prefix.status == 400)
        #expect(prefix.headers["location"] == nil)
    }

    @Test func unknownClientShowsPage() throws {
        let fixture = try AuthorizationFixture()
        let response = try fixture.authorize(Self.webRequest([("client_id", "nobody")]))
        #expect(response.status == 400)
        #expect(response.headers["location"] == nil)
        #expect(response.body.contains("Client 'nobody' is not registered"))
    }

    @Test func scopeBeyondClientRedirects() throws {
        let fixture = try AuthorizationFixture()
        let response = try fixture.authorize(Self.webRequest([("scope", "openid admin")]))
        #expect(response.status == 302)
        let parameters = fixture.redirectParameters(response)
        #expect(parameters["error"] == "invalid_scope")
        #expect(parameters["state"] == "s-9")
        #expect(parameters["error_description"]?.hasPrefix("Scope 'admin' is not allowed for client 'webapp'") == true)
        #expect(parameters["code"] == nil)

        let noOpenID = try fixture.authorize(Self.webRequest([("scope", "profile")]))
        #expect(fixture.redirectParameters(noOpenID)["error"] == "invalid_scope")
    }

    @Test func requestErrorsRedirect() throws {
        let fixture = try AuthorizationFixture()
        let cases: [(String, [(String, String)], Set<String>, String)] = [
            ("plain method", [("code_challenge_method", "plain")], [], "invalid_request"),
            ("method missing", [], ["code_challenge_method"], "invalid_request"),
            ("challenge missing", [], ["code_challenge", "code_challenge_method"], "invalid_request"),
            ("short challenge", [("code_challenge", "abc")], [], "invalid_request"),
            ("token response", [("response_type", "token")], [], "unsupported_response_type"),
            ("repeated state", [("state", "again")], [], "invalid_request"),
        ]
        for (name, overrides, removed, expected) in cases {
            var parameters = Self.webRequest(overrides, removing: removed)
            if name == "repeated state" { parameters.append(("state", "s-9")) }
            let response = try fixture.authorize(parameters)
            #expect(response.status == 302, "\(name)")
            #expect(fixture.redirectParameters(response)["error"] == expected, "\(name)")
        }
    }

    @Test func publicClientNeedsPKCE() throws {
        let fixture = try AuthorizationFixture()
        // The spa client is registered with requiresPKCE false, which a public client cannot turn off.
        let response = try fixture.authorize([
            ("response_type", "code"), ("client_id", "spa"), ("redirect_uri", AuthorizationFixture.spaRedirect),
            ("scope", "openid"),
        ])
        let parameters = fixture.redirectParameters(response)
        #expect(parameters["error"] == "invalid_request")
        #expect(parameters["error_description"]?.contains("must use PKCE") == true)
    }

    @Test func reusedCodeRevokesTokens() throws {
        let fixture = try AuthorizationFixture()
        let code = try fixture.webCode(scope: "openid offline_access")
        let first = try fixture.exchange(code)
        #expect(first.status == 200)
        let accessToken = try #require(first.json["access_token"] as? String)
        let refreshToken = try #require(first.json["refresh_token"] as? String)
        #expect(try fixture.userinfo(accessToken).status == 200)

        let second = try fixture.exchange(code)
        #expect(second.status == 400)
        #expect(second.json["error"] as? String == "invalid_grant")
        #expect(second.headers["cache-control"] == "no-store")
        #expect(try fixture.userinfo(accessToken).status == 401)
        let refresh = try fixture.post(
            "/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", refreshToken)])
        #expect(refresh.json["error"] as? String == "invalid_grant")
    }

    @Test func badVerifierIsInvalidGrant() throws {
        let fixture = try AuthorizationFixture()
        let wrong = try fixture.exchange(try fixture.webCode(), verifier: String(repeating: "a", count: 43))
        #expect(wrong.status == 400)
        #expect(wrong.json["error"] as? String == "invalid_grant")
        #expect(
            wrong.json["error_description"] as? String == "The PKCE code verifier does not match the code challenge.")

        let missing = try fixture.post(
            "/oauth/token",
            [
                ("grant_type", "authorization_code"), ("code", try fixture.webCode()),
                ("redirect_uri", AuthorizationFixture.webRedirect),
            ])
        #expect(missing.json["error"] as? String == "invalid_grant")
    }

    @Test func expiredCodeIsInvalidGrant() throws {
        let fixture = try AuthorizationFixture()
        let code = try fixture.webCode()
        fixture.clock.advance(by: 61)
        let response = try fixture.exchange(code)
        #expect(response.status == 400)
        #expect(response.json["error"] as? String == "invalid_grant")
        #expect((response.json["error_description"] as? String)?.contains("expired") == true)
    }

    @Test func wrongRedirectAtTokenIsInvalidGrant() throws {
        let fixture = try AuthorizationFixture()
        let response = try fixture.post(
            "/oauth/token",
            [
                ("grant_type", "authorization_code"), ("code", try fixture.webCode()),
                ("redirect_uri", "http://127.0.0.1:9/other"), ("code_verifier", sampleVerifier),
            ])
        #expect(response.json["error"] as? String == "invalid_grant")
    }

    @Test func wrongClientIsRejected() throws {
        let fixture = try AuthorizationFixture()
        let code = try fixture.webCode()
        let wrongSecret = try fixture.post(
            "/oauth/token",
            [
                ("grant_type", "authorization_code"), ("code", code), ("client_id", "webapp"),
                ("client_secret", "guess"), ("redirect_uri", AuthorizationFixture.webRedirect),
                ("code_verifier", sampleVerifier),
            ], basic: false)
        #expect(wrongSecret.status == 400)
        #expect(wrongSecret.json["error"] as? String == "invalid_client")

        let confidentialWithoutSecret = try fixture.post(
            "/oauth/token", [("grant_type", "authorization_code"), ("code", code), ("client_id", "webapp")],
            basic: false)
        #expect(confidentialWithoutSecret.status == 401)
        #expect(confidentialWithoutSecret.json["error"] as? String == "invalid_client")

        let otherClient = try fixture.post(
            "/oauth/token",
            [
                ("grant_type", "authorization_code"), ("code", code), ("client_id", "spa"),
                ("redirect_uri", AuthorizationFixture.webRedirect), ("code_verifier", sampleVerifier),
            ], basic: false)
        #expect(otherClient.status == 400)
        #expect(otherClient.json["error"] as? String == "invalid_grant")
        #expect(
            otherClient.json["error_description"] as? String == "The authorization code was issued to another client.")
    }

    @Test func refreshRotatesAndDetectsReuse() throws {
        let fixture = try AuthorizationFixture()
        let first = try fixture.exchange(try fixture.webCode(scope: "openid email offline_access")).json
        let oldRefresh = try #require(first["refresh_token"] as? String)

        let rotated = try fixture.post(
            "/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", oldRefresh)])
        #expect(rotated.status == 200)
        let newRefresh = try #require(rotated.json["refresh_token"] as? String)
        let newAccess = try #require(rotated.json["access_token"] as? String)
        #expect(newRefresh != oldRefresh)
        #expect(rotated.json["scope"] as? String == "email offline_access openid")
        #expect(try fixture.userinfo(newAccess).json["email"] as? String == "ada@example.org")

        let reuse = try fixture.post("/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", oldRefresh)])
        #expect(reuse.json["error"] as? String == "invalid_grant")
        #expect((reuse.json["error_description"] as? String)?.contains("already used") == true)
        #expect(try fixture.userinfo(newAccess).status == 401)
        let afterReuse = try fixture.post(
            "/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", newRefresh)])
        #expect(afterReuse.json["error"] as? String == "invalid_grant")
    }

    @Test func refreshCannotWidenScope() throws {
        let fixture = try AuthorizationFixture()
        let first = try fixture.exchange(try fixture.webCode(scope: "openid offline_access")).json
        let refresh = try #require(first["refresh_token"] as? String)
        let wider = try fixture.post(
            "/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", refresh), ("scope", "openid email")])
        #expect(wider.json["error"] as? String == "invalid_scope")
    }

    @Test func revocationRevokesFamily() throws {
        let fixture = try AuthorizationFixture()
        let first = try fixture.exchange(try fixture.webCode(scope: "openid offline_access")).json
        let access = try #require(first["access_token"] as? String)
        let refresh = try #require(first["refresh_token"] as? String)

        let unknown = try fixture.post("/oauth/revoke", [("token", "never-issued")])
        #expect(unknown.status == 200)
        #expect(try fixture.userinfo(access).status == 200)

        let byOtherClient = try fixture.post("/oauth/revoke", [("token", refresh), ("client_id", "spa")], basic: false)
        #expect(byOtherClient.status == 200)
        #expect(try fixture.userinfo(access).status == 200)

        let revoked = try fixture.post("/oauth/revoke", [("token", refresh), ("token_type_hint", "refresh_token")])
        #expect(revoked.status == 200)
        #expect(try fixture.userinfo(access).status == 401)
        let refreshAfter = try fixture.post(
            "/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", refresh)])
        #expect(refreshAfter.json["error"] as? String == "invalid_grant")
    }

    @Test func endSessionChecksRedirect() throws {
        let fixture = try AuthorizationFixture()
        let idToken = try #require(try fixture.exchange(try fixture.webCode()).json["id_token"] as? String)
        let good = try curl([
            RedirectURL.appending(
                [
                    ("id_token_hint", idToken), ("post_logout_redirect_uri", "http://127.0.0.1:9/web/bye"),
                    ("state", "bye-1"),
                ], to: fixture.base + "/oauth/logout")
        ])
        #expect(good.status == 302)
        #expect(good.headers["location"] == "http://127.0.0.1:9/web/bye?state=bye-1")
        #expect(fixture.ended.all == ["u-100"])

        let unregistered = try curl([
            RedirectURL.appending(
                [("id_token_hint", idToken), ("post_logout_redirect_uri", "http://127.0.0.1:9/evil")],
                to: fixture.base + "/oauth/logout")
        ])
        #expect(unregistered.status == 400)
        #expect(unregistered.headers["location"] == nil)

        let forged = replacingPayload(
            of: idToken, with: "{\"iss\":\"\(fixture.base)\",\"aud\":\"webapp\",\"sub\":\"x\"}")
        let tampered = try curl([
            RedirectURL.appending(
                [("id_token_hint", forged), ("post_logout_redirect_uri", "http://127.0.0.1:9/web/bye")],
                to: fixture.base + "/oauth/logout")
        ])
        #expect(tampered.status == 400)
        #expect(fixture.ended.all == ["u-100"])
    }
}

@Suite(.serialized) struct AuthorizationLockoutTests {
    @Test func repeatedWrongSecretsLockOut() throws {
        let fixture = try AuthorizationFixture()
        var statuses: [Int] = []
        for attempt in 0..<11 {
            let response = try fixture.post(
                "/oauth/token",
                [
                    ("grant_type", "refresh_token"), ("refresh_token", "r"), ("client_id", "webapp"),
                    ("client_secret", "guess-\(attempt)"),
                ], basic: false)
            statuses.append(response.status)
        }
        #expect(statuses.prefix(10).allSatisfy { $0 == 400 })
        #expect(statuses.last == 429)
    }
}
