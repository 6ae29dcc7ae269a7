import Foundation
import OneRoster
import Store
import Testing

/// A connector that emits one school and `count` students record by record, and raises after
/// `fail_after` students when that setting is given.
private let emittingConnector = """
    return {
        name = "emitting",
        version = "1.0.0",
        description = "Emits a small roster record by record",
        settings = {
            path = { type = "string", required = true, description = "unused label" },
            count = { type = "integer", default = 3, description = "students to emit" },
            fail_after = { type = "integer", description = "raise after this many students" },
            surname = { type = "string", default = "Quill", description = "family name of every student" },
            fail_check = { type = "boolean", default = false, description = "make check fail" },
            with_roles = { type = "boolean", default = false, description = "emit 1.2 users and roles" },
        },
        check = function(ctx)
            if ctx.settings.fail_check then return nil, "the SIS is unreachable" end
            return true
        end,
        sync = function(ctx)
            ctx.emit("orgs", { sourcedId = "sch-1", name = "North School", type = "school" })
            for i = 1, ctx.settings.count do
                if ctx.settings.fail_after and i > ctx.settings.fail_after then
                    error("the SIS stopped answering")
                end
                local user = {
                    sourcedId = "u-" .. i,
                    enabledUser = true,
                    username = "student" .. i,
                    givenName = "Avery",
                    familyName = ctx.settings.surname,
                    grades = { "07" },
                    userIds = { { type = "LDAP", identifier = "ldap-" .. i } },
                    metadata = { house = "Red" },
                    colour = "blue",
                }
                if ctx.settings.with_roles then
                    ctx.emit("roles", {
                        sourcedId = "r-" .. i, userSourcedId = "u-" .. i, roleType = "primary", role = "student",
                        orgSourcedId = { sourcedId = "sch-1" },
                    })
                else
                    user.orgSourcedIds = { "sch-1" }
                    user.role = "student"
                end
                ctx.emit("users", user)
            end
        end,
    }
    """

/// Writes the emitting connector into a connectors folder inside `directory`, and a config using it.
private func setUp(_ directory: TemporaryDirectory, settings: String) throws -> String {
    let sis = directory.file("connectors/sis")
    try FileManager.default.createDirectory(atPath: sis, withIntermediateDirectories: true)
    try emittingConnector.write(toFile: sis + "/emitting.lua", atomically: true, encoding: .utf8)
    return try directory.writeConfig(
        districts: [("d1", "roster")], connector: "emitting", settings: settings,
        connectorsDirectory: directory.file("connectors"))
}

/// Returns every stored record of a district as (entity, sourcedId, hash), for before/after comparisons.
private func snapshot(_ path: String, district: String = "d1") throws -> [String] {
    let store = try SnapshotStore(path: path)
    var rows: [String] = []
    for entity in Entity.allCases {
        try store.forEachHash(district: district, entity: entity) { id, hash in
            rows.append("\(entity.rawValue)/\(id)/\(hash)")
        }
    }
    return rows
}

struct ConnectorRunTests {
    @Test func emittedRecordsStoredCanonically() throws {
        let directory = try TemporaryDirectory()
        let config = try setUp(directory, settings: "")
        let output = try runRollbook(["sync", "--config", config, "--json"])
        #expect(output.status == 0, "\(output)")
        #expect(output.count("users", "accepted") == 3)
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        let user = try #require(try store.record(district: "d1", entity: .users, sourcedId: "u-2"))
        #expect(user["userIds"] == "{LDAP:ldap-2}")
        #expect(user["orgSourcedIds"] == "sch-1")
        #expect(user["enabledUser"] == "true")
        #expect(user["metadata.house"] == "Red")
    }

    @Test func unknownEmittedFieldKeptWithNote() throws {
        let directory = try TemporaryDirectory()
        let output = try runRollbook(["sync", "--config", try setUp(directory, settings: ""), "--json"])
        let note = try #require(output.findings(rule: "header.extension").first)
        #expect(note["file"] as? String == "emit:users")
        #expect(note["field"] as? String == "colour")
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        #expect(try store.record(district: "d1", entity: .users, sourcedId: "u-1")?["colour"] == "blue")
    }

    @Test func emittedRolesMakeVersion12() throws {
        let directory = try TemporaryDirectory()
        let output = try runRollbook([
            "sync", "--config", try setUp(directory, settings: "with_roles = true"), "--json",
        ])
        #expect(output.status == 0, "\(output)")
        #expect(output.count("users", "accepted") == 3)
        #expect(output.count("roles", "accepted") == 3)
    }

