import Foundation
import Glibc
import HTTP
import TestFixtures
import Testing

@testable import SSO

/// Whether `python3` can import pyop, the OpenID provider that the upstream sign-in tests run.
let pyopAvailable = UpstreamOPProcess.isAvailable

struct UpstreamFixtureError: Error, CustomStringConvertible {
    let description: String
}

/// The pyop provider of `Tests/Fixtures/upstream_op.py` with the users and clients of these tests.
final class UpstreamOP {
    static let redirectURI = "http://127.0.0.1:9/upstream/callback"
    static let basicClient = (id: "rollbook-basic", secret: "basic-secret-1")
    static let postClient = (id: "rollbook-post", secret: "post-secret-2")
    static let users = """
        {
          "ada": {"sub": "ada-0001", "email": "ada@maple.example.org", "email_verified": true,
                  "hd": "maple.example.org", "preferred_username": "ada"},
          "grace": {"sub": "grace-0002", "email": "grace@example.net", "email_verified": false}
        }
        """

    let provider: UpstreamOPProcess
    var port: Int { provider.port }
    var issuer: String { provider.issuer }

    init() throws {
        provider = try UpstreamOPProcess(
            users: Self.users,
            clients: [
                .init(id: Self.basicClient.id, secret: Self.basicClient.secret, method: "client_secret_basic"),
                .init(id: Self.postClient.id, secret: Self.postClient.secret, method: "client_secret_post"),
            ], redirectURIs: [Self.redirectURI])
    }

    func stop() { provider.stop() }

    /// Settings for one of the two registered clients.
    func settings(post: Bool = false, secret: String? = nil) -> UpstreamOIDCSettings {
        let client = post ? Self.postClient : Self.basicClient
        return UpstreamOIDCSettings(
            clientID: client.id, clientSecret: secret ?? client.secret,
            tokenEndpointAuthentication: post ? .post : .basic, googleIssuer: issuer, requestTimeout: 5)
    }
}

/// The values a relying party keeps in the browser session between redirect and callback.
struct SignInSession {
    var state = "state-" + UUID().uuidString
    var nonce = "nonce-" + UUID().uuidString
    var codeVerifier = "verifier-" + UUID().uuidString + "-" + UUID().uuidString
}

/// Plays the browser: sends the authorization request without following the redirect and returns the query
/// parameters of the `Location` it points to.
func authorize(_ url: String) throws -> [String: String] {
    let response = try HTTPClient.send(HTTPClientRequest(url: url, timeout: 5), policy: HTTPPolicy()).get()
    guard response.status == 302, let location = response.headers["location"] else {
        throw UpstreamFixtureError(
            description: "authorize returned \(response.status): \(String(decoding: response.body, as: UTF8.self))")
    }
    var parameters: [String: String] = [:]
    for item in URLComponents(string: location)?.queryItems ?? [] {
        parameters[item.name] = item.value
    }
    return parameters
}

/// Runs a whole sign-in for `loginHint` and returns the identity, or throws the client's error.
func signIn(
    _ client: UpstreamOIDCClient, loginHint: String, session: SignInSession = SignInSession(),
    finishNonce: String? = nil
) throws -> UpstreamIdentity {
    let url = try client.authorizationURL(
        redirectURI: UpstreamOP.redirectURI, state: session.state, nonce: session.nonce,
        codeVerifier: session.codeVerifier, loginHint: loginHint)
    let callback = try authorize(url)
    guard callback["state"] == session.state, let code = callback["code"] else {
        throw UpstreamFixtureError(description: "callback without code or with another state: \(callback)")
    }
    return try client.finish(
        code: code, redirectURI: UpstreamOP.redirectURI, nonce: finishNonce ?? session.nonce,
        codeVerifier: session.codeVerifier)
}
