import Foundation
import OneRoster
import Store
import Testing

/// A connector that emits a school, a term, a course, a class, `count` students with extensions and metadata, and
/// an enrollment per student. Student 2 has the invalid role `Student`, to pin the row of a finding.
private let spoolConnector = """
    return {
        name = "spooled",
        version = "1.0.0",
        description = "Emits a roster with extensions record by record",
        settings = {
            path = { type = "string", required = true, description = "unused label" },
            count = { type = "integer", default = 3, description = "students to emit" },
        },
        check = function() return true end,
        sync = function(ctx)
            ctx.emit("orgs", { sourcedId = "sch-1", name = "École Nord ✓", type = "school", identifier = "" })
            ctx.emit("academicSessions", { sourcedId = "t-1", title = "Fall", type = "term",
                startDate = "2026-08-01", endDate = "2026-12-20", schoolYear = 2027 })
            ctx.emit("courses", { sourcedId = "c-1", title = "Algebra", orgSourcedId = { sourcedId = "sch-1" } })
            ctx.emit("classes", { sourcedId = "k-1", title = "Algebra 1", classType = "scheduled",
                courseSourcedId = "c-1", schoolSourcedId = "sch-1", termSourcedIds = { "t-1" },
                grades = { "07", "08" }, metadata = { room = "B12" } })
            for i = 1, ctx.settings.count do
                ctx.emit("users", {
                    sourcedId = "u-" .. i, enabledUser = i ~= 1, orgSourcedIds = { "sch-1" },
                    role = i == 2 and "Student" or "student", username = "student" .. i,
                    userIds = { { type = "LDAP", identifier = "ldap-" .. i } },
                    givenName = "Zoë", familyName = "Nguyễn", middleName = "", email = "s" .. i .. "@example.org",
                    grades = { "07" }, metadata = { house = "Red", note = "façade " .. i },
                    colour = "blue",
                })
                ctx.emit("enrollments", { sourcedId = "e-" .. i, classSourcedId = "k-1", schoolSourcedId = "sch-1",
                    userSourcedId = "u-" .. i, role = "student" })
            end
        end,
    }
    """

/// Writes the connector into a connectors folder inside `directory`, and a config using it with `count` students.
private func setUp(_ directory: TemporaryDirectory, count: Int) throws -> String {
    let sis = directory.file("connectors/sis")
    try FileManager.default.createDirectory(atPath: sis, withIntermediateDirectories: true)
    try spoolConnector.write(toFile: sis + "/spooled.lua", atomically: true, encoding: .utf8)
    return try directory.writeConfig(
        districts: [("d1", "roster")], connector: "spooled", settings: "count = \(count)",
        connectorsDirectory: directory.file("connectors"))
}

/// Returns the targets of the open file descriptors of process `pid` (empty once it has ended).
private func openFiles(of pid: Int32) -> [String] {
    let folder = "/proc/\(pid)/fd"
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return names.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: folder + "/" + $0) }
}

struct ConnectorEmitSpoolTests {
    @Test func emittedRecordsStoredExactly() throws {
        let directory = try TemporaryDirectory()
        let output = try runRollbook(["sync", "--config", try setUp(directory, count: 3), "--json"])
        // Status 1: the run committed, with the rejected student as an error finding.
        #expect(output.status == 1, "\(output)")
        #expect(output.firstRun?["status"] as? String == "committed")
        #expect(output.count("users", "accepted") == 2)
        #expect(output.count("users", "rejected") == 1)
        #expect(output.count("enrollments", "accepted") == 2)

        let role = try #require(output.findings(rule: "field.enum").first, "\(output.diagnostics)")
        #expect(role["file"] as? String == "emit:users")
        #expect(role["row"] as? Int == 2)
        #expect(role["value"] as? String == "Student")
        let extensionNote = try #require(output.findings(rule: "header.extension").first)
        #expect(extensionNote["file"] as? String == "emit:users")
        #expect(extensionNote["field"] as? String == "colour")

        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        let school = try #require(try store.record(district: "d1", entity: .orgs, sourcedId: "sch-1"))
        #expect(school["name"] == "École Nord ✓")
        #expect(school["identifier"] == nil)

        let user = try #require(try store.record(district: "d1", entity: .users, sourcedId: "u-3"))
        #expect(user["enabledUser"] == "true")
        #expect(user["username"] == "student3")
        #expect(user["userIds"] == "{LDAP:ldap-3}")
        #expect(user["givenName"] == "Zoë")
        #expect(user["familyName"] == "Nguyễn")
        #expect(user["middleName"] == nil)
        #expect(user["orgSourcedIds"] == "sch-1")
        #expect(user["grades"] == "07")
        #expect(
            user.extensions == [
                Extension(name: "colour", value: "blue"), Extension(name: "metadata.house", value: "Red"),
                Extension(name: "metadata.note", value: "façade 3"),
            ])
        let first = try #require(try store.record(district: "d1", entity: .users, sourcedId: "u-1"))
        #expect(first["enabledUser"] == "false")
        #expect(try store.record(district: "d1", entity: .users, sourcedId: "u-2") == nil)

