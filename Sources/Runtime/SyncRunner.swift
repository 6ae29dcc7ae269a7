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
            try store.saveDistrict(id: district.id, name: district.name)
            let id = try store.beginRun(district: district.id, kind: .sync)
            runId = id
            let intake = try runConnector(district, collector: collector)
            log.debug("connector finished", ["run.id": "\(id)", "seconds": SyncRunner.seconds(since: started)])

            let committed = try SnapshotStore(path: config.storePath)
            let writer = try store.writeSnapshot(district: district.id, runId: id)
            let destination = PipelinedDestination(
                wrapping: StoreDestination(writer: writer, store: store, committed: committed, district: district.id))
            defer { destination.stop() }
            let ingest = RosterIngest(
                collector: collector, destination: destination, gradeMap: district.gradeMap,
                progress: showProgress ? Progress.forTerminal(label: district.id) : nil)
            try ingest.process(intake)
            log.debug("records stored", ["run.id": "\(id)", "seconds": SyncRunner.seconds(since: started)])
            try writer.commit()
            ingest.progress?.finish()
            log.debug("transaction committed", ["run.id": "\(id)", "seconds": SyncRunner.seconds(since: started)])

            let result = RunResult(
                district: district.id, runId: id, status: .committed, counts: ingest.counts,
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
            log.error("sync failed", ["run.id": runId.map(String.init) ?? "-", "error": message])
            let result = RunResult(
                district: district.id, runId: runId, status: .failed, diagnostics: collector.sorted(),
                diagnosticCounts: collector.counts, error: message, seconds: Date().timeIntervalSince(started))
            if runId != nil { try? record(result, collector: collector, store: store) }
            return result
        }
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
            let intake = try runConnector(district, collector: collector)
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

    /// Loads and runs the connector; what it hands over is returned unvalidated.
    private func runConnector(_ district: DistrictConfig, collector: DiagnosticCollector) throws -> Intake {
        let script = (config.connectorsDirectory as NSString).appendingPathComponent("sis/\(district.connector).lua")
        guard FileManager.default.fileExists(atPath: script) else {
            throw ConfigError(
                file: config.path,
                message: "district '\(district.id)': connector '\(district.connector)' not found at \(script)")
        }
        let resolved = district.settings.mapValues { value -> LuaValue in value }
        let roots = ConnectorPaths.roots(for: resolved, directory: config.directory)
        let runtime = try LuaRuntime(
            configuration: LuaRuntime.Configuration(
                allowedRoots: roots, secrets: ProcessInfo.processInfo.environment,
                logger: ScriptLogBridge(
                    logger: logger.with(["district": district.id, "connector": district.connector]))))
        let connector = try Connector.load(path: script, runtime: runtime)
        let problems = connector.validateSettings(ConnectorPaths.absolute(resolved, directory: config.directory))
        guard problems.isEmpty else {
            throw ConfigError(
                file: config.path,
                message: "district '\(district.id)' settings for connector '\(connector.name)': "
                    + problems.joined(separator: "; "))
        }
        let intake = Intake(defaultVersion: .v1p1, collector: collector) { path in
            Config.resolve(path, from: self.config.directory)
        }
        _ = try connector.sync(context: ConnectorContext(sink: intake))
        return intake
    }

    static func seconds(since start: Date) -> String {
        String(format: "%.3f", Date().timeIntervalSince(start))
    }

    static func describe(_ error: any Error) -> String {
        String(describing: error)
    }
}

/// Where path settings point: the only folders a connector may read.
enum ConnectorPaths {
    /// Settings with relative `path`-like string values made absolute against the config's folder.
    static func absolute(_ settings: [String: LuaValue], directory: String) -> [String: LuaValue] {
        var result = settings
        if case .string(let path)? = settings["path"] {
            result["path"] = .string(Config.resolve(path, from: directory))
        }
        return result
    }

    /// The folders a connector may read: each path setting's folder, or the file's own folder.
    static func roots(for settings: [String: LuaValue], directory: String) -> [String] {
        guard case .string(let path)? = settings["path"] else { return [] }
        let absolute = Config.resolve(path, from: directory)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory), isDirectory.boolValue {
            return [absolute]
        }
        return [(absolute as NSString).deletingLastPathComponent]
    }
}
