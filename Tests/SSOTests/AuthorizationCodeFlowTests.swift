import Foundation
import HTTP
import Testing

@testable import SSO

@Suite(.serialized) struct AuthorizationCodeFlowTests {
    @Test func codeFlowIssuesVerifiedTokens() throws {
        let fixture = try AuthorizationFixture()
        let authorize = try fixture.authorize([
            ("response_type", "code"), ("client_id", "webapp"), ("redirect_uri", AuthorizationFixture.webRedirect),
            ("scope", "openid profile email"), ("state", "s 1&x"), ("nonce", "n-1"),
            ("code_challenge", sampleChallenge), ("code_challenge_method", "S256"), ("district", "d-7"),
        ])
        #expect(authorize.status == 302)
        let location = try #require(authorize.headers["location"])
        #expect(location.hasPrefix(AuthorizationFixture.webRedirect + "?code="))
        let parameters = fixture.redirectParameters(authorize)
        #expect(parameters["state"] == "s 1&x")
        let code = try #require(parameters["code"])
        #expect(code.count == 43)

        let token = try fixture.exchange(code)
        #expect(token.status == 200, "\(token.body)")
        #expect(token.headers["cache-control"] == "no-store")
        let json = token.json
        #expect(json["token_type"] as? String == "Bearer")
        #expect(json["expires_in"] as? Int == 3600)
        #expect(json["scope"] as? String == "email openid profile")
        #expect(json["refresh_token"] == nil)
        let idToken = try #require(json["id_token"] as? String)

        let validator = IDTokenValidator(issuer: fixture.base, clientID: "webapp")
        let decoded = try validator.validate(
            idToken, keys: fixture.authorization.keys.verificationKeys(), nonce: "n-1", now: fixture.clock.now())
        #expect(decoded.claims["sub"] == .string("u-100"))
        #expect(decoded.claims["aud"] == .string("webapp"))
        #expect(decoded.claims["auth_time"] == .number(1_700_000_000))
        #expect(decoded.claims["email"] == .string("ada@example.org"))
        #expect(decoded.claims["name"] == .string("Ada Lovelace"))
        #expect(decoded.claims["roster_role"] == nil)
    }

    @Test func publicClientUsesClientIDOnly() throws {
        let fixture = try AuthorizationFixture()
        let authorize = try fixture.authorize([
            ("response_type", "code"), ("client_id", "spa"), ("redirect_uri", AuthorizationFixture.spaRedirect),
            ("scope", "openid"), ("code_challenge", sampleChallenge), ("code_challenge_method", "S256"),
        ])
        let location = try #require(authorize.headers["location"])
        #expect(location.hasPrefix(AuthorizationFixture.spaRedirect + "&code="))
        let code = try #require(fixture.redirectParameters(authorize)["code"])
        let token = try fixture.post(
            "/oauth/token",
            [
                ("grant_type", "authorization_code"), ("code", code), ("client_id", "spa"),
                ("redirect_uri", AuthorizationFixture.spaRedirect), ("code_verifier", sampleVerifier),
            ], basic: false)
        #expect(token.status == 200)
        #expect(token.json["id_token"] is String)
    }

    @Test func userOutsideViewIsDenied() throws {
        let fixture = try AuthorizationFixture()
        let response = try fixture.authorize([
            ("response_type", "code"), ("client_id", "webapp"), ("redirect_uri", AuthorizationFixture.webRedirect),
            ("scope", "openid"), ("state", "s-2"), ("code_challenge", sampleChallenge),
            ("code_challenge_method", "S256"), ("district", "outside"),
        ])
        #expect(response.status == 302)
        let parameters = fixture.redirectParameters(response)
        #expect(parameters["error"] == "access_denied")
        #expect(parameters["state"] == "s-2")
        #expect(parameters["code"] == nil)
    }

    @Test func userinfoReleasesClaimsPerScope() throws {
        let fixture = try AuthorizationFixture()
        let emailOnly = try fixture.exchange(try fixture.webCode(scope: "openid email")).json
        let emailToken = try #require(emailOnly["access_token"] as? String)
        let emailInfo = try fixture.userinfo(emailToken)
        #expect(emailInfo.status == 200)
        #expect(emailInfo.json["sub"] as? String == "u-100")
        #expect(emailInfo.json["email"] as? String == "ada@example.org")
        #expect(emailInfo.json["email_verified"] as? Bool == true)
        #expect(emailInfo.json["name"] == nil)

        let roster = try fixture.exchange(try fixture.webCode(scope: "openid roster")).json
        let rosterInfo = try fixture.userinfo(try #require(roster["access_token"] as? String))
        #expect(rosterInfo.json["roster_role"] as? String == "student")
        #expect(rosterInfo.json["roster_grades"] as? [String] == ["09"])
        #expect(rosterInfo.json["email"] == nil)

        let bare = try fixture.exchange(try fixture.webCode(scope: "openid")).json
        let bareInfo = try fixture.userinfo(try #require(bare["access_token"] as? String))
        #expect(bareInfo.json.keys.sorted() == ["sub"])

        let unknown = try fixture.userinfo("not-a-token")
        #expect(unknown.status == 401)
        #expect(unknown.headers["www-authenticate"]?.contains("invalid_token") == true)
    }

    @Test func discoveryAndJWKSAreServed() throws {
        let fixture = try AuthorizationFixture()
        let discovery = try curl([fixture.base + "/.well-known/openid-configuration"])
        #expect(discovery.status == 200)
        #expect(discovery.json["issuer"] as? String == fixture.base)
        #expect(discovery.json["token_endpoint"] as? String == fixture.base + "/oauth/token")
        let jwks = try curl([fixture.base + "/oauth/jwks"])
        #expect(jwks.status == 200)
        #expect((jwks.json["keys"] as? [Any])?.count == 2)
    }
}
