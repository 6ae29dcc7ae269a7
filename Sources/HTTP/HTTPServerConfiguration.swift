/// Limits and threading of an `HTTPServer`.
public struct HTTPServerConfiguration: Sendable {
    /// Number of threads that accept connections and run handlers.
    public var threadCount: Int = 4
    /// Largest request body accepted; a larger one gets 413.
    public var maxBodyBytes: Int = 1 << 20
    /// Seconds a connection may stay idle, or be stalled mid-request, before the server closes it.
    public var requestTimeoutSeconds: Int = 30
    /// Maximum number of open connections across all threads; further ones are closed on accept.
    public var maxConnections: Int = 1000
    /// Seconds `stop()` waits for requests in flight before it closes their connections anyway.
    public var drainTimeoutSeconds: Double = 10
    /// Whether to wait for sockets with epoll (Linux) rather than poll().
    public var usesEpoll: Bool = true

    /// Creates the default configuration.
    public init() {}
}
