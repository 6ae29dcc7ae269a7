/// How often and how long a delivery is retried after a transient failure.
public struct RetryPolicy: Sendable, Equatable {
    /// Maximum number of attempts, the first one included; at least 1.
    public var maximumAttempts: Int
    /// Seconds to wait before the second attempt; later waits double up to `backoffMaximum`.
    public var backoffBase: Double
    /// Upper bound in seconds of one wait, also applied to a server's `Retry-After`.
    public var backoffMaximum: Double
    /// Upper bound in seconds of the whole delivery; no attempt starts after it and waits are cut to fit.
    public var totalTimeLimit: Double

    /// Creates a policy; values below their minimum (1 attempt, 0 seconds) are raised to it.
    public init(
        maximumAttempts: Int = 5, backoffBase: Double = 2, backoffMaximum: Double = 60, totalTimeLimit: Double = 600
    ) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.backoffBase = max(0, backoffBase)
        self.backoffMaximum = max(0, backoffMaximum)
        self.totalTimeLimit = max(0, totalTimeLimit)
    }

    /// A policy that makes exactly one attempt.
    public static let once = RetryPolicy(maximumAttempts: 1, backoffBase: 0, backoffMaximum: 0)

    /// Returns the seconds to wait after failed attempt `attempt` (1-based), or the server's `retryAfter` when given.
    ///
    /// The exponential wait is scaled by `jitter`, a number in 0.5...1, so that many deliveries that failed
    /// together do not retry together.
    func delay(afterAttempt attempt: Int, retryAfter: Double?, jitter: Double) -> Double {
        if let retryAfter {
            return min(max(0, retryAfter), backoffMaximum)
        }
        let exponential = backoffBase * Double(1 << min(max(0, attempt - 1), 30))
        return min(backoffMaximum, exponential) * min(1, max(0.5, jitter))
    }
}
