import Foundation
import Synchronization

/// Issues opaque bearer access tokens and looks them up. It is safe to use from any thread.
///
/// A token is 32 random bytes in unpadded base64url. Only its SHA-256 digest is kept, with the client, app,
/// district, granted scopes and expiry, so a memory dump does not reveal usable tokens. Issuing a token leaves
/// the client's earlier tokens valid, because each concurrent worker of a vendor may fetch its own. Memory stays
/// bounded: expired tokens are swept at most once a minute of clock time, and each client keeps at most
/// `maxTokensPerClient` live tokens, dropping its oldest.
public final class TokenService: Sendable {
    /// Seconds a new token stays valid.
    public let lifetime: Int
    /// The maximum number of live tokens per client. Issuing one more drops the client's oldest token.
    public let maxTokensPerClient: Int

    private let clock: @Sendable () -> Date
    private let state = Mutex(TokenTable())

    /// Creates a service. `clock` returns the current time, and tests can replace it.
    public init(
        lifetime: Int = 3600, maxTokensPerClient: Int = 1000, clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.lifetime = max(1, lifetime)
        self.maxTokensPerClient = max(1, maxTokensPerClient)
        self.clock = clock
    }

    /// Issues a new token for `client` carrying `scopes`.
    public func issue(for client: APIClient, scopes: Set<String>) -> IssuedToken {
        let token = Base64.encodeURLSafe(SecureRandom.bytes(32))
        let now = clock().timeIntervalSince1970
        let grant = TokenGrant(
            clientID: client.id, app: client.app, district: client.district, scopes: scopes,
            expiresAt: Date(timeIntervalSince1970: now + Double(lifetime)))
        let key = TokenKey(Digest.sha256(Array(token.utf8)))
        let cap = maxTokensPerClient
        state.withLock { table in
            table.sweepIfDue(now: now)
            table.insert(grant, key: key, cap: cap)
        }
        return IssuedToken(accessToken: token, expiresIn: lifetime, scopes: scopes)
    }

    /// Returns the grant behind `accessToken`, or nil when the token is unknown, dropped or expired.
    public func grant(for accessToken: String) -> TokenGrant? {
        // Tokens are 43 characters, so anything much longer is not one of ours and need not be hashed.
        guard !accessToken.isEmpty && accessToken.utf8.count <= 512 else { return nil }
        let key = TokenKey(Digest.sha256(Array(accessToken.utf8)))
        let now = clock()
        guard let grant = state.withLock({ $0.grants[key] }) else { return nil }
        return grant.expiresAt > now ? grant : nil
    }

    /// Forgets every token of the client with identifier `clientID`.
    public func revokeTokens(clientID: String) {
        state.withLock { $0.removeAll(clientID: clientID) }
    }

    /// The number of stored tokens, including expired ones not yet swept.
    public var storedTokenCount: Int {
        state.withLock { $0.grants.count }
    }
}

/// A newly issued token, as the token endpoint returns it.
public struct IssuedToken: Sendable {
    /// The access token. Give it only to the client.
    public let accessToken: String
    /// Seconds until the token expires.
    public let expiresIn: Int
    /// The scope URIs granted.
    public let scopes: Set<String>
}

/// The client, app, district, scopes and expiry behind a valid access token.
public struct TokenGrant: Sendable, Equatable {
    /// The client the token was issued to.
    public let clientID: String
    /// The client's app when the token was issued.
    public let app: String
    /// The client's district when the token was issued.
    public let district: String
    /// The scope URIs granted at issue.
    public let scopes: Set<String>
    /// The moment the token stops working.
    public let expiresAt: Date
}

/// The SHA-256 digest of a token as four words, a cheap dictionary key.
struct TokenKey: Hashable, Sendable {
    let words: (UInt64, UInt64, UInt64, UInt64)

    init(_ digest: [UInt8]) {
        precondition(digest.count == 32, "A token key needs a 32-byte digest.")
        func word(_ offset: Int) -> UInt64 {
            digest[offset..<offset + 8].reduce(0) { $0 << 8 | UInt64($1) }
        }
        words = (word(0), word(8), word(16), word(24))
    }

    static func == (lhs: TokenKey, rhs: TokenKey) -> Bool {
        lhs.words == rhs.words
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}

/// The token service's state, only touched under its mutex.
struct TokenTable: Sendable {
    var grants: [TokenKey: TokenGrant] = [:]
    /// Each client's token keys, oldest first. Keys of swept tokens are removed here too.
    var keysByClient: [String: [TokenKey]] = [:]
    var nextSweep: Double = 0

    static let sweepInterval: Double = 60

    mutating func insert(_ grant: TokenGrant, key: TokenKey, cap: Int) {
        grants[key] = grant
        var keys = keysByClient[grant.clientID, default: []]
        keys.append(key)
        if keys.count > cap {
            let dropped = keys.count - cap
            for old in keys[..<dropped] { grants.removeValue(forKey: old) }
            keys.removeFirst(dropped)
        }
        keysByClient[grant.clientID] = keys
    }

    mutating func sweepIfDue(now: Double) {
        guard now >= nextSweep else { return }
        nextSweep = now + Self.sweepInterval
        let cutoff = Date(timeIntervalSince1970: now)
        grants = grants.filter { $0.value.expiresAt > cutoff }
        for (client, keys) in keysByClient {
            let live = keys.filter { grants[$0] != nil }
            keysByClient[client] = live.isEmpty ? nil : live
        }
    }

    mutating func removeAll(clientID: String) {
        for key in keysByClient.removeValue(forKey: clientID) ?? [] { grants.removeValue(forKey: key) }
    }
}
