import Foundation
import HTTP

/// A relying party at one district's upstream OpenID Connect IdP: it builds the authorization URL and, when the
/// browser returns with a code, exchanges it and checks the id_token.
///
/// The discovery document and the JWKS are fetched on first use and cached, so one client should live as long as
/// its provider's configuration. All calls block on network requests with `settings.requestTimeout`, so run them
/// off Swift's cooperative pool. The client is safe to use from any thread.
public final class UpstreamOIDCClient: Sendable {
    /// The district's provider whose identity checks run after the id_token is validated.
    public let provider: UpstreamProvider
    /// The client registration and request settings.
    public let settings: UpstreamOIDCSettings
    /// The issuer that the discovery document and id_tokens must name exactly.
    public var issuer: String { target.issuer }
    /// The URL the discovery document is fetched from.
    public var discoveryURL: String { target.discoveryURL }

    let target: UpstreamOIDCTarget
    let origin: UpstreamError.Origin
    let discovery: UpstreamDiscoveryStore
    let keys: JWKSCache
    let validator: IDTokenValidator
    let clock: @Sendable () -> Date

    /// The largest token response accepted, in bytes.
    static let maximumTokenResponseLength = 64 * 1024

    /// Creates a client and checks the settings, throwing `sso.invalid_config`. No request is sent yet.
    ///
    /// `clock` returns the current time for the discovery and JWKS caches and for id_token times.
    public init(
        provider: UpstreamProvider, settings: UpstreamOIDCSettings,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) throws(UpstreamError) {
        let target = try UpstreamOIDCTarget(provider: provider, settings: settings)
        let origin = UpstreamError.Origin(district: provider.district, providerID: provider.id)
        let discovery = UpstreamDiscoveryStore(
            target: target, origin: origin, timeout: settings.requestTimeout, maxAge: settings.discoveryMaxAge,
            clock: clock)
        let timeout = settings.requestTimeout
        self.provider = provider
        self.settings = settings
        self.target = target
        self.origin = origin
        self.discovery = discovery
        self.clock = clock
        validator = IDTokenValidator(issuer: target.issuer, clientID: settings.clientID)
        // The fetcher reads jwks_uri from the discovery store rather than from the client, so the cache holds no
        // reference back to the client.
        keys = JWKSCache(clock: clock) { _ in
            let url = try discovery.document().jwksURI
            let body = try UpstreamHTTP.get(
                url, what: "JWKS document", origin: origin, timeout: timeout,
                maximumBodySize: JWKSet.maximumDocumentLength)
            do throws(KeyError) {
                return try JWKSet(json: body)
            } catch {
                throw UpstreamError.invalidResponse(origin, url: url, what: "JWKS document", problem: error.message)
            }
        }
    }

    /// Returns the discovery document, fetching it when none is cached or the cached one is older than
    /// `settings.discoveryMaxAge`.
    public func discoveryDocument() throws(UpstreamError) -> UpstreamDiscovery {
        try discovery.document()
    }

    /// Builds the URL that the browser is redirected to for sign-in: the code flow with PKCE S256, `nonce` and
    /// `state`, plus Google's `hd` or Entra's `domain_hint` when they apply.
    ///
    /// `codeVerifier` must be 43 to 128 characters of `A-Z a-z 0-9 - . _ ~` (RFC 7636 section 4.1), and the caller
    /// keeps it, `state` and `nonce` in the browser session until `finish`.
    public func authorizationURL(
        redirectURI: String, state: String, nonce: String, codeVerifier: String, loginHint: String? = nil
    ) throws(UpstreamError) -> String {
        guard PKCE.isWellFormed(codeVerifier) else {
            throw .invalidConfig(
                district: provider.district, field: "codeVerifier", value: "(\(codeVerifier.utf8.count) bytes)",
                expected: "43 to 128 characters of A-Z a-z 0-9 - . _ ~")
        }
        let endpoint = try discovery.document().authorizationEndpoint
        var scopes = settings.scopes
        if !scopes.contains("openid") { scopes.insert("openid", at: 0) }
        var parameters: [(String, String)] = [
            ("response_type", "code"), ("client_id", settings.clientID), ("redirect_uri", redirectURI),
            ("scope", scopes.joined(separator: " ")), ("state", state), ("nonce", nonce),
            ("code_challenge", Base64.encodeURLSafe(Digest.sha256(Array(codeVerifier.utf8)))),
            ("code_challenge_method", "S256"),
        ]
        if let loginHint { parameters.append(("login_hint", loginHint)) }
        parameters += providerParameters()
        let query = parameters.map { "\($0.0)=\(PercentEncoding.encodeUnreserved($0.1))" }.joined(separator: "&")
        return endpoint + (endpoint.contains("?") ? "&" : "?") + query
    }

    /// Google's `hd` restricts its account picker to the district's Workspace domain when exactly one is allowed.
    /// The id_token's `hd` claim is still checked, because a user can edit the URL.
    private func providerParameters() -> [(String, String)] {
        switch provider.kind {
        case .google(let domains) where domains.count == 1:
            return [("hd", domains[0])]
        case .entra:
            return settings.domainHint.map { [("domain_hint", $0)] } ?? []
        default:
            return []
        }
    }
}
