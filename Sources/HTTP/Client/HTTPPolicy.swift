/// Limits and retry behaviour of `HTTPClient.send(_:policy:onRetry:)` and `rollbook.http.request`.
public struct HTTPPolicy: Sendable {
    /// Retries after the first attempt when the request gives none.
    public var defaultRetries: Int
    /// Upper bound for a request's `retries`.
    public var maximumRetries: Int
    /// Total time limit of one attempt in seconds when the request gives no `timeout`.
    public var defaultTimeout: Double
    /// Connect time limit of one attempt in seconds when the request gives no `connect_timeout`.
    public var defaultConnectTimeout: Double
    /// Time limit in seconds over all attempts and waits of one request.
    public var totalTimeLimit: Double
    /// The first retry waits about this many seconds; each further retry doubles it.
    public var backoffBase: Double
    /// Maximum wait between attempts in seconds, which also caps a server's `Retry-After`.
    public var backoffMaximum: Double
    /// The largest response body accepted, in bytes.
    public var maximumBodySize: Int

    /// Creates a policy; times are in seconds and sizes in bytes.
    public init(
        defaultRetries: Int = 3, maximumRetries: Int = 10, defaultTimeout: Double = 30,
        defaultConnectTimeout: Double = 10,
        totalTimeLimit: Double = 300, backoffBase: Double = 0.5, backoffMaximum: Double = 30,
        maximumBodySize: Int = 64 << 20
    ) {
        self.defaultRetries = defaultRetries
        self.maximumRetries = maximumRetries
        self.defaultTimeout = defaultTimeout
        self.defaultConnectTimeout = defaultConnectTimeout
        self.totalTimeLimit = totalTimeLimit
        self.backoffBase = backoffBase
        self.backoffMaximum = backoffMaximum
        self.maximumBodySize = maximumBodySize
    }
}
