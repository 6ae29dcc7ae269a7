/// One log line from a delivery: a constant message with its data in metadata keys.
public struct DeliveryLogEntry: Sendable, Equatable {
    /// Severity of a log line.
    public enum Level: String, Sendable, Equatable {
        case debug
        case info
        case warning
        case error
    }

    /// Severity of the line.
    public var level: Level
    /// Constant text, such as `delivery attempt failed`.
    public var message: String
    /// Data of the line: `target`, `location`, `attempt`, `code`, `error`, ...; never secrets.
    public var metadata: [String: String]
}

/// Receives the log lines of a delivery, synchronously on the delivering thread.
public typealias DeliveryLogHandler = (DeliveryLogEntry) -> Void
