import COpenSSL
import Synchronization

/// Cryptographically secure random bytes from a libcrypto CTR-DRBG that OpenSSL seeds from the operating system.
///
/// NOTE: `RAND_bytes` would be the plain choice, but the COpenSSL shim includes only `<openssl/evp.h>`, which
/// does not declare it. The DRBG below is the same generator OpenSSL uses behind `RAND_bytes`, fetched through
/// the EVP_RAND interface that `evp.h` does declare.
enum SecureRandom {
    /// Returns `count` random bytes; stops the process when the generator fails, because nothing safe can follow.
    static func bytes(_ count: Int) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: count)
        let generated = generator.withLock { (handle: inout GeneratorHandle) -> Bool in
            guard let context = handle.context else { return false }
            return output.withUnsafeMutableBufferPointer { buffer in
                EVP_RAND_generate(context, buffer.baseAddress, buffer.count, 256, 0, nil, 0) == 1
            }
        }
        precondition(generated, "The libcrypto CTR-DRBG failed to produce random bytes.")
        return output
    }

    private static let generator = Mutex<GeneratorHandle>(GeneratorHandle.instantiate())
}

/// The DRBG context, created once and kept for the life of the process; only used under the mutex.
private struct GeneratorHandle: @unchecked Sendable {
    var context: OpaquePointer?

    static func instantiate() -> GeneratorHandle {
        guard let algorithm = EVP_RAND_fetch(nil, "CTR-DRBG", nil) else { return GeneratorHandle() }
        defer { EVP_RAND_free(algorithm) }
        // A DRBG without a parent seeds itself from the operating system's entropy source.
        guard let context = EVP_RAND_CTX_new(algorithm, nil) else { return GeneratorHandle() }
        var cipherName = Array("AES-256-CTR".utf8CString)
        let instantiated = cipherName.withUnsafeMutableBufferPointer { name -> Int32 in
            let parameters = [
                OSSL_PARAM_construct_utf8_string("cipher", name.baseAddress, 0), OSSL_PARAM_construct_end(),
            ]
            return EVP_RAND_instantiate(context, 256, 0, nil, 0, parameters)
        }
        guard instantiated == 1 else {
            EVP_RAND_CTX_free(context)
            return GeneratorHandle()
        }
        return GeneratorHandle(context: context)
    }
}
