import Foundation

extension Application {
    /// `rollbook serve`: loads the configuration, checks its scripts, and runs the service until a stop signal.
    static func serve(configPath: String?) -> ExitStatus {
        let sink = LogSink(minimum: serviceLogLevel(), format: .jsonLines)
        let logger = Logger(sink: sink, metadata: ["component": "service"])
        let config: Config
        do {
            config = try Config.load(path: configPath ?? defaultConfigPath())
            try Service.checkScripts(of: config)
        } catch {
            logger.error("service not started: configuration error", ["error": SyncRunner.describe(error)])
            return .failure
        }
        do {
            let service = try Service(config: config, logger: logger)
            return try service.run()
        } catch {
            logger.error("service not started", ["error": SyncRunner.describe(error)])
            return .failure
        }
    }

    /// The service logs at `info` unless ROLLBOOK_LOG_LEVEL says otherwise.
    static func serviceLogLevel() -> LogSeverity {
        ProcessInfo.processInfo.environment["ROLLBOOK_LOG_LEVEL"] == nil ? .info : logLevel()
    }

    /// `rollbook hash-secret`: reads one line from standard input and prints its hash.
    static func hashSecret() -> ExitStatus {
        printError("rollbook: hash-secret is not available yet")
        return .failure
    }
}
