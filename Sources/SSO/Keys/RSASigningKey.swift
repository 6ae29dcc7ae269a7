import COpenSSL

/// An RSA private key that signs JWTs with RS256. Safe to use for signing from many threads at once.
///
/// Its `kid` is the RFC 7638 thumbprint of its public key, so every replica that loads the same PEM publishes
/// and signs with the same key id.
public final class RSASigningKey: Sendable {
    /// The key id: the JWK thumbprint of the public key.
    public let kid: String
    /// The public half, for verification and the JWKS document.
    public let publicKey: RSAPublicKey
    private let key: EVPKey
    private let signer: RS256Signer

    private init(key: EVPKey) throws(KeyError) {
        guard EVP_PKEY_is_a(key.pointer, "RSA") == 1 else {
            throw .unsupported("The key is not an RSA key; RS256 needs an RSA key of at least 2048 bits")
        }
        guard key.bits >= RSAPublicKey.minimumBits && key.bits <= RSAPublicKey.maximumBits else {
            throw .unsupported(
                "The RSA key has \(key.bits) bits; expected \(RSAPublicKey.minimumBits) to "
                    + "\(RSAPublicKey.maximumBits) bits for RS256")
        }
        guard let modulus = key.bigEndianParameter(OSSL_PKEY_PARAM_RSA_N),
            let exponent = key.bigEndianParameter(OSSL_PKEY_PARAM_RSA_E)
        else {
            throw .unsupported("The RSA key's modulus and exponent could not be read: \(OpenSSLErrors.drain())")
        }
        self.key = key
        signer = RS256Signer(key: key)
        publicKey = RSAPublicKey(key: key, modulus: modulus, exponent: exponent)
        kid = publicKey.thumbprint
    }

    /// Generates a new RSA key of `bits` bits (2048 to 8192) with exponent 65537.
    public static func generate(bits: Int = 2048) throws(KeyError) -> RSASigningKey {
        guard bits >= RSAPublicKey.minimumBits && bits <= RSAPublicKey.maximumBits else {
            throw .unsupported(
                "The requested key size '\(bits)' is out of range; expected \(RSAPublicKey.minimumBits) to "
                    + "\(RSAPublicKey.maximumBits) bits")
        }
        guard let context = EVP_PKEY_CTX_new_from_name(nil, "RSA", nil) else { throw .generationFailed(bits: bits) }
        defer { EVP_PKEY_CTX_free(context) }
        var pointer: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1,
            EVP_PKEY_CTX_set_rsa_keygen_bits(context, Int32(bits)) == 1,
            EVP_PKEY_generate(context, &pointer) == 1,
            let pointer
        else { throw .generationFailed(bits: bits) }
        return try RSASigningKey(key: EVPKey(taking: pointer))
    }

    /// Loads an unencrypted private key from PEM text: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1
    /// (`BEGIN RSA PRIVATE KEY`).
    ///
    /// An encrypted PEM is rejected rather than prompting for a passphrase on the terminal.
    public convenience init(pem: String) throws(KeyError) {
        let bytes = Array(pem.utf8)
        guard !bytes.isEmpty && bytes.count <= 64 * 1024 else {
            throw .invalidPEM("expected 1 to 65536 bytes of PEM text, got \(bytes.count)")
        }
        let pointer: OpaquePointer? = bytes.withUnsafeBytes { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            // A password callback that returns 0 makes an encrypted key fail instead of reading the terminal.
            return PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil)
        }
        guard let pointer else {
            throw .invalidPEM(
                "\(OpenSSLErrors.drain()) (expected an unencrypted 'BEGIN PRIVATE KEY' or 'BEGIN RSA PRIVATE KEY' "
                    + "block)")
        }
        try self.init(key: EVPKey(taking: pointer))
    }

    /// Returns the private key as unencrypted PKCS#8 PEM text (`BEGIN PRIVATE KEY`). Treat it as a secret.
    public func privateKeyPEM() throws(KeyError) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw .invalidPEM("libcrypto could not allocate a buffer") }
        defer { BIO_free(bio) }
        // OpenSSL 3 writes PKCS#8 for PEM_write_bio_PrivateKey, and a nil cipher means no encryption.
        guard PEM_write_bio_PrivateKey(bio, key.pointer, nil, nil, 0, nil, nil) == 1 else {
            throw .invalidPEM("writing failed: \(OpenSSLErrors.drain())")
        }
        let pending = Int(BIO_ctrl_pending(bio))
        var output = [UInt8](repeating: 0, count: pending)
        let read = output.withUnsafeMutableBufferPointer { BIO_read(bio, $0.baseAddress, Int32(pending)) }
        guard Int(read) == pending else { throw .invalidPEM("reading the written PEM back failed") }
        return String(decoding: output, as: UTF8.self)
    }

    /// Signs `data` with RSASSA-PKCS1-v1_5 and SHA-256, the JWS `RS256` algorithm.
    public func sign(_ data: [UInt8]) throws(KeyError) -> [UInt8] {
        guard let signature = signer.sign(data) else { throw .signingFailed(kid: kid) }
        return signature
    }

    /// Returns the public JWK as JSON text, with this key's `kid`.
    public func publicJWKJSON() -> String {
        publicKey.jwkJSON(kid: kid)
    }
}
