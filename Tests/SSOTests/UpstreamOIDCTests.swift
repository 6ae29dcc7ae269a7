import Foundation
import Glibc
import TestFixtures
import Testing

@testable import SSO

/// Full sign-ins through `UpstreamOIDCClient` against the pyop provider on 127.0.0.1.
@Suite(
    .serialized, .enabled(if: pyopAvailable, "pyop is missing; install it with 'python3 -m pip install pyop==3.5.0'"))
struct UpstreamOIDCTests {
    @Test func oidcSignInYieldsIdentity() throws {
        let op = try UpstreamOP()
        defer { op.stop() }
        let provider = try UpstreamProvider(id: "maple-oidc", district: "maple", kind: .oidc(issuer: op.issuer))
        let client = try UpstreamOIDCClient(provider: provider, settings: op.settings())

        let identity = try signIn(client, loginHint: "ada")

        #expect(identity.providerKind == .oidc)
        #expect(identity.providerID == "maple-oidc")
        #expect(identity.issuer == op.issuer)
        #expect(identity.subject == "ada-0001")
        #expect(identity.linkKey == LinkKey(namespace: op.issuer, subject: "ada-0001"))
        #expect(identity.email == "ada@maple.example.org")
        #expect(identity.emailVerified)
        #expect(identity.preferredUsername == "ada")
    }

    @Test func googleSignInWithAllowedDomain() throws {
        let op = try UpstreamOP()
        defer { op.stop() }
        let provider = try UpstreamProvider(
            id: "maple-google", district: "maple", kind: .google(allowedHostedDomains: ["maple.example.org"]))
        let client = try UpstreamOIDCClient(provider: provider, settings: op.settings(post: true))
        let session = SignInSession()

        let url = try client.authorizationURL(
            redirectURI: UpstreamOP.redirectURI, state: session.state, nonce: session.nonce,
            codeVerifier: session.codeVerifier, loginHint: "ada")
        let identity = try signIn(client, loginHint: "ada", session: session)

        let query = Dictionary(
            (URLComponents(string: url)?.queryItems ?? []).map { ($0.name, $0.value ?? "") },
            uniquingKeysWith: { first, _ in first })
        #expect(url.hasPrefix(op.issuer + "/authorize?"))
        #expect(query["hd"] == "maple.example.org")
        #expect(query["code_challenge_method"] == "S256")
        #expect(query["scope"] == "openid email profile")
        #expect(identity.providerKind == .google)
        #expect(identity.hostedDomain == "maple.example.org")
        #expect(identity.subject == "ada-0001")
        #expect(identity.issuer == UpstreamProvider.googleIssuer)
    }

    @Test func secondSignInReusesCachedKeys() throws {
        let op = try UpstreamOP()
        defer { op.stop() }
        let provider = try UpstreamProvider(id: "maple-oidc", district: "maple", kind: .oidc(issuer: op.issuer))
        let client = try UpstreamOIDCClient(provider: provider, settings: op.settings())

        let first = try signIn(client, loginHint: "ada")
        let second = try signIn(client, loginHint: "grace")

        #expect(first.subject == "ada-0001")
        #expect(second.subject == "grace-0002")
        #expect(!second.emailVerified)
        #expect(client.keys.fetchCount(issuer: op.issuer) == 1)
    }

    @Test func wrongNonceRejected() throws {
        let op = try UpstreamOP()
        defer { op.stop() }
        let provider = try UpstreamProvider(id: "maple-oidc", district: "maple", kind: .oidc(issuer: op.issuer))
        let client = try UpstreamOIDCClient(provider: provider, settings: op.settings())

        let error = try #require(throws: UpstreamError.self) {
            try signIn(client, loginHint: "ada", finishNonce: "nonce-of-another-session")
        }

