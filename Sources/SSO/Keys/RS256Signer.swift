import COpenSSL
import Synchronization

/// Signs with one RSA key through a pool of prepared `EVP_PKEY_CTX` objects, one per signing thread at a time.
///
/// Preparing a context (`EVP_PKEY_sign_init` with PKCS#1 v1.5 padding and SHA-256) fetches the provider's
/// implementation, which cost about a fifth of each signature when every call made its own. A prepared context
/// signs again and again, and openssl-threads(7) allows one context per thread, so the pool hands each caller a
/// context no other thread holds. The message is hashed here and only the digest goes to the context.
final class RS256Signer: Sendable {
    private let key: EVPKey
    private let idle = Mutex<[SigningContext]>([])
    /// The maximum number of contexts kept for reuse. A burst on more threads makes extra ones and frees them after
    /// use.
    private let capacity = 16

    init(key: EVPKey) {
        self.key = key
    }

    /// Returns the RSASSA-PKCS1-v1_5 SHA-256 signature of `data`, or nil when libcrypto fails.
    func sign(_ data: [UInt8]) -> [UInt8]? {
        guard let context = idle.withLock({ $0.popLast() }) ?? SigningContext(key: key) else { return nil }
        let digest = Digest.sha256(data)
        var length = Int(EVP_PKEY_get_size(key.pointer))
        var signature = [UInt8](repeating: 0, count: length)
        let status = signature.withUnsafeMutableBufferPointer { output in
            digest.withUnsafeBufferPointer { input in
                EVP_PKEY_sign(context.pointer, output.baseAddress, &length, input.baseAddress, input.count)
            }
        }
        guard status == 1, length <= signature.count else {
            _ = OpenSSLErrors.drain()
            // A context that failed is not reused.
            return nil
        }
        idle.withLock { contexts in
            if contexts.count < capacity { contexts.append(context) }
        }
        signature.removeLast(signature.count - length)
        return signature
    }
}

/// One `EVP_PKEY_CTX` prepared to sign RS256 digests. Only one thread uses it at a time, which the pool ensures.
private final class SigningContext: @unchecked Sendable {
    let pointer: OpaquePointer

    init?(key: EVPKey) {
        guard let pointer = EVP_PKEY_CTX_new_from_pkey(nil, key.pointer, nil) else { return nil }
        guard EVP_PKEY_sign_init(pointer) == 1,
            EVP_PKEY_CTX_set_rsa_padding(pointer, RSA_PKCS1_PADDING) == 1,
            EVP_PKEY_CTX_set_signature_md(pointer, EVP_sha256()) == 1
        else {
            EVP_PKEY_CTX_free(pointer)
            _ = OpenSSLErrors.drain()
            return nil
        }
        self.pointer = pointer
    }

    deinit {
        EVP_PKEY_CTX_free(pointer)
    }
}