    @Test func failingCheckStopsRun() throws {
        let directory = try TemporaryDirectory()
        let output = try runRollbook([
            "sync", "--config", try setUp(directory, settings: "fail_check = true"), "--json",
        ])
        #expect(output.status == 2)
        #expect((output.firstRun?["error"] as? String)?.contains("the SIS is unreachable") == true, "\(output)")
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        #expect(try store.count(district: "d1", entity: .users) == 0)
    }

    @Test func bareCommandIsUsageError() throws {
        let output = try runRollbook([])
        #expect(output.status == 2)
        #expect(output.stderr.contains("Usage:"))
    }

    @Test func connectorRaisingHalfwayStoresNothing() throws {
        let directory = try TemporaryDirectory()
        let config = try setUp(directory, settings: "count = 5")
        #expect(try runRollbook(["sync", "--config", config]).status == 0)
        let before = try snapshot(directory.file("rollbook.sqlite"))
        #expect(before.count == 6)

        let failing = try setUp(directory, settings: "count = 5, fail_after = 2, surname = \"Changed\"")
        let output = try runRollbook(["sync", "--config", failing, "--json"])
        #expect(output.status == 2)
        #expect(output.firstRun?["status"] as? String == "failed")
        let error = try #require(output.firstRun?["error"] as? String)
        #expect(error.contains("emitting.lua:"))
        #expect(error.contains("the SIS stopped answering"))
        #expect(try snapshot(directory.file("rollbook.sqlite")) == before)
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        #expect(try store.runs(district: "d1").first?.status == .failed)
    }

    @Test func unknownSettingIsConfigError() throws {
        let directory = try TemporaryDirectory()
        let config = try setUp(directory, settings: "cuont = 4")
        let output = try runRollbook(["sync", "--config", config])
        #expect(output.status == 2)
        #expect(output.stdout.contains("unknown setting 'cuont'; known settings are count, "), "\(output)")
    }

    @Test func missingRequiredSettingIsConfigError() throws {
        let directory = try TemporaryDirectory()
        let config = try directory.writeConfig(districts: [("d1", "")])
        let text = try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(
            of: "path = \"\", ", with: "")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let output = try runRollbook(["sync", "--config", config])
        #expect(output.status == 2)
        #expect(output.stdout.contains("missing required setting 'path'"), "\(output)")
    }

    @Test func unknownConfigKeyNamed() throws {
        let directory = try TemporaryDirectory()
        let config = directory.file("config.lua")
        try "store = \"x.sqlite\"\ndistricts = {}\nstroe = 1\n".write(toFile: config, atomically: true, encoding: .utf8)
        let output = try runRollbook(["sync", "--config", config])
        #expect(output.status == 2)
        #expect(output.stderr.contains("unknown key 'stroe'; did you mean 'store'?"), "\(output)")
    }

    @Test func unknownDistrictIsUsageError() throws {
        let directory = try TemporaryDirectory()
        let config = try setUp(directory, settings: "")
        let output = try runRollbook(["sync", "--config", config, "--district", "nowhere"])
        #expect(output.status == 2)
        #expect(output.stderr.contains("no district 'nowhere'"), "\(output)")
    }

    @Test(.enabled(if: Paths.sharedPath("cases/B09") != nil, "../shared/cases is absent"))
    func rejectedRecordKeepsStoredVersion() throws {
        let directory = try TemporaryDirectory()
        let base = try #require(Paths.sharedPath("cases/B09"))
        let day1 = directory.file("day1")
        try FileManager.default.copyItem(atPath: base, toPath: day1)
        // Day 1 has a single u-900; day 2 is the case itself, where u-900 appears twice.
        let users = try String(contentsOfFile: day1 + "/users.csv", encoding: .utf8)
        var lines = users.split(separator: "\n", omittingEmptySubsequences: false)
        lines.remove(at: 2)
        try lines.joined(separator: "\n").write(toFile: day1 + "/users.csv", atomically: true, encoding: .utf8)

        let config = try directory.writeConfig(districts: [("d1", day1)])
        #expect(try runRollbook(["sync", "--config", config]).status == 0)
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        let before = try #require(try store.record(district: "d1", entity: .users, sourcedId: "u-900"))
        #expect(before["username"] == "tmoss")

        let day2 = try directory.writeConfig(districts: [("d1", base)])
        #expect(try runRollbook(["sync", "--config", day2]).status == 1)
        let after = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        #expect(try after.record(district: "d1", entity: .users, sourcedId: "u-900") == before)
        #expect(try after.count(district: "d1", entity: .users) == 3)
    }
}

