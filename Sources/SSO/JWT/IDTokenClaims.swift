import Foundation

/// The claims of an id_token the provider issues (OpenID Connect Core 1.0 section 2), written in a fixed order.
///
/// `iat` is the provider's own clock in whole seconds and no `nbf` is written, so that no relying party gets a
/// token that is valid only later than it was issued.
public struct IDTokenClaims: Sendable {
    /// The provider's issuer identifier.
    public var issuer: String
    /// The subject identifier of the user at this provider.
    public var subject: String
    /// The client id of the relying party.
    public var audience: String
    /// The issue time in seconds since 1970. Fractions are dropped.
    public var issuedAt: Double
    /// Seconds until the token expires.
    public var lifetime: Int
    /// The nonce of the authentication request, when it sent one.
    public var nonce: String?
    /// When the user authenticated, in seconds since 1970.
    public var authTime: Int?

    /// Creates the claims.
    public init(
        issuer: String, subject: String, audience: String, issuedAt: Double, lifetime: Int, nonce: String? = nil,
        authTime: Int? = nil
    ) {
        self.issuer = issuer
        self.subject = subject
        self.audience = audience
        self.issuedAt = issuedAt
        self.lifetime = lifetime
        self.nonce = nonce
        self.authTime = authTime
    }

    /// Returns a writer that contains these claims. Add further claims to it before signing.
    public func writer() -> JSONObjectWriter {
        let iat = Int(issuedAt.rounded(.down))
        var writer = JSONObjectWriter()
        writer.add("iss", issuer)
        writer.add("sub", subject)
        writer.add("aud", audience)
        writer.add("iat", iat)
        writer.add("exp", iat + lifetime)
        if let authTime { writer.add("auth_time", authTime) }
        if let nonce { writer.add("nonce", nonce) }
        return writer
    }
}
