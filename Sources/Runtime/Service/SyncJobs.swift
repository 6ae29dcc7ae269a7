import Foundation
import OneRoster
import Store
import Synchronization

/// The syncs `rollbook serve` runs: at most one per district at a time, each on its own thread.
///
/// A job runs a district's steps in order: `sync` (connector, validation, snapshot), `report` (the data-quality
/// report) and `apps` (the views and exports of the district's apps). Stopping lets the step in progress finish
/// and skips the rest. A later run catches the app views up, because they follow the published snapshot.
final class SyncJobs: Sendable {
    private struct Job {
        var activity: DistrictActivity
        var cancelled = false
    }

    private let jobs = Mutex<[String: Job]>([:])
    private let lastStarts = Mutex<[String: Date]>([:])
    private let metrics: ServiceMetrics

    init(metrics: ServiceMetrics) {
        self.metrics = metrics
    }

    /// Remembers when each district's last run started, so that the schedule catches up after a restart.
    func rememberLastStarts(from store: SnapshotStore, districts: [String]) throws {
        var starts: [String: Date] = [:]
        for district in districts {
            if let run = try store.runs(district: district, limit: 1).first { starts[district] = run.startedAt }
            metrics.held(district, count: try store.pendingRuns(district: district).count)
        }
        lastStarts.withLock { $0.merge(starts) { _, stored in stored } }
    }

    func lastStart(of district: String) -> Date? {
        lastStarts.withLock { $0[district] }
    }

    func isRunning(_ district: String) -> Bool {
        jobs.withLock { $0[district] != nil }
    }

    var runningCount: Int {
        jobs.withLock { $0.count }
    }

    func activity(of district: String) -> DistrictActivity {
        jobs.withLock { $0[district]?.activity } ?? DistrictActivity(district: district)
    }

    /// Starts a sync of `district` on a new thread unless one is running. `finished` runs on that thread at the end.
    func start(
        _ district: DistrictConfig, config: Config, logger: Logger, reason: String,
        finished: @escaping @Sendable () -> Void = {}
    ) -> SyncTrigger {
        let now = Date()
        let started = jobs.withLock { table -> Bool in
            guard table[district.id] == nil else { return false }
            table[district.id] = Job(
                activity: DistrictActivity(district: district.id, running: true, step: "sync", startedAt: now))
            return true
        }
        guard started else { return .alreadyRunning(district: district.id) }
        lastStarts.withLock { $0[district.id] = now }
        metrics.syncStarted(district.id)
        let log = logger.with(["district": district.id])
        log.info("sync queued", ["reason": reason])
        let thread = Thread { [self] in
            run(district, config: config, logger: log, started: now)
            finished()
        }
        thread.name = "sync-\(district.id)"
        thread.start()
        return .started(district: district.id)
    }

    /// Asks every running job to stop after its current step.
    func cancelAll() {
        jobs.withLock { table in
            for key in table.keys { table[key]?.cancelled = true }
        }
    }

    private func enter(_ step: String, of district: String) -> Bool {
        jobs.withLock { table in
            guard let job = table[district], !job.cancelled else { return false }
            table[district]?.activity.step = step
            return true
        }
    }

    private func run(_ district: DistrictConfig, config: Config, logger: Logger, started: Date) {
        var outcome = "failed"
        var counts: [Entity: Int] = [:]
        defer {
            jobs.withLock { _ = $0.removeValue(forKey: district.id) }
            metrics.syncFinished(
                district.id, outcome: outcome, seconds: Date().timeIntervalSince(started), counts: counts)
            logger.info("sync finished", ["outcome": outcome, "seconds": SyncRunner.seconds(since: started)])
        }

        let store: SnapshotStore
        do {
            store = try SnapshotStore(path: config.storePath)
        } catch {
            logger.error("sync failed", ["error": SyncRunner.describe(error)])
            return
        }

        let runner = SyncRunner(config: config, logger: logger)
        runner.progressObserver = { [self] file, rows in
            jobs.withLock { table in
                table[district.id]?.activity.file = file
                table[district.id]?.activity.rows = rows
            }
        }
        let result = runner.sync(district, store: store, showProgress: false)
        outcome = result.status.rawValue
        counts = result.counts.mapValues(\.accepted)
        if let pending = try? store.pendingRuns(district: district.id) {
            metrics.held(district.id, count: pending.count)
        }

        if let folder = config.reportsDirectory, let runId = result.runId, enter("report", of: district.id) {
            Application.writeReport(run: runId, of: district.id, into: folder, store: store)
        }

        guard enter("apps", of: district.id) else {
            logger.info("sync stopped early", ["skipped": "apps"])
            return
        }
        let apps = Application.refreshApps(of: district.id, config: config, store: store, logger: logger)
        if apps.contains(where: \.failed) { outcome = "apps-failed" }
    }
}
