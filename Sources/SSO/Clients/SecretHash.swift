/// Client secrets stored as salted PBKDF2-HMAC-SHA256 hashes in a PHC-like string.
///
/// The format is `pbkdf2-sha256$<iterations>$<salt>$<hash>`, where salt and hash are standard base64 without
/// padding. `make` writes a 16-byte salt from the libcrypto DRBG and a 32-byte hash. `verify` accepts salts of
/// 8 to 64 bytes, so hashes that other tools made with the same scheme also work.
public enum SecretHash {
    /// The algorithm name in the first field.
    public static let algorithm = "pbkdf2-sha256"
    /// The default iteration count; one verification then costs about 0.11 s of CPU (OpenSSL 3.0, x86_64).
    public static let defaultIterations = 600_000
    /// The minimum iteration count `make` writes and `verify` accepts.
    public static let minimumIterations = 200_000
    /// The maximum iteration count `verify` accepts, so a typo in a config file cannot stall every token request.
    public static let maximumIterations = 10_000_000

    static let saltLength = 16
    static let hashLength = 32

    /// Hashes `secret` with a fresh random salt and returns the PHC-like string to store in config.
    public static func make(secret: String, iterations: Int = defaultIterations) -> String {
        let rounds = min(max(iterations, minimumIterations), maximumIterations)
        let salt = SecureRandom.bytes(saltLength)
        let hash = Digest.pbkdf2SHA256(secret: secret, salt: salt, iterations: rounds, length: hashLength)
        return "\(algorithm)$\(rounds)$\(Base64.encodeUnpadded(salt))$\(Base64.encodeUnpadded(hash))"
    }

    /// Checks `secret` against a stored hash string. The final comparison takes constant time.
    public static func verify(_ secret: String, against stored: String) throws(SecretHashError) -> Bool {
        let parsed = try parse(stored)
        let derived = Digest.pbkdf2SHA256(
            secret: secret, salt: parsed.salt, iterations: parsed.iterations, length: parsed.hash.count)
        return Digest.constantTimeEquals(derived, parsed.hash)
    }

    /// Checks that `stored` is a well-formed hash string without running the key derivation.
    public static func validate(_ stored: String) throws(SecretHashError) {
        _ = try parse(stored)
    }

    /// A hash string split into its fields.
    struct Parsed {
        var iterations: Int
        var salt: [UInt8]
        var hash: [UInt8]
    }

    static func parse(_ stored: String) throws(SecretHashError) -> Parsed {
        let fields = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard fields.count == 4 else { throw .wrongFieldCount(fields.count) }
        guard fields[0] == algorithm else { throw .unknownAlgorithm(String(fields[0])) }
        guard let iterations = Int(fields[1]) else { throw .invalidIterations(String(fields[1])) }
        guard iterations >= minimumIterations && iterations <= maximumIterations else {
            throw .iterationsOutOfRange(iterations)
        }
        guard let salt = Base64.decode(fields[2]) else { throw .invalidBase64(field: "salt") }
        guard salt.count >= 8 && salt.count <= 64 else { throw .badLength(field: "salt", bytes: salt.count) }
        guard let hash = Base64.decode(fields[3]) else { throw .invalidBase64(field: "hash") }
        guard hash.count == hashLength else { throw .badLength(field: "hash", bytes: hash.count) }
        return Parsed(iterations: iterations, salt: salt, hash: hash)
    }
}
