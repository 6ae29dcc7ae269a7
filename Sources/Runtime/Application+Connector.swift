import Foundation
import OneRoster
import Scripting

/// `rollbook connector check` and `connector run`: trying a SIS connector script before a district syncs with it.
extension Application {
    static func connector(_ command: ConnectorCommand, logger: Logger) -> ExitStatus {
        switch command {
        case .check(let name, let district, let configPath, let json):
            return checkConnector(name, district: district, configPath: configPath, json: json, logger: logger)
        case .run(let name, let fixtures, let settingsPath, let http, let limit, let json):
            return runConnector(
                name, fixtures: fixtures, settingsPath: settingsPath, http: http, limit: limit, json: json,
                logger: logger)
        }
    }

    /// Checks a connector's contract, then the settings and `check(ctx)` of each district that uses it.
    static func checkConnector(_ name: String, district: String?, configPath: String?, json: Bool, logger: Logger)
        -> ExitStatus
    {
        let config: Config
        let districts: [DistrictConfig]
        do {
            config = try checkConfig(configPath: configPath, district: district)
            districts = try ConnectorCheck.districts(using: name, selected: district, config: config)
        } catch {
            report(error, json: json)
            return .failure
        }
        let script = ConnectorCheck.scriptPath(name, in: config.connectorsDirectory)
        guard FileManager.default.fileExists(atPath: script) else {
            report(ConnectorCheck.missingScript(name, at: script), json: json)
            return .failure
        }

        var outcome = ConnectorCheck(name: name, script: script, configured: !config.path.hasSuffix("/-"))
        do {
            let runtime = try LuaRuntime(configuration: LuaRuntime.Configuration(allowedRoots: []))
            let connector = try Connector.load(path: script, runtime: runtime)
            outcome.version = connector.version
            outcome.settings = connector.settingDescriptions
        } catch {
            outcome.error = SyncRunner.describe(error)
        }
        if outcome.error == nil {
            let runner = SyncRunner(config: config, logger: logger)
            outcome.districts = districts.map { ConnectorCheck.check($0, runner: runner) }
        }
        print(json ? outcome.json() : outcome.text())
        return outcome.passed ? .success : .failure
    }

    /// Loads the configuration `check` reads districts from: --config, else the default file when it exists.
    /// Without either, a placeholder configuration with no districts points at the connectors folder.
    private static func checkConfig(configPath: String?, district: String?) throws -> Config {
        let path = configPath ?? defaultConfigPath()
        let absolute = Config.resolve(path, from: FileManager.default.currentDirectoryPath)
        if configPath != nil || FileManager.default.fileExists(atPath: absolute) {
            return try Config.load(path: path)
        }
        if let district {
            throw ConfigError(
                file: path,
                message: "no such configuration file, so district '\(district)' cannot be read; "
                    + "name the configuration with --config FILE")
        }
        guard let connectors = connectorsDirectory() else { throw ConnectorCheck.noConnectorsFolder }
        return Config(
            path: FileManager.default.currentDirectoryPath + "/-", storePath: "", connectorsDirectory: connectors,
            districts: [])
    }

