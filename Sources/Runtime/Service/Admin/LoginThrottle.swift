import Foundation
import Synchronization

/// Counts failed sign-ins per admin name and locks a name out for a while after too many.
///
/// Names are counted whether or not they exist, so the lockout does not tell which names are real. The table is
/// bounded: when it is full, the entry with the oldest failure is dropped.
final class LoginThrottle: Sendable {
    private struct Entry {
        var failures: Int
        var lastFailure: Date
    }

    /// Failed sign-ins allowed within `window` before the name is locked.
    let maxFailures: Int
    /// Seconds after a failure during which the next failure adds to the count. A locked name stays locked this
    /// long after its last failure.
    let window: TimeInterval
    /// The maximum number of names tracked.
    let capacity: Int

    private let entries = Mutex<[String: Entry]>([:])
    private let now: @Sendable () -> Date

    init(
        maxFailures: Int = 5, window: TimeInterval = 900, capacity: Int = 10_000,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.maxFailures = max(1, maxFailures)
        self.window = window
        self.capacity = max(1, capacity)
        self.now = now
    }

    /// Returns the seconds left before `name` may try again, or nil when it may try now.
    func lockedSeconds(for name: String) -> TimeInterval? {
        let time = now()
        return entries.withLock { table -> TimeInterval? in
            guard let entry = table[Self.key(name)], entry.failures >= maxFailures else { return nil }
            let remaining = window - time.timeIntervalSince(entry.lastFailure)
            return remaining > 0 ? remaining : nil
        }
    }

    /// Counts a failed sign-in for `name`.
    func recordFailure(for name: String) {
        let time = now()
        let key = Self.key(name)
        entries.withLock { table in
            if var entry = table[key], time.timeIntervalSince(entry.lastFailure) < window {
                entry.failures += 1
                entry.lastFailure = time
                table[key] = entry
                return
            }
            if table[key] == nil && table.count >= capacity {
                table = table.filter { time.timeIntervalSince($0.value.lastFailure) < window }
                if table.count >= capacity, let oldest = table.min(by: { $0.value.lastFailure < $1.value.lastFailure })
                {
                    table[oldest.key] = nil
                }
            }
            table[key] = Entry(failures: 1, lastFailure: time)
        }
    }

    /// Forgets the failures of `name` after it signed in.
    func recordSuccess(for name: String) {
        entries.withLock { table in table[Self.key(name)] = nil }
    }

    /// Names are compared without regard to case, and only their first 256 characters count.
    private static func key(_ name: String) -> String {
        String(name.lowercased().prefix(256))
    }
}
