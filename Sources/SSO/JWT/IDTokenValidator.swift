import Foundation

/// Checks an upstream IdP's id_token as OpenID Connect Core 1.0 section 3.1.3.7 describes: RS256 signature by a
/// key of the issuer's JWKS, then `iss`, `aud`, `azp`, `exp`, `iat`, `nbf` and `nonce`.
///
/// Time claims allow `leeway` seconds of clock skew in both directions: a token is accepted until `exp + leeway`
/// (exclusive) and from `iat - leeway` and `nbf - leeway` (inclusive).
public struct IDTokenValidator: Sendable {
    /// The issuer identifier that `iss` must equal exactly.
    public let issuer: String
    /// This relying party's client id, which `aud` must contain.
    public let clientID: String
    /// Allowed clock skew in seconds, between 0 and `maximumLeeway`.
    public let leeway: Int

    /// The leeway used when none is configured, in seconds.
    public static let defaultLeeway = 60
    /// The largest leeway accepted, in seconds. Larger values are lowered to it.
    public static let maximumLeeway = 300

    /// Creates a validator. A `leeway` outside 0...300 seconds is clamped into that range.
    public init(issuer: String, clientID: String, leeway: Int = defaultLeeway) {
        self.issuer = issuer
        self.clientID = clientID
        self.leeway = min(max(leeway, 0), Self.maximumLeeway)
    }

    /// Validates `token` against a fixed key set and returns its decoded form.
    ///
    /// Pass `nonce` when the authentication request sent one, and the token must then carry the same value.
    public func validate(_ token: String, keys: JWKSet, nonce: String?, now: Date) throws(JWTError) -> DecodedJWT {
        let decoded = try JWT.decode(token)
        guard let key = keys.key(for: decoded.kid) else { throw .unknownKid(decoded.kid, issuer: issuer) }
        return try check(decoded, key: key, nonce: nonce, now: now)
    }

    /// Validates `token` with keys from `cache`, which fetches the issuer's JWKS again, rate limited, when the
    /// token's `kid` is unknown.
    public func validate(_ token: String, cache: JWKSCache, nonce: String?, now: Date) throws(JWTError)
        -> DecodedJWT
    {
        // Decoding first means a token with alg none or a bad shape never causes a JWKS fetch.
        let decoded = try JWT.decode(token)
        let key = try cache.key(issuer: issuer, kid: decoded.kid)
        return try check(decoded, key: key, nonce: nonce, now: now)
    }

    private func check(_ token: DecodedJWT, key: RSAPublicKey, nonce: String?, now: Date) throws(JWTError)
        -> DecodedJWT
    {
        guard token.isSigned(by: key) else { throw .badSignature(kid: token.kid) }
        try checkClaims(token.claims, nonce: nonce, now: now)
        return token
    }

    /// Checks the claims of a token whose signature is already verified.
    func checkClaims(_ claims: [String: JSONValue], nonce: String?, now: Date) throws(JWTError) {
        let foundIssuer = claims["iss"]?.stringValue
        guard foundIssuer == issuer else { throw .wrongIssuer(foundIssuer, expected: issuer) }
        guard let subject = claims["sub"] else { throw .missingClaim("sub") }
        guard let subjectText = subject.stringValue, !subjectText.isEmpty else {
            throw .invalidClaim("sub", expected: "a non-empty string")
        }
        try checkAudience(claims)
        try checkTimes(claims, now: now.timeIntervalSince1970)
        if let nonce {
            let found = claims["nonce"]?.stringValue
            guard found == nonce else { throw .nonceMismatch(found: found) }
        }
    }

    private func checkAudience(_ claims: [String: JSONValue]) throws(JWTError) {
        let audiences: [String]
        switch claims["aud"] {
        case .string(let value): audiences = [value]
        case .array(let values): audiences = values.compactMap(\.stringValue)
        case nil: throw .missingClaim("aud")
        default: throw .invalidClaim("aud", expected: "a string or an array of strings")
        }
        guard audiences.contains(clientID) else { throw .wrongAudience(audiences, expected: clientID) }
        let authorizedParty = claims["azp"]?.stringValue
        if audiences.count > 1 || claims["azp"] != nil {
            guard authorizedParty == clientID else { throw .wrongAuthorizedParty(authorizedParty, expected: clientID) }
        }
    }

    private func checkTimes(_ claims: [String: JSONValue], now: Double) throws(JWTError) {
        let skew = Double(leeway)
        let expiry = try numericDate(claims, "exp", required: true)
        let issuedAt = try numericDate(claims, "iat", required: true)
        if let expiry, now >= expiry + skew {
            throw .expired(secondsAgo: Int((now - expiry).rounded(.down)), leeway: leeway)
        }
        if let issuedAt, issuedAt > now + skew {
            throw .issuedInFuture(secondsAhead: Int((issuedAt - now).rounded(.up)), leeway: leeway)
        }
        if let notBefore = try numericDate(claims, "nbf", required: false), notBefore > now + skew {
            throw .notYetValid(secondsAhead: Int((notBefore - now).rounded(.up)), leeway: leeway)
        }
    }

    private func numericDate(_ claims: [String: JSONValue], _ name: String, required: Bool) throws(JWTError) -> Double?
    {
        guard let value = claims[name] else {
            if required { throw .missingClaim(name) }
            return nil
        }
        guard let seconds = value.numberValue, seconds.isFinite, seconds >= 0 else {
            throw .invalidClaim(name, expected: "a NumericDate, a non-negative number of seconds since 1970")
        }
        return seconds
    }
}