    /// Runs a connector's `check` and `sync` on local files, validates the records and prints a sample of them.
    static func runConnector(
        _ name: String, fixtures: String?, settingsPath: String?, http: HTTPFixtureMode?, limit: Int, json: Bool,
        logger: Logger
    ) -> ExitStatus {
        let directory = FileManager.default.currentDirectoryPath
        let district: DistrictConfig
        let config: Config
        let hooks: ConnectorFixtures.Hooks?
        do {
            guard let connectors = connectorsDirectory() else { throw ConnectorCheck.noConnectorsFolder }
            let script = ConnectorCheck.scriptPath(name, in: connectors)
            guard FileManager.default.fileExists(atPath: script) else {
                throw ConnectorCheck.missingScript(name, at: script)
            }
            // Settings come from the settings.lua of the fixtures or replayed folder, then --settings FILE, which wins.
            let folder = fixtures.map { Config.resolve($0, from: directory) }
            if let fixtures, let folder, !FileManager.default.fileExists(atPath: folder) {
                throw ConfigError(
                    file: "",
                    message: "the --fixtures path '\(fixtures)' does not exist; expected a folder of files for the "
                        + "connector's path setting, or a folder recorded with --record")
            }
            var replayed: String?
            if case .replay(let source)? = http { replayed = Config.resolve(source, from: directory) }
            var settings =
                try (folder ?? replayed).flatMap(ConnectorFixtures.settingsPath(in:)).map {
                    try ConnectorRunOutput.loadSettings(path: $0)
                } ?? [:]
            if let settingsPath {
                settings.merge(try ConnectorRunOutput.loadSettings(path: settingsPath)) { _, given in given }
            }
            // A recorded folder is replayed; any other folder or file is what the connector's path setting names.
            // Without --fixtures the connector reads what its settings name, such as an API's address.
            let recorded = folder.map(ConnectorFixtures.isRecorded) ?? false
            if let folder, !recorded { settings["path"] = .string(folder) }
            district = DistrictConfig(
                id: "-", name: "-", connector: name, settings: settings, gradeMap: [:],
                settingsSource: settingsPath.map { Config.resolve($0, from: directory) }
                    ?? (folder ?? replayed).flatMap(ConnectorFixtures.settingsPath(in:)) ?? "the command line")
            config = Config(
                path: directory + "/-", storePath: "", connectorsDirectory: connectors, districts: [])
            switch http {
            case .record(let target)?:
                let target = Config.resolve(target, from: directory)
                try ConnectorFixtures.ensureNoSettings(in: target)
                hooks = try ConnectorFixtures.recorders(into: target)
                let secrets = try ConnectorCheck.secretSettings(of: script)
                try ConnectorFixtures.writeSettings(settings, secrets: secrets, to: target)
            case .replay?:
                hooks = try ConnectorFixtures.replays(from: replayed ?? directory)
            case nil:
                hooks = try folder.flatMap { recorded ? try ConnectorFixtures.replays(from: $0) : nil }
            }
        } catch {
            report(error, json: json)
            return .failure
        }

        let samples = SamplingDestination(limit: limit)
        let runner = SyncRunner(config: config, logger: logger)
        runner.httpHook = hooks?.http
        runner.ldapHook = hooks?.ldap
        let result = runner.validate(district, into: samples)
        print(
            json ? ConnectorRunOutput.json(result, samples: samples) : ConnectorRunOutput.text(result, samples: samples)
        )
        return ExitStatus.of([result])
    }
}

/// The outcome of `connector check`: the script's contract, then each district's settings and `check(ctx)`.
struct ConnectorCheck: Encodable {
    /// One district's settings validation and `check(ctx)` call.
    struct DistrictOutcome: Encodable {
        var district: String
        var status: String
        var error: String?