        let section = try #require(try store.record(district: "d1", entity: .classes, sourcedId: "k-1"))
        #expect(section["grades"] == "07,08")
        #expect(section["termSourcedIds"] == "t-1")
        #expect(section.extensions == [Extension(name: "metadata.room", value: "B12")])
        let enrollment = try #require(try store.record(district: "d1", entity: .enrollments, sourcedId: "e-3"))
        #expect(enrollment["userSourcedId"] == "u-3")
        #expect(enrollment["classSourcedId"] == "k-1")
    }

    @Test func manyRecordsStoredAcrossBuffers() throws {
        // About 3 MB of users records: more than the 1 MiB buffer, so they are written and read back in parts.
        let directory = try TemporaryDirectory()
        let output = try runRollbook(["sync", "--config", try setUp(directory, count: 20_000), "--json"])
        #expect(output.status == 1, "\(output)")
        #expect(output.firstRun?["status"] as? String == "committed")
        #expect(output.count("users", "accepted") == 19_999)
        #expect(output.count("enrollments", "accepted") == 19_999)
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        let last = try #require(try store.record(district: "d1", entity: .users, sourcedId: "u-20000"))
        #expect(last["email"] == "s20000@example.org")
        #expect(last["metadata.note"] == "façade 20000")
        #expect(try store.count(district: "d1", entity: .users) == 19_999)
    }

    @Test func spoolNeverVisibleInTemporaryFolder() throws {
        let directory = try TemporaryDirectory()
        let config = try setUp(directory, count: 60_000)
        let temporary = directory.file("tmp")
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Paths.executable)
        process.arguments = ["sync", "--config", config, "--json"]
        var environment = ProcessInfo.processInfo.environment
        environment["TMPDIR"] = temporary
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()

        // Polls until the run ends, at most 180 s: the folder must stay empty while the spool files are open.
        var visible: Set<String> = []
        var spoolFiles: Set<String> = []
        let deadline = Date().addingTimeInterval(180)
        while process.isRunning && Date() < deadline {
            visible.formUnion((try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? [])
            for target in openFiles(of: process.processIdentifier)
            where target.hasPrefix(temporary + "/") {
                spoolFiles.insert(target)
            }
            usleep(2_000)
        }
        if process.isRunning {
            process.terminate()
            Issue.record("rollbook sync did not finish in 180 s")
        }
        process.waitUntilExit()

        #expect(process.terminationStatus == 1)
        #expect(visible.isEmpty, "\(visible.sorted())")
        #expect(!spoolFiles.isEmpty, "no open spool file was seen in \(temporary)")
        for target in spoolFiles { #expect(target.hasSuffix(" (deleted)"), "\(target)") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary) == [])
        #expect(try storedIds(directory, "users").count == 59_999)
    }

    @Test func fullDiskFailsRunKeepingSnapshot() throws {
        let directory = try TemporaryDirectory()
        let config = try setUp(directory, count: 3)
        #expect(try runRollbook(["sync", "--config", config, "--json"]).status == 1)
        let before = try snapshotHashes(directory)
        _ = try setUp(directory, count: 50_000)
        let temporary = directory.file("tmp")
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)

        // A 2 MiB file size limit simulates a full disk: a write past it fails with EFBIG, and the ignored
        // SIGXFSZ signal no longer ends the process. The store stays far smaller than the limit.
        let script = "ulimit -f 2048 && trap '' XFSZ && TMPDIR=\"$1\" exec \"$2\" sync --config \"$3\" --json"
        let output = try runProgram(
            "/bin/bash", ["-c", script, "bash", temporary, Paths.executable, config], timeout: 180)
        #expect(output.status == 2, "\(output)")
        let error = try #require(output.firstRun?["error"] as? String, "\(output)")
        #expect(
            error.contains(
                "could not write the emitted 'users' records to a temporary file in the temporary folder "
                    + "'\(temporary)': File too large (errno 27); free space there or set TMPDIR to a folder with "
                    + "more room"),
            "\(error)")
        #expect(try snapshotHashes(directory) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary) == [])
    }
}
