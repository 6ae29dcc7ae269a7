import Foundation
import OneRoster
import Store

/// The command-line program: parses a command, runs it, prints the outcome and returns the exit status.
public enum Application {
    public static func main(arguments: [String]) -> Int32 {
        let command: Command
        do {
            command = try Command.parse(arguments)
        } catch {
            printError("rollbook: " + error.description)
            return ExitStatus.failure.rawValue
        }
        let logger = Logger(sink: LogSink(minimum: logLevel(), format: .text))
        switch command {
        case .help(let topic) where topic == "":
            printError(Usage.text)
            return ExitStatus.failure.rawValue
        case .help:
            print(Usage.text)
            return ExitStatus.success.rawValue
        case .version:
            print("rollbook \(version)")
            return ExitStatus.success.rawValue
        case .sync(let configPath, let districtId, let json, let dryRun):
            return sync(configPath: configPath, districtId: districtId, json: json, dryRun: dryRun, logger: logger)
                .rawValue
        case .runs(let configPath, let district, let json, let limit):
            return listRuns(configPath: configPath, district: district, json: json, limit: limit).rawValue
        case .diff(let run, let configPath, let json, let samples):
            return diff(run: run, configPath: configPath, json: json, samples: samples).rawValue
        case .decide(let run, let approve, let configPath, let json):
            return decide(run: run, approve: approve, configPath: configPath, json: json).rawValue
        case .report(let run, let configPath, let html, let json):
            return runReport(run: run, configPath: configPath, html: html, json: json).rawValue
        case .validate(let path, let json, let version, let encoding):
            return validate(path: path, json: json, version: version, encoding: encoding, logger: logger).rawValue
        case .appPreview(let app, let configPath, let district, let limit, let json):
            return previewApp(app, configPath: configPath, district: district, limit: limit, json: json, logger: logger)
                .rawValue
        case .audit(let app, let configPath, let district, let limit, let json):
            return audit(app, configPath: configPath, district: district, limit: limit, json: json).rawValue
        case .serve(let configPath):
            return serve(configPath: configPath).rawValue
        case .links(let command):
            return links(command).rawValue
        case .connector(let command):
            return connector(command, logger: logger).rawValue
        case .hashSecret:
            return hashSecret().rawValue
        case .export(let app, let configPath, let district, let export, let bulk, let json):
            return exportApp(
                app, configPath: configPath, district: district, export: export, bulk: bulk, json: json,
                logger: logger
            ).rawValue
        }
    }

    public static let version = "0.1.0"

    static func sync(configPath: String?, districtId: String?, json: Bool, dryRun: Bool, logger: Logger)
        -> ExitStatus
    {
        let config: Config
        do {
            config = try Config.load(path: configPath ?? defaultConfigPath())
        } catch {
            return fail(error, json: json, district: districtId ?? "-")
        }
        var districts = config.districts
        if let districtId {
            districts = districts.filter { $0.id == districtId }
            if districts.isEmpty {
                let known = config.districts.map(\.id).joined(separator: ", ")
                return fail(
                    ConfigError(file: config.path, message: "no district '\(districtId)'; configured: \(known)"),
                    json: json, district: districtId)
            }
        }
        if districts.isEmpty {
            return fail(
                ConfigError(file: config.path, message: "no districts are configured"), json: json, district: "-")
        }

        // A connector or mapping that is not there stops the run before the store file is made.
        for district in districts {
            do {
                _ = try SyncRunner.connectorScript(of: district, config: config)
                for app in config.apps where app.districts.contains(district.id) {
                    _ = try AppMaterializer.mappingScript(of: app, config: config)
                }
            } catch {
                return fail(error, json: json, district: district.id)
            }
        }

        let store: SnapshotStore
        do {
            let folder = (config.storePath as NSString).deletingLastPathComponent
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            store = try SnapshotStore(path: config.storePath)
        } catch {
            return fail(
                error, json: json, district: districtId ?? "-", prefix: "cannot open the store \(config.storePath): ")
        }

        let runner = SyncRunner(config: config, logger: logger)
        var results: [RunResult] = []
        var apps: [AppSyncResult] = []
        for district in districts {
            let result = runner.sync(district, store: store, showProgress: !json, dryRun: dryRun)
            results.append(result)
            if let folder = config.reportsDirectory, let runId = result.runId {
                writeReport(run: runId, of: district.id, into: folder, store: store)
            }
            if !json {
                print(RunOutput.summary(result, configOption: configOption(configPath)))
            }
            // Views follow the last published snapshot, so they are brought up to date after every real run,
            // also one that published nothing: an edited mapping takes effect then.
            if !dryRun {
                let refreshed = refreshApps(of: district.id, config: config, store: store, logger: logger)
                if !json { for app in refreshed { print(app.summary()) } }
                apps += refreshed
            }
        }
        if json { print(RunOutput.json(results, apps: apps)) }
        let status = ExitStatus.of(results)
        if status == .success || status == .rejectedRecords, apps.contains(where: \.failed) { return .appsFailed }
        // Records a mapping could not map are rejected records of the app's view.
        if status == .success, apps.contains(where: { $0.view.recordErrorCount > 0 }) { return .rejectedRecords }
        return status
    }