        enum CodingKeys: String, CodingKey { case district, status, error }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(district, forKey: .district)
            try container.encode(status, forKey: .status)
            try container.encode(error, forKey: .error)
        }
    }

    var name: String
    var script: String
    /// False when no configuration file was read, so no district could be checked.
    var configured: Bool
    var version: String?
    /// The contract problem, or nil when the script loaded.
    var error: String?
    var districts: [DistrictOutcome] = []
    /// The settings the script's schema declares, sorted by name.
    var settings: [SettingDescription] = []

    var passed: Bool { error == nil && districts.allSatisfy { $0.error == nil } }

    enum CodingKeys: String, CodingKey { case connector, script, version, status, error, districts, note, settings }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .connector)
        try container.encode(script, forKey: .script)
        try container.encode(version, forKey: .version)
        try container.encode(passed ? "ok" : "failed", forKey: .status)
        try container.encode(error, forKey: .error)
        try container.encode(districts, forKey: .districts)
        try container.encode(error == nil && districts.isEmpty ? contractOnlyNote : nil, forKey: .note)
        try container.encode(settings, forKey: .settings)
    }

    private var contractOnlyNote: String {
        configured
            ? "no district in the configuration uses connector '\(name)', so only the script's contract was checked"
            : "no configuration file was read, so only the script's contract was checked"
    }

    func json() -> String {
        let data = (try? RunListing.encoder.encode(self)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    func text() -> String {
        guard let version else {
            return "Connector \(name) (\(script)): contract failed\n  error: \(error ?? "unknown")"
        }
        var lines = ["Connector \(name) \(version) (\(script)): contract ok"]
        if !settings.isEmpty {
            lines.append("  Settings:")
            for setting in settings {
                var traits = [setting.type]
                if setting.required { traits.append("required") }
                if setting.secret { traits.append("secret") }
                if let value = setting.defaultValue { traits.append("default \(value)") }
                let summary = setting.summary.map { ": \($0)" } ?? ""
                lines.append("    \(setting.name) (\(traits.joined(separator: ", ")))\(summary)")
            }
        }
        if districts.isEmpty {
            lines.append("  " + contractOnlyNote.prefix(1).uppercased() + contractOnlyNote.dropFirst() + ".")
        }
        for outcome in districts {
            if let error = outcome.error {
                lines.append("  District \(outcome.district): failed")
                lines.append("    error: " + error.replacingOccurrences(of: "\n", with: "\n      "))
            } else {
                lines.append("  District \(outcome.district): settings ok, check ok")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Returns the names of the secret settings that the script at `path` declares.
    static func secretSettings(of path: String) throws -> [String] {
        let runtime = try LuaRuntime(configuration: LuaRuntime.Configuration(allowedRoots: []))
        return try Connector.load(path: path, runtime: runtime).secretSettingNames
    }

    static func scriptPath(_ name: String, in connectors: String) -> String {
        (connectors as NSString).appendingPathComponent("sis/\(name).lua")
    }

    static func missingScript(_ name: String, at script: String) -> ConfigError {
        let folder = (script as NSString).deletingLastPathComponent
        let available = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasSuffix(".lua") }.map { String($0.dropLast(4)) }.sorted()
        let known = available.isEmpty ? "" : "; the connectors there are " + available.joined(separator: ", ")
        return ConfigError(
            file: "",
            message: "connector '\(name)' not found at \(script)\(known); check the name, or set connectors_dir in "
                + "the configuration (or ROLLBOOK_CONNECTORS) to the folder that holds sis/\(name).lua")
    }

    static let noConnectorsFolder = ConfigError(
        file: "",
        message: "the connectors folder was not found in ROLLBOOK_CONNECTORS, in ./connectors or near the rollbook "
            + "binary; set ROLLBOOK_CONNECTORS to the connectors folder of the Rollbook repository")

    /// Returns the districts to check: `selected`, which must use the connector, or every district that uses it.
    static func districts(using name: String, selected: String?, config: Config) throws -> [DistrictConfig] {
        guard let selected else { return config.districts.filter { $0.connector == name } }
        guard let district = config.districts.first(where: { $0.id == selected }) else {
            let known = config.districts.map(\.id).joined(separator: ", ")
            throw ConfigError(file: config.path, message: "no district '\(selected)'; configured: \(known)")
        }
        guard district.connector == name else {
            throw ConfigError(
                file: config.path,
                message: "district '\(selected)' uses connector '\(district.connector)', not '\(name)'; run "
                    + "`rollbook connector check \(district.connector) --district \(selected)`")
        }
        return [district]
    }

    /// Validates a district's settings and calls `check(ctx)` with an empty `ctx.state`.
    ///
    /// NOTE: a sync passes the state its last published run saved; a connector whose check reads `ctx.state`
    /// can behave differently here.
    static func check(_ district: DistrictConfig, runner: SyncRunner) -> DistrictOutcome {
        do {
            let connector = try runner.loadConnector(district)
            try connector.check(context: ConnectorContext(sink: CheckSink()))
            return DistrictOutcome(district: district.id, status: "ok")
        } catch {
            return DistrictOutcome(district: district.id, status: "failed", error: SyncRunner.describe(error))
        }
    }
}

/// Keeps the first records of each entity that the validator accepts, and stores nothing.
final class SamplingDestination: RecordDestination {
    let limit: Int
    private(set) var samples: [Entity: [Record]] = [:]

    init(limit: Int) {
        self.limit = limit
    }

    func upsert(_ record: Record) throws {
        guard samples[record.entity, default: []].count < limit else { return }
        samples[record.entity, default: []].append(record)
    }

    /// Drops a sampled record that the validator rejected after accepting it.
    ///
    /// NOTE: an entity can then show fewer than `limit` records although it has more.
    func restore(_ entity: Entity, sourcedId: String) throws {
        samples[entity]?.removeAll { $0.sourcedId == sourcedId }
    }

    func startEntity(_ entity: Entity, bulk: Bool) throws {}
    func removeUnseen(_ entity: Entity, seen: (String) -> Bool) throws -> [String] { [] }
    func beginFile() throws {}
    func endFile(keep: Bool) throws {}
    func finish() throws {}
    func forEachStored(_ entity: Entity, _ body: (String, String?) -> Void) throws {}
    func forEachStoredRecord(_ entity: Entity, _ body: (Record) -> Void) throws {}
}

/// The output of `connector run`: per entity the accepted count and sample records, then the findings.
enum ConnectorRunOutput {
    /// Reads a Lua settings file the way config.lua is read: the table it returns, or the globals it sets.
    static func loadSettings(path: String) throws -> [String: LuaValue] {
        let absolute = Config.resolve(path, from: FileManager.default.currentDirectoryPath)
        let table: LuaValue
        do {
            let runtime = try LuaRuntime(configuration: LuaRuntime.Configuration(allowedRoots: []))
            table = try runtime.loadConfiguration(path: absolute)
        } catch let error as ScriptError {
            throw ConfigError(file: "", message: error.message)
        }
        guard case .map(let entries) = table else {
            throw ConfigError(file: path, message: "the settings file must return a table or set globals")
        }
        var settings: [String: LuaValue] = [:]
        for (key, value) in entries {
            guard case .string(let name) = key else {
                throw ConfigError(
                    file: path, message: "setting names must be strings; got \(Config.describe(key))")
            }
            settings[name] = value
        }
        return settings
    }

    /// Returns a record's non-blank fields and extension fields by name.
    static func fields(of record: Record) -> [String: String] {
        var fields: [String: String] = [:]
        for (index, column) in Schema.columns(of: record.entity).enumerated() {
            if let value = record.value(at: index) { fields[column.name] = value }
        }
        for field in record.extensions { fields[field.name] = field.value }
        return fields
    }

    /// Returns `{"connector", "status", "error", "entities": {NAME: {"count", "rejected", "records"}},
    /// "findings": [...], "findingCounts": [...]}`, the findings as `validate --json` lists them.
    static func json(_ result: RunResult, samples: SamplingDestination) -> String {
        // The findings are taken from the `validate --json` document, so both commands print them alike.
        let validated = Data(RunOutput.json([result]).utf8)
        let runs = (try? JSONSerialization.jsonObject(with: validated) as? [String: Any])?["runs"] as? [[String: Any]]
        let run = runs?.first ?? [:]
        var entities: [String: Any] = [:]
        for (entity, count) in result.counts {
            entities[entity.rawValue] = [
                "count": count.accepted, "rejected": count.rejected,
                "records": (samples.samples[entity] ?? []).map(fields(of:)),
            ]
        }
        let document: [String: Any] = [
            "status": result.status.rawValue, "error": result.error ?? NSNull(), "entities": entities,
            "findings": run["diagnostics"] ?? [], "findingCounts": run["diagnosticCounts"] ?? [],
        ]
        let options: JSONSerialization.WritingOptions = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? JSONSerialization.data(withJSONObject: document, options: options) else {
            return "{\"error\": \"the output could not be encoded as JSON\"}"
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Returns the sample records of each entity, one `field=value` line each, then the `validate` summary.
    static func text(_ result: RunResult, samples: SamplingDestination) -> String {
        var lines: [String] = []
        for entity in Entity.allCases {
            guard let count = result.counts[entity] else { continue }
            let records = samples.samples[entity] ?? []
            lines.append("\(entity.rawValue): \(count.accepted) accepted, \(count.rejected) rejected")
            for record in records {
                let fields = fields(of: record)
                let ordered = Schema.columns(of: entity).compactMap { column in
                    fields[column.name].map { "\(column.name)=\($0)" }
                }
                let extensions = record.extensions.map { "\($0.name)=\($0.value)" }
                lines.append("  " + (ordered + extensions).joined(separator: ", "))
            }
            if count.accepted > records.count {
                lines.append("  ... and \(count.accepted - records.count) more")
            }
        }
        lines.append(RunOutput.summary(result))
        return lines.joined(separator: "\n")
    }
}
