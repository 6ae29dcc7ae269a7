import Foundation
import Testing

@testable import SSO

/// Whether `python3` can import Authlib and requests, the relying party this suite drives.
private let authlibAvailable: Bool = {
    guard let result = try? runTool("/usr/bin/env", ["python3", "-c", "import authlib, requests"]) else {
        return false
    }
    return result.status == 0
}()

/// Plays the relying party with Authlib: builds the PKCE pair and the authorization URL, follows the authorize
/// step once, exchanges the code with HTTP Basic, and checks the id_token against the JWKS. Prints a JSON
/// summary. argv is the issuer, the client id, the secret and the redirect URI.
private let relyingPartyScript = """
    import json, os, sys, traceback
    os.environ["NO_PROXY"] = "127.0.0.1"
    import requests
    from authlib.common.security import generate_token
    from authlib.integrations.requests_client import OAuth2Session
    from authlib.jose import JsonWebKey, jwt

    def main():
        issuer, client_id, secret, redirect_uri = sys.argv[1:5]
        verifier = generate_token(64)
        nonce = generate_token(20)
        session = OAuth2Session(
            client_id, secret, scope="openid email offline_access", redirect_uri=redirect_uri,
            code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic")
        url, state = session.create_authorization_url(issuer + "/oauth/authorize", code_verifier=verifier, nonce=nonce)
        step = requests.get(url, allow_redirects=False, timeout=10)
        location = step.headers["Location"]
        token = session.fetch_token(
            issuer + "/oauth/token", authorization_response=location, state=state, code_verifier=verifier, timeout=10)
        keys = JsonWebKey.import_key_set(requests.get(issuer + "/oauth/jwks", timeout=10).json())
        claims = jwt.decode(token["id_token"], keys, claims_options={
            "iss": {"essential": True, "value": issuer},
            "aud": {"essential": True, "value": client_id},
            "nonce": {"essential": True, "value": nonce},
        })
        claims.validate()
        refreshed = session.refresh_token(issuer + "/oauth/token", refresh_token=token["refresh_token"], timeout=10)
        print(json.dumps({
            "sub": claims["sub"], "email": claims.get("email"), "token_type": token["token_type"],
            "rotated": refreshed["refresh_token"] != token["refresh_token"],
        }))

    try:
        main()
    except Exception:
        print(json.dumps({"failure": traceback.format_exc()}))
        sys.exit(1)
    """

@Suite(
    .serialized,
    .enabled(if: authlibAvailable, "Authlib is missing; install it with 'python3 -m pip install authlib requests'"))
struct AuthorizationAuthlibTests {
    @Test func authlibCompletesCodeFlow() throws {
        let fixture = try AuthorizationFixture(start: Date().timeIntervalSince1970)
        let result = try runTool(
            "/usr/bin/env",
            [
                "python3", "-c", relyingPartyScript, fixture.base, "authlib-rp", AuthorizationFixture.authlibSecret,
                AuthorizationFixture.webRedirect,
            ])
        #expect(result.status == 0, "\(result.output)")
        let summary = try #require(JSONValue.parse(Array(result.output.utf8))?.objectValue)
        #expect(summary["sub"] == .string("u-100"))
        #expect(summary["email"] == .string("ada@example.org"))
        #expect(summary["token_type"] == .string("Bearer"))
        #expect(summary["rotated"] == .bool(true))
    }
}
