import Foundation
import Testing

/// `rollbook connector run --record DIR`, `--replay DIR` and `--fixtures DIR` against the local OneRoster REST
/// provider.
@Suite struct ConnectorRecordTests {
    static let fixture = (Paths.root as NSString).appendingPathComponent(
        "connectors/sis/fixtures/oneroster-api-district")

    static var scenario: [String: Any] {
        [
            "client_id": "rollbook-test", "client_secret": "s3cret", "data_dir": fixture, "total_count": true,
            "link": true,
        ]
    }

    /// Writes a settings file for oneroster_api that reads from `base`.
    static func writeSettings(_ directory: TemporaryDirectory, base: String) throws -> String {
        let path = directory.file("settings.lua")
        let text = """
            return {
              base_url = "\(base)/ims/oneroster/v1p1",
              token_url = "\(base)/token",
              client_id = "rollbook-test",
              client_secret = "s3cret",
              page_size = 2,
            }
            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func counts(_ output: ProcessOutput) -> [String: Int] {
        let entities = ConnectorCommandTests.object(output)["entities"] as? [String: Any] ?? [:]
        return entities.compactMapValues { ($0 as? [String: Any])?["count"] as? Int }
    }

    /// Returns the names of the recorded exchange files under `recordings/http`, sorted.
    static func exchanges(_ recordings: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: recordings + "/http").filter { $0.hasSuffix(".json") }
            .sorted()
    }

    /// Records a run of the live provider into `recordings`, stops the provider and returns the run's output.
    static func recordRun(_ directory: TemporaryDirectory, into recordings: String) throws -> (ProcessOutput, String) {
        var server: OneRosterAPIServer? = try OneRosterAPIServer(scenario: scenario, directory: directory)
        let settings = try writeSettings(directory, base: server?.base ?? "")
        let output = try runRollbook([
            "connector", "run", "oneroster_api", "--settings", settings, "--record", recordings, "--json",
        ])
        server = nil
        return (output, settings)
    }

    @Test func replayMatchesRecordedCounts() throws {
        let directory = try TemporaryDirectory()
        let recordings = directory.file("recordings")
        let (recorded, settings) = try Self.recordRun(directory, into: recordings)

        let replayed = try runRollbook([
            "connector", "run", "oneroster_api", "--settings", settings, "--replay", recordings, "--json",
        ])

        #expect(recorded.status == 0, "\(recorded)")
        #expect(replayed.status == 0, "\(replayed)")
        let counts = Self.counts(recorded)
        #expect(counts["users"] ?? 0 > 0, "\(recorded)")
        #expect(counts["enrollments"] ?? 0 > 0, "\(recorded)")
        #expect(Self.counts(replayed) == counts, "\(replayed)")
        let files = try Self.exchanges(recordings)
        #expect(files.first == "0001.json")
        #expect(files.count > 5)
    }

    @Test func recordedFolderReplaysAsFixtures() throws {
        let directory = try TemporaryDirectory()
        let recordings = directory.file("recordings")
        let (recorded, _) = try Self.recordRun(directory, into: recordings)
        #expect(recorded.status == 0, "\(recorded)")

        let settings = try String(contentsOfFile: recordings + "/settings.lua", encoding: .utf8)
        #expect(settings.contains(#"client_secret = "recorded-secret","#), "\(settings)")
        #expect(settings.contains(#"client_id = "rollbook-test","#), "\(settings)")
        #expect(settings.contains("page_size = 2,"), "\(settings)")
        #expect(!settings.contains("s3cret"), "\(settings)")

        // No --settings: the folder's settings.lua names the provider, and the placeholder secret is enough.
        let replayed = try runRollbook([
            "connector", "run", "oneroster_api", "--fixtures", recordings, "--json",
        ])

        #expect(replayed.status == 0, "\(replayed)")
        #expect(Self.counts(replayed) == Self.counts(recorded), "\(replayed)")
        #expect(Self.counts(replayed)["users"] ?? 0 > 0, "\(replayed)")
    }

    @Test func settingsFileOverridesFolderSettings() throws {
        let directory = try TemporaryDirectory()
        let recordings = directory.file("recordings")
        let (recorded, _) = try Self.recordRun(directory, into: recordings)
        #expect(recorded.status == 0, "\(recorded)")
        let override = directory.file("override.lua")
        try "return { page_size = 3 }".write(toFile: override, atomically: true, encoding: .utf8)

        // The recording contains pages of 2, so pages of 3 request URLs that were never recorded.
        let replayed = try runRollbook([
            "connector", "run", "oneroster_api", "--fixtures", recordings, "--settings", override, "--json",
        ])

        #expect(replayed.status == 2, "\(replayed)")
        let error = ConnectorCommandTests.object(replayed)["error"] as? String ?? ""
        #expect(error.contains("limit=3"), "\(replayed)")
        #expect(error.contains("No recording for GET"), "\(replayed)")
    }

    @Test func recordingHoldsNoSecret() throws {
        let directory = try TemporaryDirectory()
        let recordings = directory.file("recordings")
        let (recorded, _) = try Self.recordRun(directory, into: recordings)
        #expect(recorded.status == 0, "\(recorded)")

        let names = try Self.exchanges(recordings).map { "http/" + $0 } + ["settings.lua"]
        var sawToken = false
        for name in names {
            let text = try String(
                contentsOfFile: (recordings as NSString).appendingPathComponent(name), encoding: .utf8)
            #expect(!text.contains("s3cret"), "\(name)")
            #expect(!text.lowercased().contains("authorization"), "\(name)")
            #expect(!text.contains("Bearer"), "\(name)")
            if text.contains("access_token") {
                sawToken = true
                #expect(text.contains(#"\"access_token\":\"recorded-token\""#), "\(name): \(text)")
            }
        }
        #expect(sawToken, "no token response was recorded: \(names)")
    }

    @Test func missingRecordingNamesURL() throws {
        let directory = try TemporaryDirectory()
        let recordings = directory.file("recordings")
        let (recorded, settings) = try Self.recordRun(directory, into: recordings)
        #expect(recorded.status == 0, "\(recorded)")
        let users = try Self.exchanges(recordings).map { recordings + "/http/" + $0 }.filter { path in
            ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").contains("/users?")
        }
        #expect(!users.isEmpty)
        for path in users {
            try FileManager.default.removeItem(atPath: path)
        }

        let replayed = try runRollbook([
            "connector", "run", "oneroster_api", "--settings", settings, "--replay", recordings, "--json",
        ])

        #expect(replayed.status != 0, "\(replayed)")
        let error = ConnectorCommandTests.object(replayed)["error"] as? String ?? ""
        #expect(error.contains("No recording for GET 'http://127.0.0.1:"), "\(replayed)")
        #expect(error.contains("/ims/oneroster/v1p1/users?"), "\(replayed)")
    }

    /// Files that make a folder unfit for a recording, each with the error message it causes.
    static let usedFolders = [
        ("http/0001.json", "{}", "already contains recorded exchanges"),
        ("settings.lua", "return { page_size = 7 }", "already contains settings.lua"),
    ]

    @Test(arguments: usedFolders)
    func recordRejectsUsedFolder(file: String, contents: String, message: String) throws {
        let directory = try TemporaryDirectory()
        let recordings = directory.file("recordings")
        let path = recordings + "/" + file
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        let settings = try Self.writeSettings(directory, base: "http://127.0.0.1:9")

        let output = try runRollbook([
            "connector", "run", "oneroster_api", "--settings", settings, "--record", recordings,
        ])

        #expect(output.status == 2, "\(output)")
        #expect(output.stderr.contains(message), "\(output)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == contents)
    }

    @Test func replayRejectsEmptyFolder() throws {
        let directory = try TemporaryDirectory()
        let settings = try Self.writeSettings(directory, base: "http://127.0.0.1:9")

        let output = try runRollbook([
            "connector", "run", "oneroster_api", "--settings", settings, "--replay", directory.file("absent"),
        ])

        #expect(output.status == 2, "\(output)")
        #expect(output.stderr.contains("does not exist; expected a folder written by --record"), "\(output)")
    }

    @Test func recordAndReplayTogetherRejected() throws {
        let output = try runRollbook([
            "connector", "run", "oneroster_api", "--record", "a", "--replay", "b",
        ])

        #expect(output.status == 2, "\(output)")
        #expect(output.stderr.contains("takes --record DIR or --replay DIR, not both"), "\(output)")
    }
}
