import Foundation
import Synchronization

/// Severity of a log line.
public enum LogSeverity: Int, Sendable, Comparable, CaseIterable {
    case debug
    case info
    case warning
    case error

    public static func < (lhs: LogSeverity, rhs: LogSeverity) -> Bool { lhs.rawValue < rhs.rawValue }

    var name: String {
        switch self {
        case .debug: return "debug"
        case .info: return "info"
        case .warning: return "warning"
        case .error: return "error"
        }
    }
}

/// How log lines are written.
public enum LogFormat: Sendable {
    /// `2026-12-04T20:00:00Z info sync started district=lakeview`, for people at a terminal.
    case text
    /// One JSON object per line, for log collectors.
    case jsonLines
}

/// Writes log lines to standard error; shared by every logger made from it.
public final class LogSink: Sendable {
    let minimum: LogSeverity
    let format: LogFormat
    private let lock = Mutex(())

    public init(minimum: LogSeverity, format: LogFormat) {
        self.minimum = minimum
        self.format = format
    }

    func write(_ severity: LogSeverity, _ message: String, _ metadata: [String: String]) {
        guard severity >= minimum else { return }
        let time = Date().formatted(Date.ISO8601FormatStyle())
        let line: String
        switch format {
        case .text:
            let fields = metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\(LogSink.quoted($0.value))" }
            line = ([time, severity.name, message] + fields).joined(separator: " ")
        case .jsonLines:
            var object = metadata
            object["time"] = time
            object["level"] = severity.name
            object["message"] = message
            let options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: options)) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        }
        lock.withLock { _ in FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    private static func quoted(_ value: String) -> String {
        value.contains(" ") || value.isEmpty ? "\"\(value.replacingOccurrences(of: "\"", with: "\\\""))\"" : value
    }
}

/// A logger with metadata attached: constant messages, data in metadata keys.
public struct Logger: Sendable {
    let sink: LogSink
    let metadata: [String: String]

    public init(sink: LogSink, metadata: [String: String] = [:]) {
        self.sink = sink
        self.metadata = metadata
    }

    /// Returns a logger that adds `extra` to every line.
    public func with(_ extra: [String: String]) -> Logger {
        Logger(sink: sink, metadata: metadata.merging(extra) { _, new in new })
    }

    public func debug(_ message: String, _ extra: [String: String] = [:]) { log(.debug, message, extra) }
    public func info(_ message: String, _ extra: [String: String] = [:]) { log(.info, message, extra) }
    public func warning(_ message: String, _ extra: [String: String] = [:]) { log(.warning, message, extra) }
    public func error(_ message: String, _ extra: [String: String] = [:]) { log(.error, message, extra) }

    public func log(_ severity: LogSeverity, _ message: String, _ extra: [String: String]) {
        sink.write(severity, message, extra.isEmpty ? metadata : metadata.merging(extra) { _, new in new })
    }
}