/// A package that delivers only some entities: references to the others resolve against the stored snapshot.
@Suite(.enabled(if: Paths.sharedPath("cases/B12") != nil, "../shared/cases is absent"))
struct PartialPackageTests {
    /// Copies case B12 and marks every file but `kept` absent in its manifest (and removes them).
    private func partialCopy(keeping kept: Set<String>, in directory: TemporaryDirectory) throws -> String {
        let source = try #require(Paths.sharedPath("cases/B12"))
        let target = directory.file("partial")
        try FileManager.default.copyItem(atPath: source, toPath: target)
        var manifest = try String(contentsOfFile: target + "/manifest.csv", encoding: .utf8)
        for entity in Entity.allCases where !kept.contains(entity.rawValue) {
            manifest = manifest.replacingOccurrences(
                of: "\(entity.manifestKey),bulk", with: "\(entity.manifestKey),absent")
            try? FileManager.default.removeItem(atPath: target + "/" + entity.fileName)
        }
        try manifest.write(toFile: target + "/manifest.csv", atomically: true, encoding: .utf8)
        return target
    }

    @Test func absentEntitiesResolveAgainstStore() throws {
        let directory = try TemporaryDirectory()
        let full = try #require(Paths.sharedPath("cases/B12"))
        let config = try directory.writeConfig(districts: [("d1", full)])
        #expect(try runRollbook(["sync", "--config", config]).status == 1)

        let partial = try partialCopy(keeping: ["enrollments"], in: directory)
        let output = try runRollbook([
            "sync", "--config", try directory.writeConfig(districts: [("d1", partial)]), "--json",
        ])
        #expect(output.count("enrollments", "accepted") == 3, "\(output)")
        #expect(output.findings(rule: "ref.missing").isEmpty)
        // The stored class cls-2 still belongs to sch-A, so e-4 is rejected as before.
        #expect(output.findings(rule: "enrollment.school-mismatch").map { $0["sourcedId"] as? String } == ["e-4"])
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        #expect(try store.count(district: "d1", entity: .users) == 4)
        #expect(try store.count(district: "d1", entity: .classes) == 2)
    }

    @Test func removedOrgReportedForKeptUsers() throws {
        let directory = try TemporaryDirectory()
        let full = try #require(Paths.sharedPath("cases/B12"))
        #expect(
            try runRollbook(["sync", "--config", try directory.writeConfig(districts: [("d1", full)])]).status == 1)

        // Only orgs.csv is delivered, and it no longer has sch-B, which the stored user u-1204 belongs to.
        let partial = try partialCopy(keeping: ["orgs"], in: directory)
        let orgs = try String(contentsOfFile: partial + "/orgs.csv", encoding: .utf8)
        try orgs.split(separator: "\n").filter { !$0.hasPrefix("sch-B,") }.joined(separator: "\n")
            .write(toFile: partial + "/orgs.csv", atomically: true, encoding: .utf8)
        // One school of few is over the default safety limit; this test is about what a published run reports.
        let output = try runRollbook([
            "sync", "--config",
            try directory.writeConfig(districts: [("d1", partial)], extra: ", safety = { removed = 1 }"), "--json",
        ])
        let dangling = output.findings(rule: "ref.dangling")
        #expect(dangling.map { $0["sourcedId"] as? String } == ["u-1204"], "\(output)")
        #expect(dangling.first?["value"] as? String == "sch-B")
        #expect(dangling.first?["severity"] as? String == "warning")
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        // The removed school stays as a tombstone; the kept user still points to it.
        #expect(try store.record(district: "d1", entity: .orgs, sourcedId: "sch-B")?["status"] == "tobedeleted")
        #expect(try store.record(district: "d1", entity: .users, sourcedId: "u-1204") != nil)
    }

    @Test func missingBulkFileKeepsStoredRecords() throws {
        let directory = try TemporaryDirectory()
        let full = try #require(Paths.sharedPath("cases/B12"))
        let config = try directory.writeConfig(districts: [("d1", full)])
        #expect(try runRollbook(["sync", "--config", config]).status == 1)

        // courses.csv is gone while the manifest still marks it bulk.
        let copy = directory.file("nocourses")
        try FileManager.default.copyItem(atPath: full, toPath: copy)
        try FileManager.default.removeItem(atPath: copy + "/courses.csv")
        let output = try runRollbook([
            "sync", "--config", try directory.writeConfig(districts: [("d1", copy)]), "--json",
        ])
        #expect(output.findings(rule: "package.missing-file").first?["file"] as? String == "courses.csv")
        #expect(output.count("classes", "accepted") == 2, "\(output)")
        #expect(output.findings(rule: "ref.missing").isEmpty)
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        #expect(try store.count(district: "d1", entity: .courses) == 1)
    }
}
