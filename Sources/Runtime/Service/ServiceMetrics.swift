import Foundation
import OneRoster

/// The metrics `rollbook serve` exposes at `/metrics`: requests, syncs, records and held runs.
final class ServiceMetrics: Sendable {
    let registry = MetricsRegistry()
    private let requests: MetricsCounter
    private let latency: MetricsHistogram
    private let syncRuns: MetricsCounter
    private let syncDuration: MetricsHistogram
    private let syncRunning: MetricsGauge
    private let records: MetricsGauge
    private let heldRuns: MetricsGauge
    private let reloads: MetricsCounter

    init() throws {
        requests = try registry.counter(
            "rollbook_http_requests_total", help: "HTTP requests handled, by route template, method and status.",
            labels: ["route", "method", "status"])
        latency = try registry.histogram(
            "rollbook_http_request_duration_seconds",
            help: "Time to handle an HTTP request, in seconds, by route template.",
            labels: ["route"])
        syncRuns = try registry.counter(
            "rollbook_sync_runs_total", help: "Sync runs finished, by district and outcome.",
            labels: ["district", "outcome"])
        syncDuration = try registry.histogram(
            "rollbook_sync_duration_seconds", help: "Time a sync run took, from start to its last step.",
            labels: ["district"], buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200])
        syncRunning = try registry.gauge(
            "rollbook_sync_running", help: "1 while a sync of the district runs, else 0.", labels: ["district"])
        records = try registry.gauge(
            "rollbook_sync_records", help: "Records the last sync run of the district read, by entity.",
            labels: ["district", "entity"])
        heldRuns = try registry.gauge(
            "rollbook_held_runs", help: "Runs of the district held or blocked, waiting for approve or discard.",
            labels: ["district"])
        reloads = try registry.counter(
            "rollbook_config_reloads_total", help: "Configuration reloads on SIGHUP, by result.", labels: ["result"])
    }

    func request(route: String, method: String, status: Int, seconds: Double) {
        requests.increment(labels: [route, method, String(status)])
        latency.observe(seconds, labels: [route])
    }

    func syncStarted(_ district: String) {
        syncRunning.set(1, labels: [district])
    }

    func syncFinished(_ district: String, outcome: String, seconds: Double, counts: [Entity: Int]) {
        syncRunning.set(0, labels: [district])
        syncRuns.increment(labels: [district, outcome])
        syncDuration.observe(seconds, labels: [district])
        for (entity, count) in counts {
            records.set(Double(count), labels: [district, entity.rawValue])
        }
    }

    func held(_ district: String, count: Int) {
        heldRuns.set(Double(count), labels: [district])
    }

    func reloaded(_ succeeded: Bool) {
        reloads.increment(labels: [succeeded ? "success" : "failure"])
    }
}
