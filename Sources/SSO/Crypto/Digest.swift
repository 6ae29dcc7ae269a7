import COpenSSL

/// Thin wrappers over libcrypto's digest, MAC, key derivation and comparison functions.
enum Digest {
    /// The hash functions used here, named as OpenSSL names them.
    enum Algorithm: String {
        case sha1 = "SHA1"
        case sha256 = "SHA256"

        var outputLength: Int { self == .sha1 ? 20 : 32 }
    }

    /// Returns the SHA-256 digest of `data`.
    static func sha256(_ data: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let succeeded = data.withUnsafeBytes { input in
            output.withUnsafeMutableBufferPointer { buffer in
                EVP_Digest(input.baseAddress, input.count, buffer.baseAddress, &length, EVP_sha256(), nil) == 1
            }
        }
        precondition(succeeded && length == 32, "libcrypto failed to compute a SHA-256 digest.")
        return output
    }

    /// Returns the HMAC of `data` under `key` with the given hash function.
    static func hmac(_ algorithm: Algorithm, key: [UInt8], data: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: algorithm.outputLength)
        var length = 0
        let result = key.withUnsafeBytes { keyBytes in
            data.withUnsafeBufferPointer { dataBytes in
                output.withUnsafeMutableBufferPointer { buffer in
                    EVP_Q_mac(
                        nil, "HMAC", nil, algorithm.rawValue, nil, keyBytes.baseAddress, keyBytes.count,
                        dataBytes.baseAddress, dataBytes.count, buffer.baseAddress, buffer.count, &length)
                }
            }
        }
        precondition(result != nil && length == algorithm.outputLength, "libcrypto failed to compute an HMAC.")
        return output
    }

    /// Derives `length` bytes from `secret` and `salt` with PBKDF2-HMAC-SHA256.
    static func pbkdf2SHA256(secret: String, salt: [UInt8], iterations: Int, length: Int) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: length)
        let password = Array(secret.utf8)
        let succeeded = password.withUnsafeBufferPointer { passwordBytes in
            salt.withUnsafeBufferPointer { saltBytes in
                output.withUnsafeMutableBufferPointer { buffer in
                    passwordBytes.withMemoryRebound(to: CChar.self) { passwordChars in
                        PKCS5_PBKDF2_HMAC(
                            passwordChars.baseAddress, Int32(passwordChars.count), saltBytes.baseAddress,
                            Int32(saltBytes.count), Int32(iterations), EVP_sha256(), Int32(buffer.count),
                            buffer.baseAddress) == 1
                    }
                }
            }
        }
        precondition(succeeded, "libcrypto failed to derive a PBKDF2-HMAC-SHA256 key.")
        return output
    }

    /// Compares two byte strings in time that depends only on their lengths.
    static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        if lhs.isEmpty { return true }
        return lhs.withUnsafeBytes { left in
            rhs.withUnsafeBytes { right in
                CRYPTO_memcmp(left.baseAddress, right.baseAddress, left.count) == 0
            }
        }
    }
}
