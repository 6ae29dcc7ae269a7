import Foundation
import TestFixtures
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

        var description: String { folder }
        var path: String { (Paths.root as NSString).appendingPathComponent("connectors/sis/fixtures/\(folder)") }
    }

    static let fixtures = [
        Fixture(
            connector: "oneroster_api", folder: "oneroster-api-district", origin: "https://oneroster.sis.example",
            scenario: [:], flags: ["total_count": true, "link": true]),
        Fixture(
            connector: "oneroster_api", folder: "oneroster-api-v1p2", origin: "https://oneroster12.sis.example",
            scenario: ["prefix": "/ims/oneroster/rostering/v1p2/"], flags: [:]),
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

    /// Returns the recordings in `folder/kind` by file name, each with `base` rewritten to `origin`.
    static func recordings(
        in folder: String, kind: String = "http", base: String? = nil, origin: String = ""
    ) throws -> [String: String] {
        let recorded = folder + "/" + kind
        var files: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: recorded) where name.hasSuffix(".json") {
            let text = try String(contentsOfFile: recorded + "/" + name, encoding: .utf8)
            files[name] = base.map { text.replacingOccurrences(of: $0, with: origin) } ?? text
        }
        return files
    }

    /// Compares a fresh recording with the committed one in `fixtures/kind`, or replaces the committed one when
    /// ROLLBOOK_UPDATE_FIXTURES is 1.
    static func compare(_ fresh: [String: String], with fixtures: String, kind: String) throws {
        let committedFolder = fixtures + "/" + kind
        if ProcessInfo.processInfo.environment["ROLLBOOK_UPDATE_FIXTURES"] == "1" {
            try? FileManager.default.removeItem(atPath: committedFolder)
            try FileManager.default.createDirectory(atPath: committedFolder, withIntermediateDirectories: true)
            for (name, text) in fresh {
                try text.write(toFile: committedFolder + "/" + name, atomically: true, encoding: .utf8)
            }
        }

        let committed = try recordings(in: fixtures, kind: kind)
        #expect(committed.keys.sorted() == fresh.keys.sorted())
        for name in fresh.keys.sorted() where committed[name] != fresh[name] {
            let file = "\(committedFolder)/\(name)"
            let message =
                "\(file) differs from a new recording; rerun with ROLLBOOK_UPDATE_FIXTURES=1 after a deliberate "
                + "change:\n\(fresh[name] ?? "")"
            Issue.record(Comment(rawValue: message))
        }
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
        let fresh = try Self.recordings(in: target, base: base, origin: fixture.origin)
        // At least a token request, `check` and one page of `sync`.
        #expect(fresh.count >= 3, "\(fresh.keys.sorted())")
        try Self.compare(fresh, with: fixture.path, kind: "http")
    }

    @Test(arguments: fixtures)
    func replayGivesLiveCounts(_ fixture: Fixture) throws {
        let directory = try TemporaryDirectory()
        let (live, _) = try Self.record(fixture, into: directory.file("recorded"), directory: directory)

        let replayed = try runRollbook(["connector", "run", fixture.connector, "--fixtures", fixture.path, "--json"])

        #expect(live.status == 0, "\(live)")
        #expect(replayed.status == 0, "\(replayed)")
        #expect(Self.counts(replayed) == Self.counts(live), "\(replayed)")
        #expect(Self.counts(replayed)["users"] ?? 0 >= 2, "\(replayed)")
    }
}

/// The recorded LDAP fixture of ldap_users: slapd loaded with the folder's directory.ldif and searched with the
/// settings in its settings.lua, recorded into `ldap/` with slapd's address rewritten to the one in settings.lua.
@Suite(.serialized, .enabled(if: !slapdMissing, "slapd or slapadd is not installed"))
struct ConnectorLDAPFixtureTests {
    static let folder = (Paths.root as NSString).appendingPathComponent("connectors/sis/fixtures/ldap-directory")
    static let origin = "ldap://ldap.sis.example:389"

    /// Records ldap_users from slapd into `target` and returns the run and slapd's URL.
    static func record(into target: String, directory: TemporaryDirectory) throws -> (ProcessOutput, String) {
        let pki = try LDAPTestPKI.shared.get()
        let server = try SlapdServer(
            suffix: "dc=lakeside-usd,dc=example",
            ldif: try String(contentsOfFile: folder + "/directory.ldif", encoding: .utf8),
            certificate: pki.serverCertificate, key: pki.serverKey, caFile: pki.districtCA)
        let committed = try String(contentsOfFile: folder + "/settings.lua", encoding: .utf8)
        let live = directory.file("live.lua")
        try committed.replacingOccurrences(of: origin, with: server.ldapURL)
            .write(toFile: live, atomically: true, encoding: .utf8)
        let output = try runRollbook(
            ["connector", "run", "ldap_users", "--settings", live, "--record", target, "--json"], timeout: 60)
        return (output, server.ldapURL)
    }

    @Test func recordingMatchesDirectory() throws {
        let directory = try TemporaryDirectory()
        let target = directory.file("recorded")
        let (live, url) = try Self.record(into: target, directory: directory)
        #expect(live.status == 0, "\(live)")
        let fresh = try ConnectorFixtureRecordingTests.recordings(
            in: target, kind: "ldap", base: url, origin: Self.origin)

        // check and sync each search once.
        #expect(fresh.keys.sorted() == ["0001.json", "0002.json"])
        #expect(!FileManager.default.fileExists(atPath: target + "/http"))
        try ConnectorFixtureRecordingTests.compare(fresh, with: Self.folder, kind: "ldap")
    }

    @Test func replayGivesLiveUsers() throws {
        let directory = try TemporaryDirectory()
        let (live, _) = try Self.record(into: directory.file("recorded"), directory: directory)

        let replayed = try runRollbook(["connector", "run", "ldap_users", "--fixtures", Self.folder, "--json"])

        #expect(live.status == 0, "\(live)")
        #expect(replayed.status == 0, "\(replayed)")
        let counts = ConnectorFixtureRecordingTests.counts(replayed)
        #expect(counts == ConnectorFixtureRecordingTests.counts(live), "\(replayed)")
        #expect(counts == ["orgs": 2, "users": 8], "\(replayed)")
        let entities = ConnectorCommandTests.object(replayed)["entities"] as? [String: Any]
        let users = (entities?["users"] as? [String: Any])?["records"] as? [[String: Any]] ?? []
        let first = users.first { $0["sourcedId"] as? String == "20011" }
        #expect(first?["username"] as? String == "lh-t1", "\(users)")
        #expect(first?["role"] as? String == "teacher", "\(users)")
        #expect(first?["orgSourcedIds"] as? String == "lakeside-high", "\(users)")
        #expect(first?["email"] as? String == "lh-t1@lakeside-usd.example", "\(users)")
    }

    @Test func replayWithoutRecordingFails() throws {
        let directory = try TemporaryDirectory()
        let settings = directory.file("other.lua")
        try #"return { filter = "(objectClass=person)" }"#.write(toFile: settings, atomically: true, encoding: .utf8)

        let replayed = try runRollbook([
            "connector", "run", "ldap_users", "--fixtures", Self.folder, "--settings", settings, "--json",
        ])

        #expect(replayed.status == 2, "\(replayed)")
        let error = ConnectorCommandTests.object(replayed)["error"] as? String ?? ""
        #expect(error.contains("No recording for the LDAP search of 'dc=lakeside-usd,dc=example'"), "\(error)")
        #expect(error.contains("'(objectClass=person)'"), "\(error)")
    }
}
