import Foundation

/// The RS256 signing keys of one issuer, read from its JWKS document (RFC 7517 section 5).
public struct JWKSet: Sendable {
    /// Usable keys by `kid`.
    public let keysByKid: [String: RSAPublicKey]
    /// Usable keys that have no `kid`. Such a key matches only a token without `kid`, and only when it is the only key.
    public let keysWithoutKid: [RSAPublicKey]
    /// One line per key that was skipped (another algorithm, `use` other than `sig`, too small, malformed).
    public let skipped: [String]

    /// The largest JWKS document accepted, in bytes.
    public static let maximumDocumentLength = 256 * 1024
    /// The maximum number of keys in one document.
    public static let maximumKeyCount = 100

    /// Creates a set from keys already built, for example the provider's own keys.
    public init(keysByKid: [String: RSAPublicKey]) {
        self.keysByKid = keysByKid
        keysWithoutKid = []
        skipped = []
    }

    /// Parses a JWKS JSON document and keeps its RSA keys usable for RS256.
    ///
    /// Throws `key.invalid_jwks` when the document is not a JSON object with a `keys` array, is larger than
    /// `maximumDocumentLength`, has more than `maximumKeyCount` keys, or uses one `kid` twice. A single key that
    /// cannot be used is skipped and listed in `skipped`, because an IdP may publish keys of other types.
    public init(json: [UInt8]) throws(KeyError) {
        guard json.count <= Self.maximumDocumentLength else {
            throw .invalidJWKS("it is \(json.count) bytes; the limit is \(Self.maximumDocumentLength)")
        }
        guard let document = JSONValue.parse(json)?.objectValue, let entries = document["keys"]?.arrayValue else {
            throw .invalidJWKS("expected a JSON object with a 'keys' array")
        }
        guard entries.count <= Self.maximumKeyCount else {
            throw .invalidJWKS("it has \(entries.count) keys; the limit is \(Self.maximumKeyCount)")
        }
        var byKid: [String: RSAPublicKey] = [:]
        var withoutKid: [RSAPublicKey] = []
        var skipped: [String] = []
        for (index, entry) in entries.enumerated() {
            guard let members = entry.objectValue else {
                skipped.append("keys[\(index)] is not a JSON object")
                continue
            }
            let kid = members["kid"]?.stringValue
            do throws(KeyError) {
                guard let key = try Self.usableKey(members, kid: kid) else {
                    skipped.append("keys[\(index)] ('\(kid ?? "no kid")') is not an RS256 signing key")
                    continue
                }
                if let kid {
                    guard byKid[kid] == nil else { throw .invalidJWKS("'kid' '\(kid)' appears twice") }
                    byKid[kid] = key
                } else {
                    withoutKid.append(key)
                }
            } catch  where error.code == "key.invalid_jwk" {
                skipped.append("keys[\(index)]: \(error.message)")
            }
        }
        keysByKid = byKid
        keysWithoutKid = withoutKid
        self.skipped = skipped
    }

    /// The number of usable keys.
    public var count: Int { keysByKid.count + keysWithoutKid.count }

    /// Returns the key for a token's `kid`. A token without `kid` matches only when the set has exactly one key,
    /// as OpenID Connect Core 1.0 section 10.1 requires a `kid` whenever a JWKS has several keys.
    public func key(for kid: String?) -> RSAPublicKey? {
        if let kid { return keysByKid[kid] }
        guard count == 1 else { return nil }
        return keysByKid.values.first ?? keysWithoutKid.first
    }

    /// Returns the key built from one JWK's members, nil for a key of another type or use, or throws when an RSA
    /// signing key has bad `n` or `e`.
    private static func usableKey(_ members: [String: JSONValue], kid: String?) throws(KeyError) -> RSAPublicKey? {
        guard members["kty"]?.stringValue == "RSA" else { return nil }
        if let use = members["use"], use.stringValue != "sig" { return nil }
        if let algorithm = members["alg"], algorithm.stringValue != "RS256" { return nil }
        guard let n = members["n"]?.stringValue, let modulus = Base64URL.decode(Substring(n)) else {
            throw .invalidJWK(kid: kid, "'n' is missing or not unpadded base64url")
        }
        guard let e = members["e"]?.stringValue, let exponent = Base64URL.decode(Substring(e)) else {
            throw .invalidJWK(kid: kid, "'e' is missing or not unpadded base64url")
        }
        return try RSAPublicKey(modulus: modulus, exponent: exponent, kid: kid)
    }
}
