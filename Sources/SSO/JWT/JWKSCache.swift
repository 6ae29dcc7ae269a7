import Foundation
import Synchronization

/// Upstream IdPs' JWKS documents, one per issuer, fetched on first use and again when a token names an unknown
/// `kid`, so that an IdP's key rotation works at once.
///
/// Fetches for one issuer start at most once per `refetchInterval`, however many tokens with unknown `kid`s arrive.
/// A fetch that is already running for an issuer is waited for, not repeated. A document older than `maxAge` is
/// fetched again on next use. When a fetch fails, the keys already held stay in use, so an IdP outage does not stop
/// sign-ins with known keys. The cache is safe to use from any thread, and the fetcher runs on the calling thread
/// outside any lock.
public final class JWKSCache: Sendable {
    /// Fetches and parses the JWKS of an issuer. It runs blocking on the caller's thread, so keep its timeout short.
    public typealias Fetcher = @Sendable (_ issuer: String) throws -> JWKSet

    /// The minimum time between two fetches for one issuer that unknown `kid`s or failures trigger, in seconds.
    public let refetchInterval: TimeInterval
    /// How long a fetched document is used before it is fetched again, in seconds.
    public let maxAge: TimeInterval
    private let fetcher: Fetcher
    private let clock: @Sendable () -> Date
    private let entries = Mutex([String: IssuerKeys]())

    /// Creates an empty cache. `clock` returns the current time, and tests can replace it.
    public init(
        refetchInterval: TimeInterval = 60, maxAge: TimeInterval = 3600,
        clock: @escaping @Sendable () -> Date = { Date() }, fetcher: @escaping Fetcher
    ) {
        self.refetchInterval = max(0, refetchInterval)
        self.maxAge = max(0, maxAge)
        self.clock = clock
        self.fetcher = fetcher
    }

    /// Returns the issuer's key for `kid`, fetching the JWKS when it is missing, stale or lacks the `kid` and the
    /// rate limit allows a fetch.
    ///
    /// Throws `jwt.unknown_kid` when the key is still not found, and `jwt.keys_unavailable` when no document was ever
    /// fetched for the issuer.
    public func key(issuer: String, kid: String?) throws(JWTError) -> RSAPublicKey {
        // Two rounds at most: look up, then fetch (or wait for another thread's fetch) and look up again.
        for _ in 0..<2 {
            let now = clock()
            let step = entries.withLock { entries in
                entries[issuer, default: IssuerKeys()].nextStep(
                    kid: kid, now: now, refetchInterval: refetchInterval, maxAge: maxAge)
            }
            switch step {
            case .use(let key): return key
            case .notFound: throw .unknownKid(kid, issuer: issuer)
            case .unavailable(let reason): throw .keysUnavailable(issuer: issuer, reason: reason)
            case .wait(let fetch): fetch.wait()
            case .fetch(let fetch): run(fetch, issuer: issuer)
            }
        }
        let keys = entries.withLock { $0[issuer]?.keys }
        guard let key = keys?.key(for: kid) else { throw .unknownKid(kid, issuer: issuer) }
        return key
    }

    /// Returns the number of fetches started for `issuer`, successful or not.
    public func fetchCount(issuer: String) -> Int {
        entries.withLock { $0[issuer]?.fetchCount ?? 0 }
    }

    private func run(_ fetch: InFlightFetch, issuer: String) {
        let outcome: Result<JWKSet, any Error>
        do {
            outcome = .success(try fetcher(issuer))
        } catch {
            outcome = .failure(error)
        }
        let now = clock()
        entries.withLock { entries in
            entries[issuer, default: IssuerKeys()].finish(outcome, now: now)
        }
        fetch.finish()
    }
}

/// One issuer's cached keys and fetch bookkeeping, only touched under the cache's mutex.
struct IssuerKeys: Sendable {
    var keys: JWKSet?
    var fetchedAt: Date?
    /// When the last fetch began. Only the first fetch for an issuer ignores the rate limit.
    var lastFetch: Date?
    var lastError: String?
    var inFlight: InFlightFetch?
    var fetchCount = 0

    enum Step {
        case use(RSAPublicKey)
        case notFound
        case unavailable(String)
        case wait(InFlightFetch)
        case fetch(InFlightFetch)
    }

    /// Decides what `key(issuer:kid:)` does next and, when it is a fetch, records that the fetch has begun.
    mutating func nextStep(kid: String?, now: Date, refetchInterval: TimeInterval, maxAge: TimeInterval) -> Step {
        if let inFlight { return .wait(inFlight) }
        let isStale = fetchedAt.map { now.timeIntervalSince($0) >= maxAge } ?? true
        if let key = keys?.key(for: kid), !isStale { return .use(key) }
        let mayFetch = lastFetch.map { now.timeIntervalSince($0) >= refetchInterval } ?? true
        guard mayFetch else {
            // Rate limited: serve a stale key rather than nothing.
            if let key = keys?.key(for: kid) { return .use(key) }
            if keys == nil { return .unavailable(lastError ?? "no JWKS has been fetched") }
            return .notFound
        }
        lastFetch = now
        fetchCount += 1
        let fetch = InFlightFetch()
        inFlight = fetch
        return .fetch(fetch)
    }

    mutating func finish(_ outcome: Result<JWKSet, any Error>, now: Date) {
        inFlight = nil
        switch outcome {
        case .success(let set):
            keys = set
            fetchedAt = now
            lastError = nil
        case .failure(let error):
            lastError = "the last fetch failed: \(error)"
        }
    }
}

/// A fetch in progress that other threads can wait for.
final class InFlightFetch: Sendable {
    private let done = Mutex(false)
    private let condition = NSCondition()

    /// The maximum time a waiter blocks, in seconds, in case the fetching thread never finishes.
    static let maximumWait: TimeInterval = 30

    func finish() {
        condition.lock()
        done.withLock { $0 = true }
        condition.broadcast()
        condition.unlock()
    }

    func wait() {
        let deadline = Date(timeIntervalSinceNow: Self.maximumWait)
        condition.lock()
        defer { condition.unlock() }
        while !done.withLock({ $0 }) {
            if !condition.wait(until: deadline) { return }
        }
    }
}
