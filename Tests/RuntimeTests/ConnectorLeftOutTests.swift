import Foundation
import Testing

/// A connector with one school and `users` students. It handles the students in `left_out` as `handling` selects:
/// - `report` leaves them out with an error `ctx.report{entity = "users"}`, and `unnamed` does the same without
///   a sourcedId;
/// - `warning` emits them with a warning about each;
/// - `silent` drops them without a word;
/// - `invalid` emits them with a role the validator rejects.
///
/// `demographic_of` names a user who gets a demographics record.
private let leftOutConnector = """
    return {
        name = "leftout",
        version = "1.0.0",
        description = "Emits students and leaves some out",
        settings = {
            path = { type = "string", required = true, description = "unused label" },
            users = { type = "integer", default = 10, description = "students in the source" },
            left_out = { type = "string", default = "", description = "comma-separated ids to leave out" },
            handling = { type = "string", default = "report",
                description = "report, unnamed, warning, silent or invalid" },
            demographic_of = { type = "string", default = "", description = "user with a demographics record" },
        },
        check = function() return true end,
        sync = function(ctx)
            ctx.emit("orgs", { sourcedId = "sch-1", name = "North School", type = "school" })
            local skip = {}
            for id in ctx.settings.left_out:gmatch("[^,]+") do skip[id] = true end
            local handling = ctx.settings.handling
            for n = 1, ctx.settings.users do
                local id = "u-" .. n
                local user = { sourcedId = id, enabledUser = true, username = "student" .. n, givenName = "Avery",
                    familyName = "Quill", role = "student", orgSourcedIds = { "sch-1" } }
                if not skip[id] then
                    ctx.emit("users", user)
                elseif handling == "report" or handling == "unnamed" then
                    ctx.report { rule = "people.no-school", entity = "users", file = "people.json", row = n + 1,
                        field = "school", value = "", sourcedId = handling == "report" and id or nil,
                        message = "person '" .. id .. "' has no school; the user is left out" }
                elseif handling == "warning" then
                    ctx.report { rule = "people.nickname", severity = "warning", entity = "users",
                        file = "people.json", row = n + 1, sourcedId = id, message = "nickname ignored" }
                    ctx.emit("users", user)
                elseif handling == "invalid" then
                    user.role = "Pupil"
                    ctx.emit("users", user)
                end
            end
            if ctx.settings.demographic_of ~= "" then
                ctx.emit("demographics", { sourcedId = ctx.settings.demographic_of, birthDate = "2012-05-01" })
            end
        end,
    }
    """

/// Writes the connector and a config.lua with `settings`, and returns the config's path.
private func writeLeftOutConfig(_ directory: TemporaryDirectory, settings: String) throws -> String {
    let sis = directory.file("connectors/sis")
    try FileManager.default.createDirectory(atPath: sis, withIntermediateDirectories: true)
    try leftOutConnector.write(toFile: sis + "/leftout.lua", atomically: true, encoding: .utf8)
    return try directory.writeConfig(
        districts: [("d1", "roster")], connector: "leftout", settings: settings,
        connectorsDirectory: directory.file("connectors"))
}

/// Runs `rollbook sync --json` with the connector's `settings`.
private func syncLeftOut(_ directory: TemporaryDirectory, _ settings: String) throws -> ProcessOutput {
    try runRollbook(["sync", "--config", try writeLeftOutConfig(directory, settings: settings), "--json"])
}

/// Returns the JSON object a command printed, or an empty one.
private func jsonObject(_ output: ProcessOutput) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]) ?? [:]
}

struct ConnectorLeftOutTests {
    @Test func reportedUsersCountAsRejected() throws {
        let directory = try TemporaryDirectory()
        let output = try syncLeftOut(directory, "users = 5, left_out = \"u-2,u-4\"")

        // Exit status 1: records were rejected and everything else was stored.
        #expect(output.status == 1, "\(output)")
        #expect(output.firstRun?["status"] as? String == "committed")
        #expect(output.count("users", "rejected") == 2)
        #expect(output.count("users", "accepted") == 3)
        #expect(output.count("orgs", "rejected") == 0)
        let findings = output.findings(rule: "people.no-school")
        #expect(findings.map { $0["sourcedId"] as? String } == ["u-2", "u-4"])
        #expect(findings.map { $0["row"] as? Int } == [3, 5])
        #expect(try storedIds(directory, "users") == ["u-1", "u-3", "u-5"])

        // The run's stored report shows the same counts.
        let runId = try #require(output.firstRun?["run"] as? Int, "\(output)")
        let config = directory.file("config.lua")
        let report = jsonObject(try runRollbook(["report", "\(runId)", "--config", config, "--json"]))
        let counts = report["counts"] as? [String: [String: Int]]
        #expect(counts?["users"]?["rejected"] == 2)
        #expect(counts?["users"]?["accepted"] == 3)
    }

