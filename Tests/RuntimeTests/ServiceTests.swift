import Foundation
import Testing

/// `rollbook serve` as a process: health, readiness, metrics, schedules, reloads and stopping.
@Suite(.serialized)
struct ServiceTests {
    /// A temporary district with the service listening on a free port of 127.0.0.1.
    final class Setup {
        let directory: TemporaryDirectory
        let package: String
        var district = AppFixtureDistrict()

        init() throws {
            directory = try TemporaryDirectory()
            package = directory.file("package")
            try district.write(to: package)
        }

        var config: String { directory.file("config.lua") }
        var store: String { directory.file("rollbook.sqlite") }

        func writeConfig(
            schedule: String? = nil, extra: String = "", districtPath: String? = nil, removedLimit: Double = 1.0
        ) throws {
            let scheduleLine = schedule.map { ", schedule = \"\($0)\"" } ?? ""
            let text = """
                store = "\(store)"
                connectors_dir = "\(Paths.root)/connectors"
                safety = { removed = \(removedLimit) }
                server = { listen = "127.0.0.1:0" }
                districts = {
                    { id = "d", connector = "oneroster_csv", settings = { path = "\(districtPath ?? package)" }\(scheduleLine) },
                }
                \(extra)
                """
            try text.write(toFile: config, atomically: true, encoding: .utf8)
        }

        func start() throws -> ServiceProcess {
            try ServiceProcess(config: config, logFile: directory.file("service.log"))
        }
    }

    @Test func healthReadinessAndMetrics() throws {
        let setup = try Setup()
        try setup.writeConfig()
        let service = try setup.start()

        let health = try curl(service.baseURL + "/healthz")
        #expect(health.status == 200)
        #expect(health.json?["status"] as? String == "alive")
        let ready = try curl(service.baseURL + "/readyz")
        #expect(ready.status == 200)
        #expect(ready.json?["status"] as? String == "ready")
        #expect(try curl(service.baseURL + "/no/such/page").status == 404)

        let metrics = try curl(service.baseURL + "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(
            metrics.body.contains("rollbook_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 1"))
        #expect(
            metrics.body.contains("rollbook_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1"))
        #expect(metrics.body.contains("rollbook_http_request_duration_seconds_count{route=\"/readyz\"} 1"))
        #expect(metrics.body.contains("rollbook_held_runs{district=\"d\"} 0"))

