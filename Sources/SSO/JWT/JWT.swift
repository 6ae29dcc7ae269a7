/// JWS compact serialization of JWTs signed with RS256 (RFC 7515 section 7.1, RFC 7519).
public enum JWT {
    /// The maximum token length that `decode` accepts, in bytes. Typical id_tokens are 1 to 4 KB.
    public static let maximumLength = 16 * 1024

    /// Signs `claims` with `key` and returns `header.payload.signature`, each part base64url without padding.
    ///
    /// The header is `{"alg":"RS256","typ":"JWT","kid":<key.kid>}`.
    public static func sign(claims: JSONObjectWriter, with key: RSASigningKey) throws(KeyError) -> String {
        var header = JSONObjectWriter()
        header.add("alg", "RS256")
        header.add("typ", "JWT")
        header.add("kid", key.kid)
        let signingInput = Base64.encodeURLSafe(header.utf8) + "." + Base64.encodeURLSafe(claims.utf8)
        let signature = try key.sign(Array(signingInput.utf8))
        return signingInput + "." + Base64.encodeURLSafe(signature)
    }

    /// Splits and decodes a compact JWS without checking its signature or claims.
    ///
    /// Rejects, in this order: a token longer than `maximumLength`, a segment count other than three, invalid
    /// base64url or JSON, an `alg` other than RS256 (`none` and `HS256` included), a `crit` header and a `typ`
    /// other than JWT.
    public static func decode(_ token: String, maximumLength: Int = maximumLength) throws(JWTError) -> DecodedJWT {
        let utf8 = token.utf8
        guard utf8.count <= maximumLength else { throw .tooLarge(utf8.count, limit: maximumLength) }
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3 else {
            if segments.count == 5 { throw .malformed("it has 5 segments, so it is an encrypted JWE; expected a JWS") }
            throw .malformed("it has \(segments.count) segments; expected 3 separated by '.'")
        }
        let header = try object(segments[0], part: "header")
        guard let algorithm = header["alg"]?.stringValue else { throw .malformed("header 'alg' is missing") }
        guard algorithm == "RS256" else { throw .unsupportedAlgorithm(algorithm) }
        if header["crit"] != nil { throw .unsupportedCritical() }
        if let type = header["typ"] {
            guard let text = type.stringValue, text.uppercased() == "JWT" else {
                throw .unsupportedType(type.stringValue ?? "a non-string value")
            }
        }
        var kid: String?
        if let value = header["kid"] {
            guard let text = value.stringValue else { throw .malformed("header 'kid' is not a string") }
            kid = text
        }
        let claims = try object(segments[1], part: "payload")
        guard !segments[2].isEmpty, let signature = Base64URL.decode(segments[2]) else {
            throw .malformed("the signature is empty or not unpadded base64url")
        }
        let signingInput = Array(utf8.prefix(segments[0].utf8.count + 1 + segments[1].utf8.count))
        return DecodedJWT(header: header, claims: claims, kid: kid, signingInput: signingInput, signature: signature)
    }

    private static func object(_ segment: Substring, part: String) throws(JWTError) -> [String: JSONValue] {
        guard let bytes = Base64URL.decode(segment) else {
            throw .malformed("the \(part) is not unpadded base64url")
        }
        guard let value = JSONValue.parse(bytes), let object = value.objectValue else {
            throw .malformed("the \(part) is not a JSON object")
        }
        return object
    }
}

/// A JWT split into its parts. Its signature and claims are unchecked until a validator checks them.
public struct DecodedJWT: Sendable {
    /// The JOSE header members.
    public let header: [String: JSONValue]
    /// The claims set.
    public let claims: [String: JSONValue]
    /// The header's `kid`, when present.
    public let kid: String?
    /// The bytes the signature covers: the first two segments and the dot between them.
    let signingInput: [UInt8]
    let signature: [UInt8]

    /// Checks whether `key` produced the signature.
    public func isSigned(by key: RSAPublicKey) -> Bool {
        key.verify(signature: signature, data: signingInput)
    }
}
