import Foundation
import TestFixtures
import Testing

/// The connector tutorial's finished example: docs/examples/tutorial/bluebird.lua against its Bluebird server,
/// live, recorded and replayed, with the values the tutorial shows.
@Suite struct TutorialExampleTests {
    static let examples = (Paths.root as NSString).appendingPathComponent("docs/examples/tutorial")

    /// The tutorial's Bluebird server on a free port of 127.0.0.1, stopped when released.
    final class BluebirdServer {
        let pid: pid_t
        let port: Int
        let log: String

        init(directory: TemporaryDirectory) throws {
            port = try freeLoopbackTCPPort()
            log = directory.file("bluebird.log")
            // As in the tutorial, only standard error goes to the log; the shell execs, so `pid` is the server's.
            let script = TutorialExampleTests.examples + "/server.py"
            pid = try spawn(
                "/bin/sh", ["-c", "exec python3 '\(script)' --port \(port) 2>'\(log)' >/dev/null"],
                logFile: "/dev/null")
            guard waitForLoopbackListener(port: port, timeout: 10) else {
                kill(pid, SIGKILL)
                _ = try? waitForExit(pid, timeout: 5, name: "server.py")
                throw FixtureError("the Bluebird server did not listen within 10 s")
            }
        }

        var base: String { "http://127.0.0.1:\(port)" }

        func stop() {
            kill(pid, SIGKILL)
            _ = try? waitForExit(pid, timeout: 5, name: "server.py")
        }

        deinit { stop() }
    }

    /// Copies the finished connector into `directory/connectors/sis` and writes a settings file for `base`.
    static func prepare(_ directory: TemporaryDirectory, base: String, key: String = "tutorial-key") throws -> String {
        let sis = directory.file("connectors/sis")
        try FileManager.default.createDirectory(atPath: sis, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: examples + "/bluebird.lua", toPath: sis + "/bluebird.lua")
        let settings = directory.file("settings.lua")
        try "base_url = \"\(base)\"\napi_key = \"\(key)\"\nper_page = 2\n".write(
            toFile: settings, atomically: true, encoding: .utf8)
        return settings
    }

    static func counts(_ output: ProcessOutput) -> [String: [Int]] {
        let entities = ConnectorCommandTests.object(output)["entities"] as? [String: Any] ?? [:]
        return entities.compactMapValues { value in
            guard let entity = value as? [String: Any], let count = entity["count"] as? Int,
                let rejected = entity["rejected"] as? Int
            else { return nil }
            return [count, rejected]
        }
    }

    static let finished: [String: [Int]] = [
        "orgs": [2, 0], "academicSessions": [1, 0], "courses": [3, 0], "classes": [3, 0], "users": [8, 0],
        "enrollments": [9, 0],
    ]

    @Test func recordedRunReplaysOffline() throws {
        let directory = try TemporaryDirectory()
        let server = try BluebirdServer(directory: directory)
        let settings = try Self.prepare(directory, base: server.base)

        let live = try runRollbook(
            [
                "connector", "run", "bluebird", "--settings", settings, "--record", "fixtures", "--json",
                "--limit", "10",
            ], in: directory.path)
        server.stop()
        let replayed = try runRollbook(
            ["connector", "run", "bluebird", "--fixtures", "fixtures", "--json", "--limit", "10"], in: directory.path)

        #expect(live.status == 0, "\(live)")
        #expect(Self.counts(live) == Self.finished, "\(live)")
        #expect(replayed.status == 0, "\(replayed)")
        #expect(Self.counts(replayed) == Self.finished, "\(replayed)")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.file("fixtures/http"))
        #expect(files.count == 14, "\(files.sorted())")
        let recorded = try String(contentsOfFile: directory.file("fixtures/settings.lua"), encoding: .utf8)
        #expect(recorded.contains(#"api_key = "recorded-secret","#), "\(recorded)")
        #expect(!recorded.contains("tutorial-key"), "\(recorded)")

        let entities = ConnectorCommandTests.object(replayed)["entities"] as? [String: Any]
        let users = (entities?["users"] as? [String: Any])?["records"] as? [[String: Any]] ?? []
        let chloe = users.first { $0["sourcedId"] as? String == "S-1003" }
        #expect(chloe?["grades"] as? String == "PK", "\(users)")
        let enrollments = (entities?["enrollments"] as? [String: Any])?["records"] as? [[String: Any]] ?? []
        // The aide teaches without being the class's primary teacher.
        let aide = enrollments.filter { $0["role"] as? String == "teacher" && $0["primary"] as? String == "false" }
        #expect(aide.count == 1, "\(enrollments)")
        #expect(users.contains { $0["role"] as? String == "aide" }, "\(users)")
    }

    @Test func wrongKeyStopsInCheck() throws {
        let directory = try TemporaryDirectory()
        let server = try BluebirdServer(directory: directory)
        let settings = try Self.prepare(directory, base: server.base, key: "wrong")

        let output = try runRollbook(
            ["connector", "run", "bluebird", "--settings", settings, "--json"], in: directory.path)

        #expect(output.status == 2, "\(output)")
        let error = ConnectorCommandTests.object(output)["error"] as? String ?? ""
        #expect(error.contains("rejected the API key (HTTP 401)"), "\(error)")
    }

    @Test func serverLogStartsWithAddress() throws {
        let directory = try TemporaryDirectory()
        let server = try BluebirdServer(directory: directory)

        let log = try String(contentsOfFile: server.log, encoding: .utf8)

        #expect(log.hasPrefix("Bluebird SIS listening on \(server.base)"), "\(log)")
    }
}
