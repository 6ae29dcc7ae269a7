import Testing

@testable import SSO

/// Issuer and discovery URL derivation and settings checks, without network.
@Suite struct UpstreamOIDCSettingsTests {
    private let settings = UpstreamOIDCSettings(clientID: "rollbook", clientSecret: "secret")

    @Test(
        arguments: [
            (UpstreamProvider.Kind.oidc(issuer: "https://idp.maple.example.org"), "https://idp.maple.example.org"),
            (.adfs(issuer: "https://fs.maple.example.org/adfs/"), "https://fs.maple.example.org/adfs/"),
            (.google(allowedHostedDomains: ["maple.example.org"]), "https://accounts.google.com"),
            (
                .entra(
                    tenantID: "5e0c1f2a-7b3d-4c8e-9a61-3f2b7c9d0a11",
                    issuerTemplate: UpstreamProvider.entraIssuerTemplate),
                "https://login.microsoftonline.com/5e0c1f2a-7b3d-4c8e-9a61-3f2b7c9d0a11/v2.0"
            ),
        ])
    func discoveryDerivedFromKind(kind: UpstreamProvider.Kind, issuer: String) throws {
        let provider = try UpstreamProvider(id: "p", district: "maple", kind: kind)

        let client = try UpstreamOIDCClient(provider: provider, settings: settings)

        let base = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        #expect(client.issuer == issuer)
        #expect(client.discoveryURL == base + "/.well-known/openid-configuration")
    }

    @Test func discoveryURLOverrideKept() throws {
        let provider = try UpstreamProvider(id: "p", district: "maple", kind: .adfs(issuer: "https://fs.example.org"))
        var custom = settings
        custom.discoveryURL = "https://fs.example.org/adfs/.well-known/openid-configuration"

        let client = try UpstreamOIDCClient(provider: provider, settings: custom)

        #expect(client.discoveryURL == "https://fs.example.org/adfs/.well-known/openid-configuration")
    }

    @Test(arguments: [
        "http://idp.example.net", "http://127.0.0.2:8080", "ftp://127.0.0.1", "https://user@idp.example.net",
    ])
    func nonLoopbackHTTPIssuerRejected(issuer: String) {
        #expect(throws: UpstreamError.self) {
            try UpstreamProvider(id: "p", district: "maple", kind: .oidc(issuer: issuer))
        }
    }

    @Test(arguments: ["http://127.0.0.1:8080", "http://localhost:8080/realm", "https://idp.example.net"])
    func loopbackHTTPIssuerAccepted(issuer: String) throws {
        let provider = try UpstreamProvider(id: "p", district: "maple", kind: .oidc(issuer: issuer))

        #expect(provider.kind == .oidc(issuer: issuer))
    }

    @Test func plainHTTPDiscoveryRejected() throws {
        let provider = try UpstreamProvider(id: "p", district: "maple", kind: .oidc(issuer: "https://idp.example.net"))
        var custom = settings
        custom.discoveryURL = "http://idp.example.net/.well-known/openid-configuration"

        let error = try #require(throws: UpstreamError.self) {
            try UpstreamOIDCClient(provider: provider, settings: custom)
        }

        #expect(error.code == "sso.invalid_config")
        #expect(error.message.contains("'discoveryURL'"))
    }

    @Test func ldapProviderRejected() throws {
        let provider = try UpstreamProvider(id: "p", district: "maple", kind: .ldap(directoryURL: "ldap://127.0.0.1"))

        let error = try #require(throws: UpstreamError.self) {
            try UpstreamOIDCClient(provider: provider, settings: settings)
        }

        #expect(error.code == "sso.invalid_config")
    }

    @Test func timeoutOutOfRangeRejected() throws {
        let provider = try UpstreamProvider(id: "p", district: "maple", kind: .oidc(issuer: "https://idp.example.net"))
        var custom = settings
        custom.requestTimeout = 0

        let error = try #require(throws: UpstreamError.self) {
            try UpstreamOIDCClient(provider: provider, settings: custom)
        }

        #expect(error.message.contains("'requestTimeout'"))
    }

    @Test func descriptionMasksSecret() {
        #expect(!settings.description.contains("secret'"))
        #expect(settings.description.contains("clientSecret: '***'"))
    }
}