        service.signal(SIGTERM)
        #expect(service.waitForExit(timeout: 10) == 0)
        let messages = service.logLines().compactMap { $0["message"] as? String }
        #expect(messages == ["service started", "service stopping", "service stopped"])
    }

    @Test func missedSlotsRunOnce() throws {
        let setup = try Setup()
        try setup.writeConfig(schedule: "every 1h")
        let first = try runRollbook(["sync", "--config", setup.config, "--json"])
        #expect(first.status == 0, "\(first)")
        // The last run started three hours ago, so three hourly slots were missed while nothing ran.
        let threeHoursAgo = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-3 * 3600))
        _ = try sqlite(setup.store, "UPDATE runs SET started_at = '\(threeHoursAgo)'")

        let service = try setup.start()
        let queued = try service.waitForLog(message: "sync queued", timeout: 10)
        #expect(queued["reason"] as? String == "schedule")
        #expect(queued["district"] as? String == "d")
        try service.waitForLog(message: "sync finished", timeout: 60)
        // The checks run every second: give the scheduler a few more rounds to show it starts nothing else.
        usleep(2_500_000)
        #expect(try sqlite(setup.store, "SELECT count(*) FROM runs") == "2")
        #expect(service.logLines().filter { $0["message"] as? String == "sync queued" }.count == 1)

        let metrics = try curl(service.baseURL + "/metrics").body
        #expect(metrics.contains("rollbook_sync_runs_total{district=\"d\",outcome=\"committed\"} 1"))
        #expect(metrics.contains("rollbook_sync_records{district=\"d\",entity=\"users\"} 7"))
        #expect(metrics.contains("rollbook_sync_running{district=\"d\"} 0"))
        service.signal(SIGTERM)
        #expect(service.waitForExit(timeout: 10) == 0)
    }

    @Test func invalidReloadKeepsConfiguration() throws {
        let setup = try Setup()
        try setup.writeConfig()
        let service = try setup.start()

        try "districts = { { id = ".write(toFile: setup.config, atomically: true, encoding: .utf8)
        service.signal(SIGHUP)
        let failed = try service.waitForLog(
            message: "configuration reload failed; keeping the previous configuration", timeout: 10)
        #expect((failed["error"] as? String)?.contains("config.lua") == true)
        #expect(try curl(service.baseURL + "/readyz").status == 200)

        try setup.writeConfig(extra: "reports_dir = \"\(setup.directory.file("reports"))\"")
        service.signal(SIGHUP)
        try service.waitForLog(message: "configuration reloaded", timeout: 10)

        let metrics = try curl(service.baseURL + "/metrics").body
        #expect(metrics.contains("rollbook_config_reloads_total{result=\"failure\"} 1"))
        #expect(metrics.contains("rollbook_config_reloads_total{result=\"success\"} 1"))
        service.signal(SIGTERM)
        #expect(service.waitForExit(timeout: 10) == 0)
    }

    @Test func stopFinishesCurrentSyncStep() throws {
        let setup = try Setup()
        // A district big enough that its sync is still reading when the stop signal comes.
        let big = setup.directory.file("big")
        var district = AppFixtureDistrict()
        district.users = (0..<150_000).map {
            "u-\($0),,,true,high,student,user\($0),Given\($0),Family,u\($0)@example.org,,10,"
        }
        district.enrollments = []
        try district.write(to: big)
        try setup.writeConfig(schedule: "every 1h")
        let first = try runRollbook(["sync", "--config", setup.config, "--json"])
        #expect(first.status == 0, "\(first)")
        let twoHoursAgo = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-2 * 3600))
        _ = try sqlite(setup.store, "UPDATE runs SET started_at = '\(twoHoursAgo)'")
        try setup.writeConfig(
            schedule: "every 1h",
            extra: "apps = { { id = \"vendor\", districts = { \"d\" }, mapping = \"codeyard\" } }",
            districtPath: big)

        let service = try setup.start()
        try service.waitForLog(message: "sync queued", timeout: 10)
        usleep(300_000)
        service.signal(SIGTERM)
        try service.waitForLog(message: "service stopping", timeout: 5)
        #expect(service.waitForExit(timeout: 120) == 0)

        let messages = service.logLines().compactMap { $0["message"] as? String }
        #expect(messages.contains("sync stopped early"))
        #expect(messages.last == "service stopped")
        // The sync step finished and published the big snapshot. The app views were left for the next run.
        #expect(try sqlite(setup.store, "SELECT status FROM runs ORDER BY id DESC LIMIT 1") == "committed")
        #expect(
            try sqlite(setup.store, "SELECT count(*) FROM users WHERE district = 'd' AND status IS NOT 'tobedeleted'")
                == "150000")
        #expect(try sqlite(setup.store, "SELECT count(*) FROM app_runs") == "0")
    }

    @Test func heldRunsCountedPerScrape() throws {
        let setup = try Setup()
        try setup.writeConfig(removedLimit: 0.1)
        #expect(try runRollbook(["sync", "--config", setup.config]).status == 0)
        setup.district.users.removeLast(2)
        try setup.district.write(to: setup.package)
        let held = try runRollbook(["sync", "--config", setup.config])
        #expect(held.status == 3, "\(held)")

        let service = try setup.start()
        #expect(try curl(service.baseURL + "/metrics").body.contains("rollbook_held_runs{district=\"d\"} 1"))
        let approved = try runRollbook(["approve", "2", "--config", setup.config])
        #expect(approved.status == 0, "\(approved)")
        #expect(try curl(service.baseURL + "/metrics").body.contains("rollbook_held_runs{district=\"d\"} 0"))
        service.signal(SIGTERM)
        #expect(service.waitForExit(timeout: 10) == 0)
    }

    @Test func invalidConfigurationStopsStartup() throws {
        let setup = try Setup()
        try setup.writeConfig(extra: "server = { listen = \"localhost\" }")
        let output = try runRollbook(["serve", "--config", setup.config], timeout: 20)
        #expect(output.status == 2)
        let line = try JSONSerialization.jsonObject(with: Data(output.stderr.utf8)) as? [String: Any]
        #expect(line?["message"] as? String == "service not started: configuration error")
        #expect((line?["error"] as? String)?.contains("'listen' must be an IPv4 address and port") == true)
    }
}
