import Foundation
import Synchronization

/// Counts failed client authentications per client id and locks an id out for the rest of its window once it
/// reaches the limit, so the token endpoint cannot be used to guess a secret quickly.
///
/// With the defaults, an id gets 10 failures per 60 seconds, and the 11th attempt in the window is rejected without
/// checking the secret. A success clears the id's count. At most `maxTrackedIDs` ids are tracked: when the table
/// is full, expired windows are dropped first and then the oldest window.
///
/// NOTE: a caller who floods the table with made-up ids can push a real id out and reset its count early. The
/// PBKDF2 cost of each attempt still limits the guessing rate in that case.
public final class FailedAuthenticationLimiter: Sendable {
    /// Failed attempts allowed per id within one window.
    public let maxFailures: Int
    /// Length of a window in seconds, counted from the id's first failure.
    public let windowSeconds: Double
    /// The maximum number of ids tracked at once.
    public let maxTrackedIDs: Int

    private let clock: @Sendable () -> Date
    private let windows = Mutex<[String: FailureWindow]>([:])

    /// Creates a limiter. `clock` returns the current time, and tests can replace it.
    public init(
        maxFailures: Int = 10, windowSeconds: Double = 60, maxTrackedIDs: Int = 10_000,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.maxFailures = max(1, maxFailures)
        self.windowSeconds = max(1, windowSeconds)
        self.maxTrackedIDs = max(1, maxTrackedIDs)
        self.clock = clock
    }

    /// Returns the whole seconds until `clientID` may try again, or nil when it is not locked out.
    public func lockoutRemaining(clientID: String) -> Int? {
        let now = clock().timeIntervalSince1970
        let key = Self.key(clientID)
        return windows.withLock { table -> Int? in
            guard let window = table[key], window.failures >= maxFailures else { return nil }
            let remaining = window.start + windowSeconds - now
            guard remaining > 0 else {
                table[key] = nil
                return nil
            }
            return Int(remaining.rounded(.up))
        }
    }

    /// Counts one failed authentication of `clientID`.
    public func recordFailure(clientID: String) {
        let now = clock().timeIntervalSince1970
        let key = Self.key(clientID)
        windows.withLock { table in
            if var window = table[key], window.start + windowSeconds > now {
                window.failures += 1
                table[key] = window
                return
            }
            if table[key] == nil && table.count >= maxTrackedIDs { makeRoom(in: &table, now: now) }
            table[key] = FailureWindow(start: now, failures: 1)
        }
    }

    /// Clears the failure count of `clientID` after a successful authentication.
    public func recordSuccess(clientID: String) {
        let key = Self.key(clientID)
        windows.withLock { _ = $0.removeValue(forKey: key) }
    }

    private func makeRoom(in table: inout [String: FailureWindow], now: Double) {
        let length = windowSeconds
        table = table.filter { $0.value.start + length > now }
        if table.count >= maxTrackedIDs, let oldest = table.min(by: { $0.value.start < $1.value.start })?.key {
            table[oldest] = nil
        }
    }

    /// Bounds the memory one made-up id can take.
    private static func key(_ clientID: String) -> String {
        clientID.utf8.count <= 200 ? clientID : String(clientID.prefix(200))
    }
}

private struct FailureWindow: Sendable {
    var start: Double
    var failures: Int
}