    @Test func connectorRunCountsReportedUsers() throws {
        let directory = try TemporaryDirectory()
        let settings = directory.file("settings.lua")
        try "users = 5\nleft_out = \"u-1,u-5\"\n".write(toFile: settings, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(
            atPath: directory.file("connectors/sis"), withIntermediateDirectories: true)
        try leftOutConnector.write(
            toFile: directory.file("connectors/sis/leftout.lua"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: directory.file("roster"), withIntermediateDirectories: true)

        let output = try runRollbook(
            ["connector", "run", "leftout", "--fixtures", "roster", "--settings", settings, "--json"],
            in: directory.path)
        #expect(output.status == 1, "\(output)")
        let entities = jsonObject(output)["entities"] as? [String: [String: Any]]
        #expect(entities?["users"]?["rejected"] as? Int == 2, "\(output)")
        #expect(entities?["users"]?["count"] as? Int == 3)
    }

    @Test func warningWithEntityIsNotCounted() throws {
        let directory = try TemporaryDirectory()
        let output = try syncLeftOut(directory, "users = 4, left_out = \"u-3\", handling = \"warning\"")
        #expect(output.status == 0, "\(output)")
        #expect(output.count("users", "rejected") == 0)
        #expect(output.count("users", "accepted") == 4)
        #expect(output.findings(rule: "people.nickname").first?["severity"] as? String == "warning")
    }

    @Test func recordReferringToReportedUserIsRejected() throws {
        let directory = try TemporaryDirectory()
        let output = try syncLeftOut(directory, "users = 3, left_out = \"u-2\", demographic_of = \"u-2\"")
        #expect(output.count("users", "rejected") == 1, "\(output)")
        #expect(output.count("demographics", "rejected") == 1)
        let reference = try #require(output.findings(rule: "ref.rejected").first, "\(output.diagnostics)")
        #expect(reference["value"] as? String == "u-2")
        #expect(try storedIds(directory, "demographics").isEmpty)
    }

    /// A later run that leaves out 3 of 10 stored users keeps their stored versions, as when the validator
    /// rejects them, so it removes nothing and stays under the default limit of 10% removed.
    @Test(arguments: ["report", "invalid"])
    func leftOutUsersKeepStoredVersions(handling: String) throws {
        let directory = try TemporaryDirectory()
        let first = try syncLeftOut(directory, "users = 10")
        #expect(first.status == 0, "\(first)")
        let before = try snapshotHashes(directory)

        let second = try syncLeftOut(directory, "users = 10, left_out = \"u-2,u-5,u-7\", handling = \"\(handling)\"")
        #expect(second.status == 1, "\(second)")
        #expect(second.firstRun?["status"] as? String == "committed")
        #expect(second.count("users", "rejected") == 3)
        #expect(second.count("users", "accepted") == 7)
        #expect(try storedIds(directory, "users").count == 10)
        #expect(try snapshotHashes(directory) == before)
    }

    @Test func silentlyDroppedUsersAreHeld() throws {
        let directory = try TemporaryDirectory()
        #expect(try syncLeftOut(directory, "users = 10").status == 0)

        let second = try syncLeftOut(directory, "users = 10, left_out = \"u-2,u-5,u-7\", handling = \"silent\"")
        #expect(second.status == 3, "\(second)")
        #expect(second.firstRun?["status"] as? String == "held")
        #expect(second.count("users", "rejected") == 0)
    }

    /// Without a sourcedId the host cannot tell which stored user was left out, so the record is counted as
    /// rejected but its stored version is removed, which the removal limit then catches.
    @Test func unnamedReportCountsButCannotKeepStoredUser() throws {
        let directory = try TemporaryDirectory()
        #expect(try syncLeftOut(directory, "users = 10").status == 0)

        let second = try syncLeftOut(directory, "users = 10, left_out = \"u-2,u-5,u-7\", handling = \"unnamed\"")
        #expect(second.status == 3, "\(second)")
        #expect(second.firstRun?["status"] as? String == "held")
        #expect(second.count("users", "rejected") == 3)
    }

    @Test func reportsWithoutEmittedUsersKeepStoredUsers() throws {
        let directory = try TemporaryDirectory()
        #expect(try syncLeftOut(directory, "users = 2").status == 0)

        // Every user is left out: the run emits no users, so the stored ones stay and the reports are counted.
        let second = try syncLeftOut(directory, "users = 2, left_out = \"u-1,u-2\"")
        #expect(second.status == 1, "\(second)")
        #expect(second.firstRun?["status"] as? String == "committed")
        #expect(second.count("users", "rejected") == 2)
        #expect(second.count("users", "accepted") == 0)
        #expect(try storedIds(directory, "users") == ["u-1", "u-2"])
    }
}
