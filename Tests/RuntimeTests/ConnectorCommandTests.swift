import Foundation
import Testing

/// `rollbook connector check` and `connector run`, run through the real binary.
@Suite struct ConnectorCommandTests {
    static let fixture = (Paths.root as NSString).appendingPathComponent(
        "connectors/sis/fixtures/example-district")

    /// Returns the data rows of a fixture CSV file: its non-empty lines after the header.
    static func rowCount(_ file: String, in folder: String = fixture) throws -> Int {
        let text = try String(contentsOfFile: (folder as NSString).appendingPathComponent(file), encoding: .utf8)
        return text.split(whereSeparator: \.isNewline).count - 1
    }

    static func object(_ output: ProcessOutput) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    static func entity(_ name: String, in output: ProcessOutput) -> [String: Any] {
        ((object(output)["entities"] as? [String: Any])?[name] as? [String: Any]) ?? [:]
    }

    @Test func checkPassesForDistrict() throws {
        let folder = try TemporaryDirectory()
        let config = try folder.writeConfig(districts: [("north", Self.fixture)])

        let output = try runRollbook(["connector", "check", "oneroster_csv", "--config", config])

        #expect(output.status == 0, "\(output)")
        #expect(output.stdout.contains("oneroster_csv 1.0.0"), "\(output)")
        #expect(output.stdout.contains("District north: settings ok, check ok"), "\(output)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("rollbook.sqlite")))
    }

    @Test func checkFailsOnMissingFolder() throws {
        let folder = try TemporaryDirectory()
        let missing = folder.file("no-such-export")
        let config = try folder.writeConfig(districts: [("north", Self.fixture), ("south", missing)])

        let output = try runRollbook(["connector", "check", "oneroster_csv", "--config", config, "--json"])

        #expect(output.status == 2, "\(output)")
        let document = Self.object(output)
        #expect(document["status"] as? String == "failed")
        #expect(document["version"] as? String == "1.0.0")
        let districts = document["districts"] as? [[String: Any]] ?? []
        #expect(districts.count == 2)
        #expect(districts.first?["status"] as? String == "ok")
        #expect(districts.last?["district"] as? String == "south")
        #expect(districts.last?["status"] as? String == "failed")
        let error = districts.last?["error"] as? String ?? ""
        #expect(error.contains(missing), "\(output)")
    }

    @Test func checkOneDistrictOnly() throws {
        let folder = try TemporaryDirectory()
        let config = try folder.writeConfig(
            districts: [("north", Self.fixture), ("south", folder.file("no-such-export"))])

        let output = try runRollbook([
            "connector", "check", "oneroster_csv", "--config", config, "--district", "north", "--json",
        ])

        #expect(output.status == 0, "\(output)")
        let districts = Self.object(output)["districts"] as? [[String: Any]] ?? []
        #expect(districts.map { $0["district"] as? String } == ["north"])
    }

    @Test func checkRejectsDistrictOfOtherConnector() throws {
        let folder = try TemporaryDirectory()
        let config = try folder.writeConfig(districts: [("north", Self.fixture)])

        let output = try runRollbook(["connector", "check", "sds", "--config", config, "--district", "north"])

        #expect(output.status == 2, "\(output)")
        #expect(output.stderr.contains("district 'north' uses connector 'oneroster_csv', not 'sds'"), "\(output)")
    }

    @Test func checkContractOnlyWithoutDistrict() throws {
        let folder = try TemporaryDirectory()
        let config = try folder.writeConfig(districts: [("north", Self.fixture)])

        let output = try runRollbook(["connector", "check", "sds", "--config", config, "--json"])

        #expect(output.status == 0, "\(output)")
        let document = Self.object(output)
        #expect(document["status"] as? String == "ok")
        #expect((document["districts"] as? [Any])?.isEmpty == true)
        #expect((document["note"] as? String ?? "").contains("only the script's contract was checked"), "\(output)")
    }

    @Test func checkReportsContractError() throws {
        let folder = try TemporaryDirectory()
        let connectors = folder.file("connectors")
        try FileManager.default.createDirectory(atPath: connectors + "/sis", withIntermediateDirectories: true)
        let script = """
            return {
                name = "broken",
                version = "0.1.0",
                description = "Has a check but no sync",
                settings = {},
                check = function(ctx) return true end,
            }
            """
        try script.write(toFile: connectors + "/sis/broken.lua", atomically: true, encoding: .utf8)
        let config = try folder.writeConfig(
            districts: [("north", Self.fixture)], connector: "broken", connectorsDirectory: connectors)

        let text = try runRollbook(["connector", "check", "broken", "--config", config])
        let json = try runRollbook(["connector", "check", "broken", "--config", config, "--json"])

        #expect(text.status == 2, "\(text)")
        #expect(text.stdout.contains("contract failed"), "\(text)")
        #expect(text.stdout.contains("'sync' (function)"), "\(text)")
        #expect(json.status == 2, "\(json)")
        let document = Self.object(json)
        #expect(document["status"] as? String == "failed")
        #expect(document["version"] is NSNull)
        #expect((document["error"] as? String ?? "").contains("broken.lua"), "\(json)")
    }

