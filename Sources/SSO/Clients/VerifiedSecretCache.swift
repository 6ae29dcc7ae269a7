import Synchronization

/// Remembers client secrets that passed the PBKDF2 check, so that a client's next token request costs a keyed
/// hash instead of another 600,000 iterations.
///
/// Each entry is an HMAC-SHA-256 of the secret under a key made at random when the process starts, filed under
/// the stored hash string. A changed secret hash therefore misses, and a wrong secret always runs the full
/// check, which the failed-authentication limiter slows down. The table is bounded and emptied when full.
public final class VerifiedSecretCache: Sendable {
    /// The maximum number of remembered secrets.
    public let capacity: Int
    private let key = SecureRandom.bytes(32)
    private let entries = Mutex<[String: [UInt8]]>([:])

    /// Creates an empty cache holding up to `capacity` secrets.
    public init(capacity: Int = 10_000) {
        self.capacity = max(1, capacity)
    }

    /// Checks `secret` against `stored` like `SecretHash.verify`, returning the cached result when this secret
    /// already passed against this hash.
    public func verify(_ secret: String, against stored: String) throws(SecretHashError) -> Bool {
        let tag = Digest.hmac(.sha256, key: key, data: Array(secret.utf8))
        if let known = entries.withLock({ $0[stored] }), Digest.constantTimeEquals(known, tag) { return true }
        guard try SecretHash.verify(secret, against: stored) else { return false }
        entries.withLock { table in
            if table.count >= capacity { table.removeAll() }
            table[stored] = tag
        }
        return true
    }

    /// The number of remembered secrets.
    var count: Int { entries.withLock { $0.count } }
}
