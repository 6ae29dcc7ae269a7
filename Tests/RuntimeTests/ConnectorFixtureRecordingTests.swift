import Foundation
import Testing

/// The recorded HTTP fixtures of the API connectors, which `connector run --fixtures` and `check-connectors` replay.
///
/// Each fixtures folder contains the provider data the local test provider serves, a `settings.lua` that names a
/// provider at an `.example` address, and `http/`, a recording of one run against the local provider with its
/// address rewritten to that one. A test records again and compares, so the recording cannot drift from the
/// data or from the connector. After a deliberate change, rewrite the recordings with
/// `ROLLBOOK_UPDATE_FIXTURES=1 swift test --filter ConnectorFixtureRecordingTests` and review the diff.
@Suite struct ConnectorFixtureRecordingTests {
    /// One recorded fixtures folder and the provider scenario that serves its data.
    struct Fixture: CustomStringConvertible, Sendable {
        var connector: String
        var folder: String
        /// The address that the committed settings and recordings use in place of the local provider's.
        var origin: String
        /// Provider scenario entries besides the credentials and the data folder.
        var scenario: [String: String]
        var flags: [String: Bool]

        var description: String { connector }
        var path: String { (Paths.root as NSString).appendingPathComponent("connectors/sis/fixtures/\(folder)") }
    }

    static let fixtures = [
        Fixture(
            connector: "oneroster_api", folder: "oneroster-api-district", origin: "https://oneroster.sis.example",
            scenario: [:], flags: ["total_count": true, "link": true]),
        Fixture(
            connector: "powerschool", folder: "powerschool-district", origin: "https://powerschool.sis.example",
            scenario: ["paging": "page", "token_path": "/oauth/access_token"], flags: ["count": true]),
        Fixture(
            connector: "edfi", folder: "edfi-district", origin: "https://edfi.sis.example",
            scenario: ["prefix": "/data/v3/ed-fi/"], flags: ["bare": true]),
    ]

    /// Records `fixture` from the local provider into `target` and returns the run and the provider's address.
    static func record(_ fixture: Fixture, into target: String, directory: TemporaryDirectory) throws
        -> (ProcessOutput, String)
    {
        var scenario: [String: Any] = [
            "client_id": "rollbook-test", "client_secret": "recorded-secret", "data_dir": fixture.path,
        ]
        scenario.merge(fixture.scenario) { _, given in given }
        scenario.merge(fixture.flags) { _, given in given }
        let server = try OneRosterAPIServer(scenario: scenario, directory: directory)
        let committed = try String(contentsOfFile: fixture.path + "/settings.lua", encoding: .utf8)
        let live = directory.file("live.lua")
        try committed.replacingOccurrences(of: fixture.origin, with: server.base)
            .write(toFile: live, atomically: true, encoding: .utf8)
        let output = try runRollbook(
            ["connector", "run", fixture.connector, "--settings", live, "--record", target, "--json"], timeout: 60)
        return (output, server.base)
    }

    /// Returns the recorded exchanges of `folder/http` by file name, each with `base` rewritten to `origin`.
    static func exchanges(in folder: String, base: String? = nil, origin: String = "") throws -> [String: String] {
        let http = folder + "/http"
        var files: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: http) where name.hasSuffix(".json") {
            let text = try String(contentsOfFile: http + "/" + name, encoding: .utf8)
            files[name] = base.map { text.replacingOccurrences(of: $0, with: origin) } ?? text
        }
        return files
    }

    static func counts(_ output: ProcessOutput) -> [String: Int] {
        let entities = ConnectorCommandTests.object(output)["entities"] as? [String: Any] ?? [:]
        return entities.compactMapValues { ($0 as? [String: Any])?["count"] as? Int }
    }

    @Test(arguments: fixtures)
    func recordingMatchesProvider(_ fixture: Fixture) throws {
        let directory = try TemporaryDirectory()
        let target = directory.file("recorded")
        let (live, base) = try Self.record(fixture, into: target, directory: directory)
        #expect(live.status == 0, "\(live)")
        let fresh = try Self.exchanges(in: target, base: base, origin: fixture.origin)
        #expect(fresh.count > 5, "\(fresh.keys.sorted())")

        if ProcessInfo.processInfo.environment["ROLLBOOK_UPDATE_FIXTURES"] == "1" {
            let http = fixture.path + "/http"
            try? FileManager.default.removeItem(atPath: http)
            try FileManager.default.createDirectory(atPath: http, withIntermediateDirectories: true)
            for (name, text) in fresh {
                try text.write(toFile: http + "/" + name, atomically: true, encoding: .utf8)
            }
        }

        let committed = try Self.exchanges(in: fixture.path)
        #expect(committed.keys.sorted() == fresh.keys.sorted())
        for name in fresh.keys.sorted() where committed[name] != fresh[name] {
            let file = "connectors/sis/fixtures/\(fixture.folder)/http/\(name)"
            let message =
                "\(file) differs from a new recording; rerun with ROLLBOOK_UPDATE_FIXTURES=1 after a deliberate "
                + "change:\n\(fresh[name] ?? "")"
            Issue.record(Comment(rawValue: message))
        }
    }

    @Test(arguments: fixtures)
    func replayGivesLiveCounts(_ fixture: Fixture) throws {
        let directory = try TemporaryDirectory()
        let (live, _) = try Self.record(fixture, into: directory.file("recorded"), directory: directory)

        let replayed = try runRollbook(["connector", "run", fixture.connector, "--fixtures", fixture.path, "--json"])

        #expect(live.status == 0, "\(live)")
        #expect(replayed.status == 0, "\(replayed)")
        #expect(Self.counts(replayed) == Self.counts(live), "\(replayed)")
        #expect(Self.counts(replayed)["users"] ?? 0 >= 3, "\(replayed)")
        #expect(Self.counts(replayed)["enrollments"] ?? 0 >= 3, "\(replayed)")
    }
}