    static let cleverFixture = (Paths.root as NSString).appendingPathComponent(
        "connectors/sis/fixtures/clever-district")

    @Test func checkUnknownConnector() throws {
        let folder = try TemporaryDirectory()
        let config = try folder.writeConfig(districts: [("north", Self.fixture)])

        let output = try runRollbook(["connector", "check", "no_such_sis", "--config", config])

        #expect(output.status == 2, "\(output)")
        #expect(output.stderr.contains("connector 'no_such_sis' not found at"), "\(output)")
        #expect(output.stderr.contains("the connectors there are clever_csv, edfi, generic_csv,"), "\(output)")
    }

    @Test func checkListsSettings() throws {
        let json = try runRollbook(["connector", "check", "powerschool", "--json"])
        let text = try runRollbook(["connector", "check", "powerschool"])

        let settings = Self.object(json)["settings"] as? [[String: Any]] ?? []
        #expect(
            settings.compactMap { $0["name"] as? String } == [
                "base_url", "client_id", "client_secret", "page_size", "retries", "school_year", "timeout",
            ])
        let secret = settings.first { $0["name"] as? String == "client_secret" }
        #expect(secret?["secret"] as? Bool == true)
        #expect(secret?["required"] as? Bool == true)
        let pageSize = settings.first { $0["name"] as? String == "page_size" }
        #expect(pageSize?["type"] as? String == "integer")
        #expect(pageSize?["default"] as? String == "100")
        #expect(text.stdout.contains("\n  Settings:\n    base_url (string, required): "), "\(text)")
        #expect(text.stdout.contains("    page_size (integer, default 100): Records per request"), "\(text)")
    }

    @Test func commandLineMistakeIsShort() throws {
        let output = try runRollbook(["connector", "run", "clever_csv", "--fixtures", "x", "--limit", "0"])

        #expect(output.status == 2, "\(output)")
        #expect(output.stderr.contains("--limit is '0'; expected a whole number of at least 1"), "\(output)")
        #expect(output.stderr.contains("Run `rollbook help` to see every command and option."), "\(output)")
        #expect(!output.stderr.contains("Usage:"), "\(output)")
    }

    @Test func settingsErrorNamesSettingsFile() throws {
        let folder = try TemporaryDirectory()
        let settings = folder.file("typo.lua")
        try #"return { pathh = "x" }"#.write(toFile: settings, atomically: true, encoding: .utf8)

        let output = try runRollbook([
            "connector", "run", "clever_csv", "--fixtures", Self.cleverFixture, "--settings", settings, "--json",
        ])

        #expect(output.status == 2, "\(output)")
        let error = Self.object(output)["error"] as? String ?? ""
        #expect(error.hasPrefix("\(settings): connector 'clever_csv':"), "\(error)")
        #expect(error.contains("unknown setting 'pathh'; did you mean 'path'?"), "\(error)")
    }

    @Test func runCountsMatchFixture() throws {
        let folder = try TemporaryDirectory()

        let output = try runRollbook(
            ["connector", "run", "oneroster_csv", "--fixtures", Self.fixture, "--json"], in: folder.path)

        #expect(output.status == 0, "\(output)")
        let files = [
            "orgs": "orgs.csv", "academicSessions": "academicSessions.csv", "courses": "courses.csv",
            "classes": "classes.csv", "users": "users.csv", "enrollments": "enrollments.csv",
            "demographics": "demographics.csv",
        ]
        for (entity, file) in files.sorted(by: { $0.key < $1.key }) {
            let counted = Self.entity(entity, in: output)["count"] as? Int
            #expect(counted == (try Self.rowCount(file)), "\(entity)")
            #expect(Self.entity(entity, in: output)["rejected"] as? Int == 0, "\(entity)")
        }
        // The run stores nothing, so the working folder stays empty.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test func runJSONShape() throws {
        let output = try runRollbook([
            "connector", "run", "oneroster_csv", "--fixtures", Self.fixture, "--limit", "2", "--json",
        ])

        #expect(output.status == 0, "\(output)")
        let document = Self.object(output)
        #expect(document["status"] as? String == "validated")
        #expect(document["error"] is NSNull)
        #expect(document["findings"] is [Any])
        #expect(document["findingCounts"] is [Any])
        let users = Self.entity("users", in: output)
        let records = users["records"] as? [[String: String]] ?? []
        #expect(records.count == 2)
        #expect(records.first?["sourcedId"] == "50cca7e5-dfa0-4469-0894-ad25828cea34")
        #expect(records.first?["username"] == "khadija.ortiz")
        #expect(records.first?["role"] == "student")
        // Blank fields are left out of a record.
        #expect(records.first?["sms"] == nil)
    }

    @Test func runTextShowsSamples() throws {
        let output = try runRollbook([
            "connector", "run", "oneroster_csv", "--fixtures", Self.fixture, "--limit", "1",
        ])

        #expect(output.status == 0, "\(output)")
        #expect(output.stdout.contains("users: \(try Self.rowCount("users.csv")) accepted, 0 rejected"), "\(output)")
        #expect(output.stdout.contains("username=khadija.ortiz"), "\(output)")
        #expect(!output.stdout.contains("username=eliana.goldberg"), "\(output)")
        #expect(output.stdout.contains("validated"), "\(output)")
    }

    @Test func runReportsFindings() throws {
        let folder = try TemporaryDirectory()
        let copy = folder.file("export")
        try FileManager.default.copyItem(atPath: Self.fixture, toPath: copy)
        let users = (copy as NSString).appendingPathComponent("users.csv")
        let text = try String(contentsOfFile: users, encoding: .utf8)
        guard let range = text.range(of: ",student,khadija.ortiz,") else {
            Issue.record("the fixture's first user is no longer khadija.ortiz")
            return
        }
        try text.replacingCharacters(in: range, with: ",pupil,khadija.ortiz,")
            .write(toFile: users, atomically: true, encoding: .utf8)

        let output = try runRollbook(["connector", "run", "oneroster_csv", "--fixtures", copy, "--json"])

        #expect(output.status == 1, "\(output)")
        let findings = Self.object(output)["findings"] as? [[String: Any]] ?? []
        let role = findings.first { $0["value"] as? String == "pupil" }
        #expect(role?["field"] as? String == "role", "\(output)")
        #expect(role?["file"] as? String == "users.csv", "\(output)")
        #expect(role?["row"] as? Int == 2, "\(output)")
        #expect(Self.entity("users", in: output)["rejected"] as? Int == 1)
    }

    @Test func runReadsSettingsFile() throws {
        let folder = try TemporaryDirectory()
        let good = folder.file("good.lua")
        try "return { encoding = \"utf-8\", version = \"1.1\" }".write(toFile: good, atomically: true, encoding: .utf8)
        let bad = folder.file("bad.lua")
        try "encodng = \"utf-8\"".write(toFile: bad, atomically: true, encoding: .utf8)

        let accepted = try runRollbook([
            "connector", "run", "oneroster_csv", "--fixtures", Self.fixture, "--settings", good, "--json",
        ])
        let rejected = try runRollbook([
            "connector", "run", "oneroster_csv", "--fixtures", Self.fixture, "--settings", bad, "--json",
        ])

        #expect(accepted.status == 0, "\(accepted)")
        #expect(rejected.status == 2, "\(rejected)")
        #expect(Self.object(rejected)["status"] as? String == "failed")
        let error = Self.object(rejected)["error"] as? String ?? ""
        #expect(error.contains("unknown setting 'encodng'; did you mean 'encoding'?"), "\(rejected)")
    }

    @Test func runMissingFixtures() throws {
        let folder = try TemporaryDirectory()

        let output = try runRollbook([
            "connector", "run", "oneroster_csv", "--fixtures", folder.file("absent"),
        ])

        #expect(output.status == 2, "\(output)")
        #expect(output.stderr.contains("the --fixtures path"), "\(output)")
        #expect(output.stderr.contains("does not exist"), "\(output)")
    }

    @Test(arguments: [
        (["connector"], "Unknown connector command; expected"),
        (["connector", "list"], "Unknown connector command 'list'"),
        (["connector", "check"], "Missing argument: NAME."),
        (["connector", "check", "../oneroster_csv"], "NAME is '../oneroster_csv'"),
        (["connector", "check", "a", "b"], "Unexpected argument 'b'."),
        (["connector", "run", "oneroster_csv"], "needs --fixtures DIR"),
        (["connector", "run", "oneroster_csv", "--fixtures"], "Option --fixtures needs a value."),
        (["connector", "run", "oneroster_csv", "--fixtures", "d", "--limit", "0"], "Option --limit is '0'"),
        (["connector", "run", "oneroster_csv", "--fixtures", "d", "--district", "x"], "Unknown option '--district'."),
    ])
    func badArguments(arguments: [String], message: String) throws {
        let output = try runRollbook(arguments)

        #expect(output.status == 2, "\(output)")
        #expect(output.stderr.contains(message), "\(output)")
        #expect(output.stdout.isEmpty, "\(output)")
    }
}
