import Foundation
import SSO

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

    /// Returns the service's log level: `info` unless ROLLBOOK_LOG_LEVEL sets another one.
    static func serviceLogLevel() -> LogSeverity {
        ProcessInfo.processInfo.environment["ROLLBOOK_LOG_LEVEL"] == nil ? .info : logLevel()
    }

    /// `rollbook hash-secret`: reads one line from standard input and prints its hash.
    static func hashSecret() -> ExitStatus {
        guard let line = readLine(strippingNewline: true) else {
            printError("rollbook: hash-secret: standard input is empty; pipe the secret in, one line")
            return .failure
        }
        let secret = line.hasSuffix("\r") ? String(line.dropLast()) : line
        guard secret.count >= minimumSecretLength else {
            printError(
                "rollbook: hash-secret: the secret has \(secret.count) characters; use at least "
                    + "\(minimumSecretLength), such as the output of `head -c 32 /dev/urandom | base64`")
            return .failure
        }
        print(SecretHash.make(secret: secret))
        return .success
    }

    /// The minimum length of a secret or password that `hash-secret` accepts.
    static let minimumSecretLength = 12
}