    static func validate(path: String, json: Bool, version: String?, encoding: String?, logger: Logger) -> ExitStatus {
        guard let connectors = connectorsDirectory() else {
            return fail(
                ConfigError(
                    file: "",
                    message: "the connectors folder was not found in ROLLBOOK_CONNECTORS, in ./connectors or near the "
                        + "rollbook binary; set ROLLBOOK_CONNECTORS to the connectors folder of the Rollbook repository"
                ),
                json: json, district: "-")
        }
        let config = Config(
            path: FileManager.default.currentDirectoryPath + "/-", storePath: "", connectorsDirectory: connectors,
            districts: [])
        let absolute = Config.resolve(path, from: FileManager.default.currentDirectoryPath)
        let result = SyncRunner(config: config, logger: logger).validate(
            path: absolute, version: version, encoding: encoding)
        print(json ? RunOutput.json([result]) : RunOutput.summary(result))
        return ExitStatus.of([result])
    }

    /// Reports a failure before any run could start, in the requested output form.
    private static func fail(_ error: any Error, json: Bool, district: String, prefix: String = "") -> ExitStatus {
        let message = prefix + String(describing: error)
        if json {
            print(RunOutput.json([RunResult(district: district, status: .failed, error: message)]))
        } else {
            printError("rollbook: " + message)
        }
        return .failure
    }

    static func defaultConfigPath() -> String {
        ProcessInfo.processInfo.environment["ROLLBOOK_CONFIG"] ?? "config.lua"
    }

    /// The connectors folder for commands without a config: $ROLLBOOK_CONNECTORS, ./connectors, or the
    /// one in the source tree the executable was built in.
    static func connectorsDirectory() -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let folder = environment["ROLLBOOK_CONNECTORS"] { return folder }
        let local = FileManager.default.currentDirectoryPath + "/connectors"
        if FileManager.default.fileExists(atPath: local + "/sis") { return local }
        // The running binary's own path: argv[0] is only a name when the binary was found through PATH.
        let binary =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var folder = URL(fileURLWithPath: binary).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            let candidate = folder.appendingPathComponent("connectors").path
            if FileManager.default.fileExists(atPath: candidate + "/sis") { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return nil
    }

    static func logLevel() -> LogSeverity {
        let name = ProcessInfo.processInfo.environment["ROLLBOOK_LOG_LEVEL"]?.lowercased()
        switch name {
        case "debug": return .debug
        case "info": return .info
        case "warning", "warn": return .warning
        case "error", nil: return .error
        case let other?:
            printError(
                "rollbook: ROLLBOOK_LOG_LEVEL is '\(other)'; expected debug, info, warning or error, so error is used")
            return .error
        }
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
