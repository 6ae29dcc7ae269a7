/// The severity of a log line written by a script.
public enum LogLevel: String, Sendable, CaseIterable {
    case debug
    case info
    case warn
    case error
}

/// Where scripts' log lines go: `rollbook.log.*`, `ctx.log.*` and `print`. The host supplies it.
///
/// Calls arrive synchronously on the thread that runs the script.
public protocol ScriptLogger: AnyObject {
    /// Records one line: a constant message and its metadata fields (values rendered as text).
    func log(level: LogLevel, message: String, fields: [String: String])
}

/// A logger that drops every line.
public final class DiscardingLogger: ScriptLogger {
    public init() {}

    public func log(level: LogLevel, message: String, fields: [String: String]) {}
}
