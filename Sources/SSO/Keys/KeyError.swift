import COpenSSL

/// A failure to create, load or use an RSA key, with a short stable code such as `key.invalid_pem`.
public struct KeyError: Error, CustomStringConvertible, Sendable {
    private enum Code: String, Sendable {
        case generationFailed = "key.generation_failed"
        case invalidPEM = "key.invalid_pem"
        case unsupportedKey = "key.unsupported"
        case invalidJWK = "key.invalid_jwk"
        case invalidJWKS = "key.invalid_jwks"
        case signingFailed = "key.signing_failed"
    }

    private let kind: Code
    /// The failure and how to fix it, in one or two sentences.
    public let message: String

    /// The short stable code, usable as a metric label.
    public var code: String { kind.rawValue }
    public var description: String { message }

    static func generationFailed(bits: Int) -> KeyError {
        KeyError(kind: .generationFailed, message: "Generating an RSA-\(bits) key failed: \(OpenSSLErrors.drain())")
    }

    static func invalidPEM(_ detail: String) -> KeyError {
        KeyError(kind: .invalidPEM, message: "The private key PEM could not be read: \(detail)")
    }

    static func unsupported(_ detail: String) -> KeyError {
        KeyError(kind: .unsupportedKey, message: detail)
    }

    static func invalidJWK(kid: String?, _ detail: String) -> KeyError {
        let name = kid.map { "JWK '\($0)'" } ?? "A JWK without 'kid'"
        return KeyError(kind: .invalidJWK, message: "\(name) is invalid: \(detail)")
    }

    static func invalidJWKS(_ detail: String) -> KeyError {
        KeyError(kind: .invalidJWKS, message: "The JWKS document is invalid: \(detail)")
    }

    static func signingFailed(kid: String) -> KeyError {
        KeyError(kind: .signingFailed, message: "Signing with key '\(kid)' failed: \(OpenSSLErrors.drain())")
    }
}

/// The calling thread's libcrypto error queue.
enum OpenSSLErrors {
    /// Returns the queued libcrypto errors as one line and empties the queue, so that a later failure on this
    /// thread reports only its own errors.
    static func drain() -> String {
        var reasons: [String] = []
        var buffer = [CChar](repeating: 0, count: 256)
        // The queue has room for 16 entries (ERR_NUM_ERRORS in OpenSSL 3.0), so the loop is bounded.
        for _ in 0..<16 {
            let error = ERR_get_error()
            if error == 0 { break }
            ERR_error_string_n(error, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        ERR_clear_error()
        return reasons.isEmpty ? "libcrypto gave no reason" : reasons.joined(separator: "; ")
    }
}
