import Foundation

/// Rollbook's relying-party settings at one district's OpenID Connect IdP: the client registration, the discovery
/// URL and the parameters of the authorization request.
public struct UpstreamOIDCSettings: Sendable, Equatable, CustomStringConvertible {
    /// The client authentication method at the token endpoint (OpenID Connect Core 1.0 section 9).
    public enum TokenEndpointAuthentication: String, Sendable {
        /// The client ID and secret in an HTTP Basic `Authorization` header.
        case basic = "client_secret_basic"
        /// The client ID and secret as `client_id` and `client_secret` form fields.
        case post = "client_secret_post"
    }

    /// The client ID that the IdP issued to Rollbook.
    public var clientID: String
    /// The client secret, or nil for a public client that authenticates with PKCE alone.
    public var clientSecret: String?
    /// The method that sends the secret to the token endpoint.
    public var tokenEndpointAuthentication: TokenEndpointAuthentication
    /// The discovery document's URL, or nil to derive it from the provider's kind and issuer.
    public var discoveryURL: String?
    /// The scopes requested; `openid` is added in front when missing.
    public var scopes: [String]
    /// The issuer a `google` provider expects, Google's by default. Tests set a local IdP's issuer here.
    public var googleIssuer: String
    /// The `domain_hint` sent to Microsoft Entra ID so it skips its account picker, such as `maple-isd.org`.
    public var domainHint: String?
    /// Time limit of each request to the IdP (discovery, JWKS, token), in seconds.
    public var requestTimeout: Double
    /// How long a fetched discovery document is used before it is fetched again, in seconds.
    public var discoveryMaxAge: Double

    /// The scopes requested when none are configured.
    public static let defaultScopes = ["openid", "email", "profile"]

    /// Creates settings; times are in seconds.
    public init(
        clientID: String, clientSecret: String?, tokenEndpointAuthentication: TokenEndpointAuthentication = .basic,
        discoveryURL: String? = nil, scopes: [String] = defaultScopes,
        googleIssuer: String = UpstreamProvider.googleIssuer, domainHint: String? = nil, requestTimeout: Double = 10,
        discoveryMaxAge: Double = 3600
    ) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.tokenEndpointAuthentication = tokenEndpointAuthentication
        self.discoveryURL = discoveryURL
        self.scopes = scopes
        self.googleIssuer = googleIssuer
        self.domainHint = domainHint
        self.requestTimeout = requestTimeout
        self.discoveryMaxAge = discoveryMaxAge
    }

    /// The settings with the client secret masked, for logs and configuration dumps.
    public var description: String {
        "UpstreamOIDCSettings(clientID: '\(clientID)', clientSecret: \(clientSecret == nil ? "none" : "'***'"), "
            + "tokenEndpointAuthentication: \(tokenEndpointAuthentication.rawValue), "
            + "discoveryURL: \(discoveryURL.map { "'\($0)'" } ?? "derived"), scopes: \(scopes))"
    }

    /// The largest time limit accepted for one request, in seconds.
    static let maximumRequestTimeout = 60.0
}

/// Endpoints and issuer that follow from a provider and its settings.
struct UpstreamOIDCTarget: Sendable {
    /// The issuer that the discovery document and the id_token's `iss` must equal exactly.
    let issuer: String
    let discoveryURL: String

    private static let wellKnownPath = "/.well-known/openid-configuration"

    /// Derives the issuer and discovery URL, and checks the settings, throwing `sso.invalid_config`.
    init(provider: UpstreamProvider, settings: UpstreamOIDCSettings) throws(UpstreamError) {
        let district = provider.district
        switch provider.kind {
        case .oidc(let issuer), .adfs(let issuer):
            self.issuer = issuer
        case .google:
            guard UpstreamProvider.isAllowedURL(settings.googleIssuer) else {
                throw .invalidConfig(
                    district: district, field: "googleIssuer", value: settings.googleIssuer,
                    expected: "an https URL (http only for 127.0.0.1 and localhost), by default Google's issuer")
            }
            issuer = settings.googleIssuer
        case .entra(let tenantID, let template):
            // The tenant's own v2.0 issuer, which is also where its discovery document lives.
            issuer = template.replacingOccurrences(of: UpstreamProvider.tenantPlaceholder, with: tenantID)
        case .ldap:
            throw .invalidConfig(
                district: district, field: "kind", value: "ldap",
                expected: "an OpenID Connect provider (oidc, google, entra or adfs)")
        }
        let derived = (issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer) + Self.wellKnownPath
        discoveryURL = settings.discoveryURL ?? derived
        guard UpstreamProvider.isAllowedURL(discoveryURL) else {
            throw .invalidConfig(
                district: district, field: "discoveryURL", value: discoveryURL,
                expected: "an https URL (http only for 127.0.0.1 and localhost)")
        }
        guard !settings.clientID.isEmpty else {
            throw .invalidConfig(
                district: district, field: "clientID", value: "", expected: "the client ID that the IdP issued")
        }
        if let secret = settings.clientSecret, secret.isEmpty {
            throw .invalidConfig(
                district: district, field: "clientSecret", value: "", expected: "the client secret, or none")
        }
        let timeout = settings.requestTimeout
        guard timeout > 0, timeout <= UpstreamOIDCSettings.maximumRequestTimeout else {
            throw .invalidConfig(
                district: district, field: "requestTimeout", value: String(timeout),
                expected: "a number of seconds above 0 and at most \(Int(UpstreamOIDCSettings.maximumRequestTimeout))")
        }
        guard settings.discoveryMaxAge >= 0 else {
            throw .invalidConfig(
                district: district, field: "discoveryMaxAge", value: String(settings.discoveryMaxAge),
                expected: "a number of seconds, 0 or more")
        }
    }
}
