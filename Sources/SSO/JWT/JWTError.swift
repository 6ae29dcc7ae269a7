/// The reason a JWT was rejected, with a short stable code such as `jwt.expired` for logs and metrics.
///
/// `message` names the claim or header and the bad value. It may contain token content, so log it but do not
/// return it to the client that sent the token.
public struct JWTError: Error, CustomStringConvertible, Sendable, Equatable {
    private enum Code: String, Sendable {
        case malformed = "jwt.malformed"
        case tooLarge = "jwt.too_large"
        case unsupportedAlgorithm = "jwt.unsupported_algorithm"
        case unsupportedCriticalHeader = "jwt.unsupported_crit"
        case unsupportedType = "jwt.unsupported_typ"
        case unknownKid = "jwt.unknown_kid"
        case keysUnavailable = "jwt.keys_unavailable"
        case badSignature = "jwt.bad_signature"
        case wrongIssuer = "jwt.wrong_issuer"
        case wrongAudience = "jwt.wrong_audience"
        case wrongAuthorizedParty = "jwt.wrong_azp"
        case missingClaim = "jwt.missing_claim"
        case invalidClaim = "jwt.invalid_claim"
        case expired = "jwt.expired"
        case notYetValid = "jwt.not_yet_valid"
        case issuedInFuture = "jwt.issued_in_future"
        case nonceMismatch = "jwt.nonce_mismatch"
    }

    private let kind: Code
    /// The problem with the token, naming the claim or header and its value.
    public let message: String
    /// For time checks, the whole seconds the token is outside its validity window, leeway excluded.
    public let gapSeconds: Int?

    /// The short stable code, usable as a metric label.
    public var code: String { kind.rawValue }
    public var description: String { message }

    private init(_ kind: Code, _ message: String, gap: Int? = nil) {
        self.kind = kind
        self.message = message
        gapSeconds = gap
    }

    static func malformed(_ detail: String) -> JWTError { JWTError(.malformed, "The token is malformed: \(detail)") }

    static func tooLarge(_ length: Int, limit: Int) -> JWTError {
        JWTError(.tooLarge, "The token is \(length) bytes long; the limit is \(limit) bytes")
    }

    static func unsupportedAlgorithm(_ algorithm: String) -> JWTError {
        JWTError(.unsupportedAlgorithm, "Header 'alg' is '\(algorithm.clipped)'; only RS256 is accepted")
    }

    static func unsupportedCritical() -> JWTError {
        JWTError(.unsupportedCriticalHeader, "Header 'crit' lists extensions; none are supported, so it is rejected")
    }

    static func unsupportedType(_ type: String) -> JWTError {
        JWTError(.unsupportedType, "Header 'typ' is '\(type.clipped)'; expected JWT or no 'typ'")
    }

    static func unknownKid(_ kid: String?, issuer: String) -> JWTError {
        guard let kid else {
            return JWTError(
                .unknownKid,
                "Signing key not found: the header has no 'kid' and the JWKS of '\(issuer)' has several keys")
        }
        return JWTError(.unknownKid, "Signing key not found: 'kid' '\(kid.clipped)' is not in the JWKS of '\(issuer)'")
    }

    static func keysUnavailable(issuer: String, reason: String) -> JWTError {
        JWTError(.keysUnavailable, "The JWKS of '\(issuer)' is unavailable: \(reason)")
    }

    static func badSignature(kid: String?) -> JWTError {
        JWTError(.badSignature, "The signature does not match the key '\(kid?.clipped ?? "(none)")'")
    }

    static func wrongIssuer(_ found: String?, expected: String) -> JWTError {
        JWTError(.wrongIssuer, "Claim 'iss' is '\(found?.clipped ?? "(missing)")'; expected '\(expected)'")
    }

    static func wrongAudience(_ found: [String], expected: String) -> JWTError {
        let list = found.isEmpty ? "(missing)" : found.map(\.clipped).joined(separator: ", ")
        return JWTError(.wrongAudience, "Claim 'aud' is '\(list)'; expected it to contain '\(expected)'")
    }

    static func wrongAuthorizedParty(_ found: String?, expected: String) -> JWTError {
        JWTError(
            .wrongAuthorizedParty,
            "Claim 'azp' is '\(found?.clipped ?? "(missing)")'; expected '\(expected)' because 'aud' has several values"
        )
    }

    static func missingClaim(_ name: String) -> JWTError {
        JWTError(.missingClaim, "Claim '\(name)' is missing; an OpenID Connect id_token requires it")
    }

    static func invalidClaim(_ name: String, expected: String) -> JWTError {
        JWTError(.invalidClaim, "Claim '\(name)' has the wrong type; expected \(expected)")
    }

    static func expired(secondsAgo: Int, leeway: Int) -> JWTError {
        JWTError(.expired, "The token expired \(secondsAgo) s ago, beyond the \(leeway) s leeway", gap: secondsAgo)
    }

    static func notYetValid(secondsAhead: Int, leeway: Int) -> JWTError {
        JWTError(
            .notYetValid, "Claim 'nbf' is \(secondsAhead) s in the future, beyond the \(leeway) s leeway",
            gap: secondsAhead)
    }

    static func issuedInFuture(secondsAhead: Int, leeway: Int) -> JWTError {
        JWTError(
            .issuedInFuture,
            "The token was issued \(secondsAhead) s in the future ('iat'), beyond the \(leeway) s leeway",
            gap: secondsAhead)
    }

    static func nonceMismatch(found: String?) -> JWTError {
        JWTError(
            .nonceMismatch,
            "Claim 'nonce' is '\(found?.clipped ?? "(missing)")', which is not the nonce of the authentication request")
    }
}

extension String {
    /// The first 80 characters, with `...` when cut, so that a hostile header cannot flood a log line.
    fileprivate var clipped: String {
        count > 80 ? String(prefix(80)) + "..." : self
    }
}
