import Foundation
import Store
import Synchronization

/// The OpenID provider's signing keys: the `current` key signs, and the JWKS publishes it with the `next` key
/// (before it signs) and `retired` keys (until the tokens they signed have expired).
///
/// The keys live in the store's `sso_signing_keys` table, so a restart or a second replica on the same database
/// signs with the same keys. Call `rotate(now:store:)` at start and then periodically, more often than
/// `policy.publishAhead`, so that every replica publishes a next key well before any replica signs with it.
/// Signing and publishing are safe from any thread, and `rotate` uses the caller's store on the caller's thread.
public final class SigningKeyRing: Sendable {
    /// The rotation policy.
    public let policy: SigningKeyPolicy
    private let keyBits: Int
    private let state = Mutex(RingKeys())

    /// Creates an empty ring, which has no keys until the first `rotate(now:store:)`.
    public init(policy: SigningKeyPolicy = SigningKeyPolicy(), keyBits: Int = 2048) {
        self.policy = policy
        self.keyBits = keyBits
    }

    /// Loads the stored keys, applies one rotation step at `now` and saves the result, in one store transaction.
    ///
    /// With an empty table it generates a current and a next key. Key generation (tens of milliseconds for
    /// RSA-2048) runs inside the write transaction, which keeps other writers waiting that long.
    @discardableResult
    public func rotate(now: Date, store: SnapshotStore) throws -> SigningKeyRotationResult {
        let bits = keyBits
        let parsed = state.withLock { $0.byKid }
        var generated: [String: RSASigningKey] = [:]
        let (result, rows) = try store.updateSigningKeys { rows in
            let result = try SigningKeyRotation.step(&rows, now: now, policy: policy) {
                let key = try RSASigningKey.generate(bits: bits)
                generated[key.kid] = key
                return (key.kid, try key.privateKeyPEM())
            }
            return (result, rows)
        }
        var loaded: [(StoredSigningKey, RSASigningKey)] = []
        for row in rows {
            let key = try parsed[row.kid] ?? generated[row.kid] ?? RSASigningKey(pem: row.pem)
            guard key.kid == row.kid else {
                throw KeyError.unsupported(
                    "Stored signing key '\(row.kid)' contains the private key of '\(key.kid)', so the store is damaged; restore it from a backup"
                )
            }
            loaded.append((row, key))
        }
        state.withLock { $0 = RingKeys(loaded) }
        return result
    }

    /// The key that signs now, or nil before the first `rotate(now:store:)`.
    public var currentKey: RSASigningKey? {
        state.withLock { $0.current }
    }

    /// Signs `claims` as a JWT with the current key.
    ///
    /// Throws `key.unsupported` before the first `rotate(now:store:)`.
    public func sign(claims: JSONObjectWriter) throws(KeyError) -> String {
        guard let key = currentKey else {
            throw .unsupported("No signing key is loaded; call rotate(now:store:) when the service starts")
        }
        return try JWT.sign(claims: claims, with: key)
    }

    /// The published keys with their states: current first, then next, then retired.
    public var publishedKeys: [(kid: String, state: SigningKeyState)] {
        state.withLock { $0.published.map { ($0.key.kid, $0.state) } }
    }

    /// Returns the JWKS document (RFC 7517 section 5) with the public JWK of every published key.
    public func jwksJSON() -> String {
        let keys = state.withLock { $0.published.map(\.key) }
        return "{\"keys\":[" + keys.map { $0.publicJWKJSON() }.joined(separator: ",") + "]}"
    }

    /// Returns the published public keys by kid, for checking the provider's own tokens.
    public func verificationKeys() -> JWKSet {
        let keys = state.withLock { $0.published.map(\.key) }
        return JWKSet(
            keysByKid: Dictionary(keys.map { ($0.kid, $0.publicKey) }, uniquingKeysWith: { first, _ in first }))
    }
}

/// The ring's loaded keys, replaced as a whole after each rotation.
struct RingKeys: Sendable {
    var current: RSASigningKey?
    var published: [(key: RSASigningKey, state: SigningKeyState)] = []
    var byKid: [String: RSASigningKey] = [:]

    init() {}

    init(_ rows: [(StoredSigningKey, RSASigningKey)]) {
        let order: [SigningKeyState] = [.current, .next, .retired]
        for wanted in order {
            for (row, key) in rows where row.state == wanted.rawValue {
                published.append((key, wanted))
                if wanted == .current { current = key }
            }
        }
        byKid = Dictionary(rows.map { ($0.1.kid, $0.1) }, uniquingKeysWith: { first, _ in first })
    }
}
