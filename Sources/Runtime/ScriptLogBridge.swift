import Scripting

/// Passes scripts' log lines to the host logger, marked with `source=script`.
final class ScriptLogBridge: ScriptLogger {
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger.with(["source": "script"])
    }

    func log(level: LogLevel, message: String, fields: [String: String]) {
        let severity: LogSeverity
        switch level {
        case .debug: severity = .debug
        case .info: severity = .info
        case .warn: severity = .warning
        case .error: severity = .error
        }
        logger.log(severity, message, fields)
    }
}
