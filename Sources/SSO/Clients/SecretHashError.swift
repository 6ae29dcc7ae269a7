/// A stored client secret hash that cannot be read. The description names the problem but never the secret.
public struct SecretHashError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case wrongFieldCount(Int)
        case unknownAlgorithm(String)
        case invalidIterations(String)
        case iterationsOutOfRange(Int)
        case invalidBase64(field: String)
        case badLength(field: String, bytes: Int)
    }

    private let code: Code

    static func wrongFieldCount(_ count: Int) -> SecretHashError { SecretHashError(code: .wrongFieldCount(count)) }
    static func unknownAlgorithm(_ name: String) -> SecretHashError { SecretHashError(code: .unknownAlgorithm(name)) }
    static func invalidIterations(_ text: String) -> SecretHashError {
        SecretHashError(code: .invalidIterations(text))
    }
    static func iterationsOutOfRange(_ count: Int) -> SecretHashError {
        SecretHashError(code: .iterationsOutOfRange(count))
    }
    static func invalidBase64(field: String) -> SecretHashError { SecretHashError(code: .invalidBase64(field: field)) }
    static func badLength(field: String, bytes: Int) -> SecretHashError {
        SecretHashError(code: .badLength(field: field, bytes: bytes))
    }

    /// A short stable identifier of the problem, usable as a metric label.
    public var shortCode: String {
        switch code {
        case .wrongFieldCount: "hash_field_count"
        case .unknownAlgorithm: "hash_algorithm"
        case .invalidIterations, .iterationsOutOfRange: "hash_iterations"
        case .invalidBase64: "hash_base64"
        case .badLength: "hash_length"
        }
    }

    public var description: String {
        let format = "expected '\(SecretHash.algorithm)$<iterations>$<salt base64>$<hash base64>'"
        let fix = "make a new one with `rollbook hash-secret`"
        switch code {
        case .wrongFieldCount(let count):
            return "Secret hash has \(count) '$'-separated fields; \(format) with 4 fields; \(fix)."
        case .unknownAlgorithm(let name):
            let shown = name.count > 32 ? String(name.prefix(32)) + "..." : name
            return "Secret hash algorithm is '\(shown)'; expected '\(SecretHash.algorithm)'; \(fix)."
        case .invalidIterations(let text):
            let shown = text.count > 32 ? String(text.prefix(32)) + "..." : text
            return "Secret hash iteration count is '\(shown)'; expected a decimal integer; \(format)."
        case .iterationsOutOfRange(let count):
            return "Secret hash iteration count is '\(count)'; expected \(SecretHash.minimumIterations) to "
                + "\(SecretHash.maximumIterations); \(fix)."
        case .invalidBase64(let field):
            return "Secret hash field '\(field)' is not valid base64; \(format)."
        case .badLength(let field, let bytes):
            let expected = field == "salt" ? "8 to 64 bytes" : "\(SecretHash.hashLength) bytes"
            return "Secret hash field '\(field)' is \(bytes) bytes long; expected \(expected); \(fix)."
        }
    }
}