        #expect(error.code == "sso.nonce_mismatch")
        #expect(error.message.hasPrefix("District 'maple', provider 'maple-oidc': the id_token's nonce does not match"))
    }

    @Test func hostedDomainNotAllowedRejected() throws {
        let op = try UpstreamOP()
        defer { op.stop() }
        let provider = try UpstreamProvider(
            id: "maple-google", district: "maple", kind: .google(allowedHostedDomains: ["birch.example.org"]))
        let client = try UpstreamOIDCClient(provider: provider, settings: op.settings())

        let error = try #require(throws: UpstreamError.self) { try signIn(client, loginHint: "ada") }

        #expect(error.code == "sso.domain_not_allowed")
        #expect(error.message.contains("'maple.example.org'"))
    }

    @Test func discoveryIssuerMismatchRejected() throws {
        let op = try UpstreamOP()
        defer { op.stop() }
        let expected = "http://localhost:\(op.port)"
        let provider = try UpstreamProvider(id: "maple-oidc", district: "maple", kind: .oidc(issuer: expected))
        var settings = op.settings()
        settings.discoveryURL = op.issuer + "/.well-known/openid-configuration"
        let client = try UpstreamOIDCClient(provider: provider, settings: settings)

        let error = try #require(throws: UpstreamError.self) { try client.discoveryDocument() }

        #expect(error.code == "sso.discovery_issuer_mismatch")
        #expect(
            error.message
                == "District 'maple', provider 'maple-oidc': the discovery document at '\(settings.discoveryURL ?? "")' "
                + "has issuer '\(op.issuer)'; expected '\(expected)' exactly. Set the provider's issuer to the IdP's "
                + "issuer, or point the discovery URL at this issuer's document")
    }

    @Test func badClientSecretReportsUpstreamError() throws {
        let op = try UpstreamOP()
        defer { op.stop() }
        let provider = try UpstreamProvider(id: "maple-oidc", district: "maple", kind: .oidc(issuer: op.issuer))
        let client = try UpstreamOIDCClient(provider: provider, settings: op.settings(secret: "not-the-secret"))

        let error = try #require(throws: UpstreamError.self) { try signIn(client, loginHint: "ada") }

        #expect(error.code == "sso.token_request_failed")
        #expect(
            error.message
                == "District 'maple', provider 'maple-oidc': the token endpoint '\(op.issuer)/token' returned status "
                + "401 with error 'invalid_client': Incorrect client_secret. Check the client ID, the client secret "
                + "and the token endpoint authentication method")
    }

    @Test func unknownUserReturnsErrorRedirect() throws {
        let op = try UpstreamOP()
        defer { op.stop() }
        let provider = try UpstreamProvider(id: "maple-oidc", district: "maple", kind: .oidc(issuer: op.issuer))
        let client = try UpstreamOIDCClient(provider: provider, settings: op.settings())
        let session = SignInSession()

        let url = try client.authorizationURL(
            redirectURI: UpstreamOP.redirectURI, state: session.state, nonce: session.nonce,
            codeVerifier: session.codeVerifier, loginHint: "nobody")
        let callback = try authorize(url)

        #expect(callback["error"] == "login_required")
        #expect(callback["code"] == nil)
        #expect(callback["state"] == session.state)
    }
}

/// Failures to reach the IdP, which need no provider process.
@Suite struct UpstreamOIDCNetworkTests {
    @Test func closedPortReportsUnreachable() throws {
        let port = try freeLoopbackTCPPort()
        let issuer = "http://127.0.0.1:\(port)"
        let provider = try UpstreamProvider(id: "maple-oidc", district: "maple", kind: .oidc(issuer: issuer))
        let settings = UpstreamOIDCSettings(clientID: "rollbook", clientSecret: "s", requestTimeout: 2)
        let client = try UpstreamOIDCClient(provider: provider, settings: settings)

        let error = try #require(throws: UpstreamError.self) { try client.discoveryDocument() }

        #expect(error.code == "sso.upstream_unreachable")
        #expect(
            error.message.hasPrefix(
                "District 'maple', provider 'maple-oidc': GET '\(issuer)/.well-known/openid-configuration' failed "
                    + "before a response arrived"))
        #expect(error.message.contains("time limit 2 s"))
    }

    @Test func silentServerReportsTimeout() throws {
        // A socket that listens but never accepts: the connection completes in the backlog, and no response comes.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(listener, socketAddress, length) == 0 && listen(listener, 4) == 0
                    && getsockname(listener, socketAddress, &length) == 0
            }
        }
        try #require(bound)
        let issuer = "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
        let provider = try UpstreamProvider(id: "maple-adfs", district: "maple", kind: .adfs(issuer: issuer))
        let settings = UpstreamOIDCSettings(clientID: "rollbook", clientSecret: "s", requestTimeout: 1)
        let client = try UpstreamOIDCClient(provider: provider, settings: settings)

        let error = try #require(throws: UpstreamError.self) { try client.discoveryDocument() }

        #expect(error.code == "sso.upstream_timed_out")
        #expect(
            error.message.hasPrefix(
                "District 'maple', provider 'maple-adfs': GET '\(issuer)/.well-known/openid-configuration' timed out "
                    + "after 1 s"))
    }
}
