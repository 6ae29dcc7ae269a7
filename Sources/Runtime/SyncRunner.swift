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
    /// Called with the file being read and its rows so far while a sync without a terminal display reads input.
    var progressObserver: (@Sendable (String, Int) -> Void)?
    /// Recorder or replay source given to each connector's `rollbook.http.request`; nil sends requests live.
    var httpHook: (any HTTPExchangeHook)?
    /// Recorder or replay source for the connector's LDAP searches (`connector run`); nil in a sync.
    var ldapHook: (any LDAPSearchHook)?

    public init(config: Config, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    /// Syncs one district into the store.
    ///
    /// A first load is published at once. A later run compares every record with the last published snapshot and
    /// stages only the changes. They are published in the same transaction unless the run goes over a safety
    /// limit (held) or a held run of the district waits for a decision (blocked). With `dryRun` the run is rolled
    /// back at the end and leaves no trace, not even in the run history.
    public func sync(_ district: DistrictConfig, store: SnapshotStore, showProgress: Bool, dryRun: Bool = false)
        -> RunResult
    {
        let started = Date()
        let collector = DiagnosticCollector()
        var runId: Int64?
        let log = logger.with(["district": district.id])
        log.info("sync started", ["connector": district.connector, "dry-run": "\(dryRun)"])
        do {
            // Settings are checked before a run begins, so a configuration mistake records no failed run.
            let connector = try loadConnector(district)
            if !dryRun {
                try store.saveDistrict(id: district.id, name: district.name)
                let expired = try store.expirePendingRuns(
                    district: district.id, before: started.addingTimeInterval(-district.safety.expiresAfter))
                if !expired.isEmpty {
                    log.warning("held runs expired", ["runs": expired.map(String.init).joined(separator: ", ")])
                }
                runId = try store.beginRun(district: district.id, kind: .sync)
            }
            let savedState = try store.connectorState(district: district.id)
            let (intake, state) = try runConnector(connector, collector: collector, state: savedState)
            log.debug("connector finished", ["seconds": SyncRunner.seconds(since: started)])

            let firstLoad = try store.isEmpty(district: district.id)
            let baseRun = try store.lastPublishedRun(district: district.id)
            let waiting = try store.pendingRuns(district: district.id)
            // A first load takes the digest while it reads; a later run needs it first, to skip an unchanged input.
            let canFingerprint = intake.emitted.isEmpty
            let streamed = firstLoad && canFingerprint ? InputFingerprint(gradeMap: district.gradeMap) : nil
            let inputs = firstLoad ? nil : InputFingerprint.of(intake, gradeMap: district.gradeMap)
            let held = waiting.contains { $0.status == .held }
            if let inputs, let baseRun, let runId, !held, try store.runInputs(baseRun) == inputs {
                log.info("input unchanged", ["run.id": "\(runId)", "same-as": "\(baseRun)"])
                return try republish(
                    district: district, runId: runId, baseRun: baseRun, inputs: inputs, state: state, store: store,
                    started: started)
            }
            let committed = firstLoad ? nil : try SnapshotStore(path: config.storePath)
            // This connection only streams stored hashes and looks up a few records: a small page cache will do.
            try committed?.database.execute("PRAGMA cache_size=-8192")
            let rollbackJournal = firstLoad && !dryRun ? try store.useRollbackJournal() : false
            defer { if rollbackJournal { try? store.useWriteAheadLog() } }
            let writer =
                if let runId {
                    try store.writeSnapshot(district: district.id, runId: runId)
                } else {
                    try store.writeDryRun(district: district.id)
                }
            // On an error the writer thread stops first, then the transaction rolls back, then the journal mode
            // returns to WAL: defers run in the reverse order of these lines.
            defer { writer.rollbackIfOpen() }
            let storeDestination = StoreDestination(
                writer: writer, store: store, committed: committed, district: district.id,
                loadTime: SnapshotStore.timestamp(started))
            let destination = PipelinedDestination(wrapping: storeDestination)
            defer { destination.stop() }
            let progress =
                showProgress
                ? Progress.forTerminal(label: district.id) : progressObserver.map { Progress.reporting(to: $0) }
            let counts = try ingest(
                intake, into: destination, district: district, collector: collector, progress: progress,
                fingerprint: streamed)
            progress?.finish()
            log.debug("records checked", ["seconds": SyncRunner.seconds(since: started)])

            var result = RunResult(
                district: district.id, runId: runId, status: .committed, counts: counts,
                diagnostics: collector.sorted(), diagnosticCounts: collector.counts)
            result.changes = storeDestination.changes
            let violations = district.safety.violations(
                changes: storeDestination.changes, stored: storeDestination.liveBefore)
            let expiry = SnapshotStore.timestamp(started.addingTimeInterval(district.safety.expiresAfter))
            if !violations.isEmpty {
                result.hold = HoldReason(
                    reason: SyncRunner.holdReason(violations), limits: violations, expiresAt: expiry)
            } else if let held = waiting.first(where: { $0.status == .held }) {
                let reason =
                    dryRun
                    ? "run \(held.id) of this district is held for review, so this run would not be published"
                    : "run \(held.id) of this district was held for review when this run ended, so this run's "
                        + "changes are staged behind it"
                result.hold = HoldReason(reason: reason, limits: [], expiresAt: expiry)
            }
            let stateText = try state.map { try LuaValue.object($0).jsonText() }
            if dryRun {
                try writer.rollback()
                result.status = .dryRun
            } else if let runId {
                try store.saveRunDetails(
                    id: runId, changes: try SyncRunner.encode(result.changes), baseRun: baseRun,
                    inputs: inputs ?? streamed?.finish())
                if let hold = result.hold {
                    result.status = violations.isEmpty ? .blocked : .held
                    try writer.hold(
                        status: result.status == .held ? .held : .blocked,
                        summary: String(decoding: try JSONEncoder().encode(hold), as: UTF8.self), state: stateText)
                } else {
                    try writer.commit(state: stateText)
                }
            }
            result.seconds = Date().timeIntervalSince(started)
            log.debug("transaction ended", ["seconds": SyncRunner.seconds(since: started)])
            try record(result, collector: collector, store: store)
            log.info(
                "sync " + result.status.rawValue,
                [
                    "run.id": runId.map(String.init) ?? "-", "rejected": "\(result.rejectedRecords)",
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

    /// Ends a run whose input is byte for byte the input of the last published run. The records and findings
    /// would be the same, so it copies that run's counts and findings, saves the connector state, and publishes
    /// without reading a record or writing a row of the snapshot.
    private func republish(
        district: DistrictConfig, runId: Int64, baseRun: Int64, inputs: String, state: [String: LuaValue]?,
        store: SnapshotStore, started: Date
    ) throws -> RunResult {
        guard let base = try store.run(baseRun) else {
            throw ConfigError(file: "", message: "run \(baseRun), the last published run, is missing from the store")
        }
        let listed = RunListing.Item(base)
        var counts: [Entity: EntityCount] = [:]
        var changes: [Entity: ChangeTotals] = [:]
        for (name, count) in listed.counts {
            guard let entity = Entity(rawValue: name) else { continue }
            counts[entity] = count
            changes[entity] = ChangeTotals(unchanged: count.accepted)
        }
        let diagnostics = try store.diagnostics(runId: baseRun)
        let exact: [StoredFindingCount] =
            try store.diagnosticCounts(run: baseRun).flatMap {
                try JSONDecoder().decode([StoredFindingCount].self, from: Data($0.utf8))
            } ?? []
        var diagnosticCounts: [DiagnosticCollector.Key: Int] = [:]
        for finding in exact {
            guard let severity = Severity(rawValue: finding.severity) else { continue }
            diagnosticCounts[DiagnosticCollector.Key(severity: severity, rule: finding.rule, file: finding.file)] =
                finding.count
        }

        let writer = try store.writeSnapshot(district: district.id, runId: runId)
        defer { writer.rollbackIfOpen() }
        try store.saveRunDetails(
            id: runId, changes: try SyncRunner.encode(changes), baseRun: baseRun, inputs: inputs)
        try writer.commit(state: try state.map { try LuaValue.object($0).jsonText() })

        var result = RunResult(
            district: district.id, runId: runId, status: .committed, counts: counts, diagnostics: diagnostics,
            diagnosticCounts: diagnosticCounts, seconds: Date().timeIntervalSince(started))
        result.changes = changes
        result.sameInputAs = baseRun
        try store.insertDiagnostics(runId: runId, diagnostics)
        try store.finishRun(
            id: runId, status: .committed, counts: base.counts, diagnosticTotals: base.diagnosticTotals, error: nil)
        try store.saveDiagnosticCounts(id: runId, String(decoding: try JSONEncoder().encode(exact), as: UTF8.self))
        logger.with(["district": district.id]).info(
            "sync committed", ["run.id": "\(runId)", "seconds": String(format: "%.2f", result.seconds)])
        return result
    }

    /// Returns one sentence naming every limit a run went over.
    static func holdReason(_ violations: [SafetyPolicy.Violation]) -> String {
        let parts = violations.map { violation in
            let verb = violation.change == "removed" ? "remove" : "update or remove"
            return "\(verb) \(violation.count) of \(violation.stored) \(violation.entity) "
                + "(\(percent(violation.share)), over the limit of \(percent(violation.limit)))"
        }
        return "This run would " + parts.joined(separator: " and ")
    }

    static func percent(_ share: Double) -> String {
        let value = share * 100
        return value == value.rounded() ? "\(Int(value))%" : String(format: "%.1f%%", value)
    }

    static func encode(_ changes: [Entity: ChangeTotals]) throws -> String? {
        guard !changes.isEmpty else { return nil }
        var named: [String: ChangeTotals] = [:]
        for (entity, count) in changes { named[entity.rawValue] = count }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(named), as: UTF8.self)
    }

    /// Validates and stores what the connector handed over; the checker's memory is released on return, before
    /// the commit's index builds need theirs.
    private func ingest(
        _ intake: Intake, into destination: RecordDestination, district: DistrictConfig,
        collector: DiagnosticCollector, progress: Progress?, fingerprint: InputFingerprint?
    ) throws -> [Entity: EntityCount] {
        let ingest = RosterIngest(
            collector: collector, destination: destination, gradeMap: district.gradeMap, progress: progress)
        ingest.fingerprint = fingerprint
        try ingest.process(intake)
        return ingest.counts
    }

    /// Reads a package through the OneRoster CSV connector and the validator, storing nothing.
    public func validate(path: String, version: String?, encoding: String?) -> RunResult {
        var settings: [String: LuaValue] = ["path": .string(path)]
        if let version { settings["version"] = .string(version) }
        if let encoding { settings["encoding"] = .string(encoding) }
        let district = DistrictConfig(
            id: "-", name: "-", connector: "oneroster_csv", settings: settings, gradeMap: [:])
        return validate(district, into: DiscardingDestination())
    }

    /// Runs a district's connector and the validator without a store, handing accepted records to `destination`.
    func validate(_ district: DistrictConfig, into destination: RecordDestination) -> RunResult {
        let started = Date()
        let collector = DiagnosticCollector()
        do {
            let (intake, _) = try runConnector(try loadConnector(district), collector: collector, state: nil)
            let ingest = RosterIngest(
                collector: collector, destination: destination, gradeMap: district.gradeMap, progress: nil)
            try ingest.process(intake)
            return RunResult(
                district: district.id, status: .validated, counts: ingest.counts, diagnostics: collector.sorted(),
                diagnosticCounts: collector.counts, seconds: Date().timeIntervalSince(started))
        } catch {
            return RunResult(
                district: district.id, status: .failed, diagnostics: collector.sorted(),
                diagnosticCounts: collector.counts, error: SyncRunner.describe(error),
                seconds: Date().timeIntervalSince(started))
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
        let status: RunStatus
        switch result.status {
        case .committed: status = .committed
        case .held: status = .held
        case .blocked: status = .blocked
        case .failed, .validated, .dryRun: status = .failed
        }
        try store.finishRun(
            id: runId, status: status, counts: counts, diagnosticTotals: totals, error: result.error)
        let exact = result.diagnosticCounts.sorted { $0.key < $1.key }.map { key, count in
            StoredFindingCount(severity: key.severity.rawValue, rule: key.rule, file: key.file, count: count)
        }
        try store.saveDiagnosticCounts(id: runId, String(decoding: try JSONEncoder().encode(exact), as: UTF8.self))
    }

    /// Returns the path of a district's connector script; throws naming the path when there is no such file.
    static func connectorScript(of district: DistrictConfig, config: Config) throws -> String {
        let script = (config.connectorsDirectory as NSString).appendingPathComponent("sis/\(district.connector).lua")
        guard FileManager.default.fileExists(atPath: script) else {
            throw ConfigError(
                file: config.path,
                message: "district '\(district.id)': connector '\(district.connector)' not found at \(script); "
                    + "set connectors_dir in the configuration to the folder that holds sis/\(district.connector).lua")
        }
        return script
    }

    /// Loads a district's connector in a fresh sandbox and checks its settings.
    func loadConnector(_ district: DistrictConfig) throws -> Connector {
        let script = try SyncRunner.connectorScript(of: district, config: config)
        let settings = ConnectorPaths.absolute(district.settings, directory: config.directory)
        let runtime = try LuaRuntime(
            configuration: LuaRuntime.Configuration(
                allowedRoots: ConnectorPaths.roots(for: settings), secrets: ProcessInfo.processInfo.environment,
                logger: ScriptLogBridge(
                    logger: logger.with(["district": district.id, "connector": district.connector])),
                httpHook: httpHook, ldapHook: ldapHook))
        let connector = try Connector.load(path: script, runtime: runtime)
        let problems = connector.validateSettings(settings)
        guard problems.isEmpty else {
            // A `connector run` has no district of the configuration: its settings come from a file of their own.
            throw ConfigError(
                file: district.settingsSource ?? config.path,
                message: (district.settingsSource == nil ? "district '\(district.id)', " : "")
                    + "connector '\(connector.name)':\n  "
                    + problems.joined(separator: "\n  "))
        }
        return connector
    }

    /// Runs the connector's `check`, then its `sync`, with the `ctx.state` saved by the last published run.
    ///
    /// Returns what `sync` handed over, unvalidated, and the state it left: nil when it never had one.
    private func runConnector(_ connector: Connector, collector: DiagnosticCollector, state saved: String?) throws
        -> (Intake, [String: LuaValue]?)
    {
        let intake = Intake(defaultVersion: .v1p1, collector: collector) { path in
            Config.resolve(path, from: self.config.directory)
        }
        var state: [String: LuaValue] = [:]
        if let saved {
            guard case .map(let entries) = try LuaValue(jsonText: saved) else {
                throw IntakeError("the saved ctx.state is not a JSON object: \(saved.prefix(80))")
            }
            for case (.string(let key), let value) in entries { state[key] = value }
        }
        // `check` gets a sink of its own: what it reports about the source is reported again by `sync`.
        try connector.check(context: ConnectorContext(sink: CheckSink(), state: state))
        let left = try connector.sync(context: ConnectorContext(sink: intake, state: state))
        return (intake, saved == nil && left.isEmpty ? nil : left)
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

/// Findings of one severity, rule and file in a run, counted in full; kept with the run for its report.
struct StoredFindingCount: Codable, Sendable {
    var severity: String
    var rule: String
    var file: String
    var count: Int
}

/// The sink of `check(ctx)`, which only looks at the source: records are a connector mistake there.
final class CheckSink: ConnectorSink {
    func emit(kind: String, record: LuaValue) throws {
        throw IntakeError("check(ctx) must not emit records; emit them in sync(ctx)")
    }

    func emit(kind: String, record: LuaValue, options: LuaValue) throws {
        try emit(kind: kind, record: record)
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
