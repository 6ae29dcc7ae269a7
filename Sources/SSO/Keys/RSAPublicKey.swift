import COpenSSL

/// An RSA public key for checking RS256 signatures, with its JWK members.
public final class RSAPublicKey: Sendable {
    /// The modulus, big-endian without leading zero bytes.
    public let modulus: [UInt8]
    /// The public exponent, big-endian without leading zero bytes.
    public let exponent: [UInt8]
    /// The RFC 7638 JWK thumbprint: base64url (unpadded) SHA-256 of `{"e":...,"kty":"RSA","n":...}`.
    public let thumbprint: String
    let key: EVPKey

    /// The smallest modulus accepted, in bits: RFC 7518 section 3.3 requires 2048 or more for RS256.
    public static let minimumBits = 2048
    /// The largest modulus accepted, in bits, which bounds the cost of one verification.
    public static let maximumBits = 8192

    init(key: EVPKey, modulus: [UInt8], exponent: [UInt8]) {
        self.key = key
        self.modulus = modulus
        self.exponent = exponent
        let canonical =
            "{\"e\":\"\(Base64.encodeURLSafe(exponent))\",\"kty\":\"RSA\",\"n\":\"\(Base64.encodeURLSafe(modulus))\"}"
        thumbprint = Base64.encodeURLSafe(Digest.sha256(Array(canonical.utf8)))
    }

    /// Builds a key from its modulus and exponent (big-endian bytes, as JWK `n` and `e` carry them).
    ///
    /// Throws `key.invalid_jwk` for a modulus outside 2048...8192 bits or an even or small exponent.
    public convenience init(modulus: [UInt8], exponent: [UInt8], kid: String? = nil) throws(KeyError) {
        let n = Array(modulus.drop { $0 == 0 })
        let e = Array(exponent.drop { $0 == 0 })
        let bits = n.isEmpty ? 0 : n.count * 8 - n[0].leadingZeroBitCount
        guard bits >= Self.minimumBits && bits <= Self.maximumBits else {
            throw .invalidJWK(
                kid: kid,
                "'n' has \(bits) bits; expected \(Self.minimumBits) to \(Self.maximumBits) bits for RS256")
        }
        guard e.count <= 8, let last = e.last, last & 1 == 1, e.count > 1 || last >= 3 else {
            throw .invalidJWK(kid: kid, "'e' must be an odd number of at least 3 and at most 64 bits, such as AQAB")
        }
        guard let pointer = Self.makePublicKey(n: n, e: e) else {
            throw .invalidJWK(kid: kid, "libcrypto rejected the key: \(OpenSSLErrors.drain())")
        }
        self.init(key: EVPKey(taking: pointer), modulus: n, exponent: e)
    }

    /// Checks an RS256 signature over `data`.
    public func verify(signature: [UInt8], data: [UInt8]) -> Bool {
        key.verifyRS256(signature: signature, data: data)
    }

    /// Returns the public JWK as JSON text: `kty`, `use`, `alg`, `kid`, `n`, `e`, with base64url values unpadded.
    public func jwkJSON(kid: String) -> String {
        var writer = JSONObjectWriter()
        writer.add("kty", "RSA")
        writer.add("use", "sig")
        writer.add("alg", "RS256")
        writer.add("kid", kid)
        writer.add("n", Base64.encodeURLSafe(modulus))
        writer.add("e", Base64.encodeURLSafe(exponent))
        return writer.text
    }

    /// Builds an `EVP_PKEY` from `n` and `e` with `EVP_PKEY_fromdata`.
    private static func makePublicKey(n: [UInt8], e: [UInt8]) -> OpaquePointer? {
        guard let builder = OSSL_PARAM_BLD_new() else { return nil }
        defer { OSSL_PARAM_BLD_free(builder) }
        let modulus = n.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32($0.count), nil) }
        let exponent = e.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32($0.count), nil) }
        defer {
            BN_free(modulus)
            BN_free(exponent)
        }
        // The builder keeps the name pointers, not copies, until OSSL_PARAM_BLD_to_param. A Swift String argument
        // is bridged to a temporary that is gone by then, so the names must be static strings.
        guard let modulus, let exponent,
            OSSL_PARAM_BLD_push_BN(builder, staticCString("n"), modulus) == 1,
            OSSL_PARAM_BLD_push_BN(builder, staticCString("e"), exponent) == 1,
            let parameters = OSSL_PARAM_BLD_to_param(builder)
        else { return nil }
        defer { OSSL_PARAM_free(parameters) }
        guard let context = EVP_PKEY_CTX_new_from_name(nil, "RSA", nil) else { return nil }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        // Swift cannot import the composite macro EVP_PKEY_PUBLIC_KEY, so these are its parts in OpenSSL 3.0.
        let selection = Int32(
            OSSL_KEYMGMT_SELECT_DOMAIN_PARAMETERS | OSSL_KEYMGMT_SELECT_OTHER_PARAMETERS
                | OSSL_KEYMGMT_SELECT_PUBLIC_KEY)
        guard EVP_PKEY_fromdata_init(context) == 1,
            EVP_PKEY_fromdata(context, &key, selection, parameters) == 1
        else { return nil }
        return key
    }
}

/// Returns a pointer to a string literal's bytes, which live as long as the program.
private func staticCString(_ literal: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(literal.utf8Start).assumingMemoryBound(to: CChar.self)
}
