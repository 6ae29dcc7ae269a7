import COpenSSL

/// Owns one libcrypto `EVP_PKEY` holding an RSA key and frees it on deinit.
///
/// Sharing is sound because nothing changes the key after `init`. The OpenSSL 3.0 thread-safety page
/// (openssl-threads(7)) states that objects are safe for simultaneous use while no caller modifies them, and
/// that two threads can sign with two different `EVP_PKEY_CTX` objects. Signing therefore goes through
/// `RS256Signer`, which gives each thread a context of its own, and each `verify` call makes its own.
final class EVPKey: @unchecked Sendable {
    let pointer: OpaquePointer
    /// The modulus size in bits.
    let bits: Int

    /// Takes ownership of `pointer`, which must hold an RSA key.
    init(taking pointer: OpaquePointer) {
        self.pointer = pointer
        bits = Int(EVP_PKEY_get_bits(pointer))
    }

    deinit {
        EVP_PKEY_free(pointer)
    }

    /// Returns an RSA parameter such as `n` or `e` as big-endian bytes without leading zero bytes.
    func bigEndianParameter(_ name: String) -> [UInt8]? {
        var number: OpaquePointer?
        guard EVP_PKEY_get_bn_param(pointer, name, &number) == 1, let number else {
            _ = OpenSSLErrors.drain()
            return nil
        }
        defer { BN_free(number) }
        var bytes = [UInt8](repeating: 0, count: (Int(BN_num_bits(number)) + 7) / 8)
        let written = bytes.withUnsafeMutableBufferPointer { BN_bn2bin(number, $0.baseAddress) }
        return Int(written) == bytes.count ? bytes : nil
    }

    /// Checks an RSASSA-PKCS1-v1_5 SHA-256 signature over `data`.
    func verifyRS256(signature: [UInt8], data: [UInt8]) -> Bool {
        // RFC 8017 section 8.2.2 requires a signature exactly as long as the modulus.
        guard signature.count == (bits + 7) / 8, let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, pointer) == 1 else {
            _ = OpenSSLErrors.drain()
            return false
        }
        let status = signature.withUnsafeBufferPointer { signatureBytes in
            data.withUnsafeBufferPointer { input in
                EVP_DigestVerify(
                    context, signatureBytes.baseAddress, signatureBytes.count, input.baseAddress, input.count)
            }
        }
        if status != 1 { _ = OpenSSLErrors.drain() }
        return status == 1
    }
}
