import Foundation

/// The outcome of one delivery attempt.
public enum DeliveryOutcome: String, Sendable, Equatable {
    /// The file arrived under its final name.
    case delivered
    /// The attempt failed; see the attempt's message and `isTransient`.
    case failed
}

/// One try to deliver a file, as stored in the delivery log.
public struct DeliveryAttempt: Sendable, Equatable {
    /// Attempt number, starting at 1.
    public var number: Int
    /// Wall-clock start of the attempt.
    public var start: Date
    /// Wall-clock end of the attempt.
    public var end: Date
    /// Whether this attempt delivered the file.
    public var outcome: DeliveryOutcome
    /// A sentence for operators: what failed and how to fix it, or where the file went. Contains no secrets.
    public var message: String
    /// Short stable code of the failure, such as `host_key_mismatch` or `http_status`; nil when delivered.
    public var code: String?
    /// Whether another attempt may succeed: true for a refused connection, a timeout or HTTP 503, false for a
    /// rejected host key or failed login.
    public var isTransient: Bool
}

/// The end state of one delivery and every attempt it made.
public struct DeliveryResult: Sendable, Equatable {
    /// Whether the file arrived under its final name.
    public var delivered: Bool
    /// Attempts in the order they ran; never empty.
    public var attempts: [DeliveryAttempt]
    /// The location of the file: a path, `sftp://user@host:port/path` or the URL without its query.
    public var remoteLocation: String
    /// Size of the delivered file in bytes; 0 when nothing was delivered.
    public var bytes: Int64
}
