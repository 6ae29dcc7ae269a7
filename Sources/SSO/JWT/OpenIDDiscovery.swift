/// Builds the provider's OpenID Connect Discovery 1.0 metadata document, served at
/// `<issuer>/.well-known/openid-configuration`.
public struct OpenIDDiscovery: Sendable {
    /// The issuer identifier: an https URL without query or fragment, also the `iss` of every id_token.
    public let issuer: String
    /// Endpoint paths below the issuer.
    public var authorizationPath = "/oauth/authorize"
    public var tokenPath = "/oauth/token"
    public var userinfoPath = "/oauth/userinfo"
    public var jwksPath = "/oauth/jwks"
    public var revocationPath = "/oauth/revoke"
    public var endSessionPath = "/oauth/logout"
    /// The scopes offered.
    public var scopes = ["openid", "profile", "email"]
    /// The claims that id_tokens and userinfo may carry.
    public var claims = [
        "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "name", "given_name",
        "family_name", "email", "email_verified",
    ]

    /// Creates a builder for `issuer`.
    ///
    /// Throws when the issuer is not an https URL, or has a query or fragment (Discovery 1.0 section 3). Plain http
    /// is accepted only for 127.0.0.1 and localhost, for tests and local trials.
    public init(issuer: String) throws(DiscoveryError) {
        let trimmed = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        let isLoopback =
            trimmed.hasPrefix("http://127.0.0.1") || trimmed.hasPrefix("http://localhost")
        guard trimmed.hasPrefix("https://") || isLoopback, !trimmed.contains("?"), !trimmed.contains("#"),
            !trimmed.contains(" ")
        else { throw DiscoveryError(issuer: issuer) }
        self.issuer = trimmed
    }

    /// Returns the metadata document as JSON text.
    public func documentJSON() -> String {
        var writer = JSONObjectWriter()
        writer.add("issuer", issuer)
        writer.add("authorization_endpoint", issuer + authorizationPath)
        writer.add("token_endpoint", issuer + tokenPath)
        writer.add("userinfo_endpoint", issuer + userinfoPath)
        writer.add("jwks_uri", issuer + jwksPath)
        writer.add("revocation_endpoint", issuer + revocationPath)
        writer.add("end_session_endpoint", issuer + endSessionPath)
        writer.add("response_types_supported", ["code"])
        writer.add("grant_types_supported", ["authorization_code", "refresh_token", "client_credentials"])
        writer.add("subject_types_supported", ["public"])
        writer.add("id_token_signing_alg_values_supported", ["RS256"])
        writer.add("scopes_supported", scopes)
        writer.add("token_endpoint_auth_methods_supported", ["client_secret_basic", "client_secret_post", "none"])
        writer.add("code_challenge_methods_supported", ["S256"])
        writer.add("claims_supported", claims)
        return writer.text
    }
}

/// An issuer URL that OpenID Connect Discovery does not allow, with the short stable code `discovery.invalid_issuer`.
public struct DiscoveryError: Error, CustomStringConvertible, Sendable {
    /// The rejected issuer.
    public let issuer: String
    /// The short stable code.
    public var code: String { "discovery.invalid_issuer" }
    public var description: String {
        "Issuer '\(issuer)' is invalid; expected an https URL without query or fragment, such as "
            + "'https://sso.example.org' (http is allowed only for 127.0.0.1 and localhost)"
    }
}
