import Foundation
import OneRoster
import Scripting
import Store
import Validation

/// Runs a district's connector, validates what it hands over and stores the snapshot in one transaction.
///
/// The sync is a sequence of states: connector running, records validated and staged in the open
/// transaction, then committed or failed. Nothing is written before the connector has returned, and the
/// transaction commits only when every step succeeded, so a failure or a kill at any point leaves the
/// last committed snapshot as it was.
public final class SyncRunner {
    public let config: Config
    let logger: Logger

    public init(config: Config, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    /// Syncs one district into the store.
    public func sync(_ district: DistrictConfig, store: SnapshotStore, showProgress: Bool) -> RunResult {
        let started = Date()
        let collector = DiagnosticCollector()
        var runId: Int64?
        let log = logger.with(["district": district.id])
        log.info("sync started", ["connector": district.connector])
        do {
            // Settings are checked before a run begins, so a configuration mistake records no failed run.
            let connector = try loadConnector(district)
            try store.saveDistrict(id: district.id, name: district.name)
            let id = try store.beginRun(district: district.id, kind: .sync)
            runId = id
            let intake = try runConnector(connector, collector: collector)
            log.debug("connector finished", ["run.id": "\(id)", "seconds": SyncRunner.seconds(since: started)])

            let firstLoad = try store.isEmpty(district: district.id)
            let committed = firstLoad ? nil : try SnapshotStore(path: config.storePath)
            let rollbackJournal = firstLoad ? try store.useRollbackJournal() : false
            defer { if rollbackJournal { try? store.useWriteAheadLog() } }
            let writer = try store.writeSnapshot(district: district.id, runId: id)
            // On an error the writer thread stops first, then the transaction rolls back, then the journal mode
            // returns to WAL: defers run in the reverse order of these lines.
            defer { writer.rollbackIfOpen() }
            let destination = PipelinedDestination(
                wrapping: StoreDestination(writer: writer, store: store, committed: committed, district: district.id))
            defer { destination.stop() }
            let progress = showProgress ? Progress.forTerminal(label: district.id) : nil
            let counts = try ingest(
                intake, into: destination, district: district, collector: collector, progress: progress)
            log.debug("records stored", ["run.id": "\(id)", "seconds": SyncRunner.seconds(since: started)])
            try writer.commit()
            progress?.finish()
            log.debug("transaction committed", ["run.id": "\(id)", "seconds": SyncRunner.seconds(since: started)])

            let result = RunResult(
                district: district.id, runId: id, status: .committed, counts: counts,
                diagnostics: collector.sorted(), diagnosticCounts: collector.counts,
                seconds: Date().timeIntervalSince(started))
            try record(result, collector: collector, store: store)
            log.info(
                "sync committed",
                [
                    "run.id": "\(id)", "rejected": "\(result.rejectedRecords)",
                    "seconds": String(format: "%.2f", result.seconds),
                ])
            return result
        } catch {
            let message = SyncRunner.describe(error)
            log.warning("sync failed", ["run.id": runId.map(String.init) ?? "-", "error": message])
            let result = RunResult(
                district: district.id, runId: runId, status: .failed, diagnostics: collector.sorted(),
                diagnosticCounts: collector.counts, error: message, seconds: Date().timeIntervalSince(started))
            if runId != nil { try? record(result, collector: collector, store: store) }
            return result
        }
    }

    /// Validates and stores what the connector handed over; the checker's memory is released on return, before
    /// the commit's index builds need theirs.
    private func ingest(
        _ intake: Intake, into destination: RecordDestination, district: DistrictConfig,
        collector: DiagnosticCollector, progress: Progress?
    ) throws -> [Entity: EntityCount] {
        let ingest = RosterIngest(
            collector: collector, destination: destination, gradeMap: district.gradeMap, progress: progress)
        try ingest.process(intake)
        return ingest.counts
    }

    /// Reads a package through the OneRoster CSV connector and the validator, storing nothing.
    public func validate(path: String, version: String?, encoding: String?) -> RunResult {
        let started = Date()
        let collector = DiagnosticCollector()
        var settings: [String: LuaValue] = ["path": .string(path)]
        if let version { settings["version"] = .string(version) }
        if let encoding { settings["encoding"] = .string(encoding) }
        let district = DistrictConfig(
            id: "-", name: "-", connector: "oneroster_csv", settings: settings, gradeMap: [:])
        do {
            let intake = try runConnector(try loadConnector(district), collector: collector)
            let ingest = RosterIngest(
                collector: collector, destination: DiscardingDestination(), gradeMap: [:], progress: nil)
            try ingest.process(intake)
            return RunResult(
                district: "-", status: .validated, counts: ingest.counts, diagnostics: collector.sorted(),
                diagnosticCounts: collector.counts, seconds: Date().timeIntervalSince(started))
        } catch {
            return RunResult(
                district: "-", status: .failed, diagnostics: collector.sorted(), diagnosticCounts: collector.counts,
                error: SyncRunner.describe(error), seconds: Date().timeIntervalSince(started))
        }
    }

    /// Stores the run's outcome and kept findings.
    private func record(_ result: RunResult, collector: DiagnosticCollector, store: SnapshotStore) throws {
        guard let runId = result.runId else { return }
        try store.insertDiagnostics(runId: runId, collector.kept)
        var counts: [String: Int] = [:]
        for (entity, count) in result.counts {
            counts["\(entity.rawValue).accepted"] = count.accepted
            counts["\(entity.rawValue).rejected"] = count.rejected
        }
        var totals: [String: Int] = [:]
        for severity in Severity.allCases { totals[severity.rawValue] = collector.total(severity) }
        try store.finishRun(
            id: runId, status: result.status == .committed ? .committed : .failed, counts: counts,
            diagnosticTotals: totals, error: result.error)
    }

    /// Loads a district's connector in a fresh sandbox and checks its settings.
    private func loadConnector(_ district: DistrictConfig) throws -> Connector {
        let script = (config.connectorsDirectory as NSString).appendingPathComponent("sis/\(district.connector).lua")
        guard FileManager.default.fileExists(atPath: script) else {
            throw ConfigError(
                file: config.path,
                message: "district '\(district.id)': connector '\(district.connector)' not found at \(script); "
                    + "set connectors_dir in the configuration to the folder that holds sis/\(district.connector).lua")
        }
        let settings = ConnectorPaths.absolute(district.settings, directory: config.directory)
        let runtime = try LuaRuntime(
            configuration: LuaRuntime.Configuration(
                allowedRoots: ConnectorPaths.roots(for: settings), secrets: ProcessInfo.processInfo.environment,
                logger: ScriptLogBridge(
                    logger: logger.with(["district": district.id, "connector": district.connector]))))
        let connector = try Connector.load(path: script, runtime: runtime)
        let problems = connector.validateSettings(settings)
        guard problems.isEmpty else {
            throw ConfigError(
                file: config.path,
                message: "district '\(district.id)', connector '\(connector.name)':\n  "
                    + problems.joined(separator: "\n  "))
        }
        return connector
    }

    /// Runs the connector's `check`, then its `sync`; what `sync` hands over is returned unvalidated.
    private func runConnector(_ connector: Connector, collector: DiagnosticCollector) throws -> Intake {
        let intake = Intake(defaultVersion: .v1p1, collector: collector) { path in
            Config.resolve(path, from: self.config.directory)
        }
        // `check` gets a sink of its own: what it reports about the source is reported again by `sync`.
        try connector.check(context: ConnectorContext(sink: CheckSink()))
        _ = try connector.sync(context: ConnectorContext(sink: intake))
        return intake
    }

    static func seconds(since start: Date) -> String {
        String(format: "%.3f", Date().timeIntervalSince(start))
    }

    /// Returns the text of a run's error: a script's own message first, then where the script raised it.
    static func describe(_ error: any Error) -> String {
        if let error = error as? ScriptError {
            let name = (error.script as NSString).lastPathComponent
            let place = error.line.map { "\(name):\($0)" } ?? name
            return "\(error.message) (raised in \(place))"
        }
        return String(describing: error)
    }
}

/// The sink of `check(ctx)`, which only looks at the source: records are a connector mistake there.
private final class CheckSink: ConnectorSink {
    func emit(kind: String, record: LuaValue) throws {
        throw IntakeError("check(ctx) must not emit records; emit them in sync(ctx)")
    }

    func emitFile(kind: String, path: String, options: LuaValue) throws {
        throw IntakeError("check(ctx) must not emit files; emit them in sync(ctx)")
    }
}

/// The folders a connector may read, found from its path setting.
///
/// NOTE: only the setting named `path` opens a folder to a connector, because the allowed roots are fixed
/// when the sandbox is made, before the script and its settings schema are loaded.
enum ConnectorPaths {
    /// Settings with a relative `path` made absolute against the config's folder.
    static func absolute(_ settings: [String: LuaValue], directory: String) -> [String: LuaValue] {
        var result = settings
        if case .string(let path)? = settings["path"] {
            result["path"] = .string(Config.resolve(path, from: directory))
        }
        return result
    }

    /// Returns the folders a connector may read: the `path` setting's folder, or the folder of the file it names.
    static func roots(for settings: [String: LuaValue]) -> [String] {
        guard case .string(let path)? = settings["path"] else { return [] }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return [path]
        }
        return [(path as NSString).deletingLastPathComponent]
    }
}
