import Foundation
import Testing

/// A connector that emits one school in bulk, then one user in bulk and another in the mode its setting names.
private let modeConnector = """
    return {
        name = "modes",
        version = "1.0.0",
        description = "Emits users in two modes",
        settings = {
            path = { type = "string", required = true, description = "unused label" },
            second = { type = "string", default = "bulk", description = "mode of the second user" },
        },
        check = function() return true end,
        sync = function(ctx)
            ctx.emit("orgs", { sourcedId = "sch-1", name = "North School", type = "school" })
            local function user(id)
                return { sourcedId = id, enabledUser = true, username = id, givenName = "Avery", familyName = "Quill",
                    role = "student", orgSourcedIds = { "sch-1" } }
            end
            ctx.emit("users", user("u-1"))
            ctx.emit("users", user("u-2"), { mode = ctx.settings.second })
        end,
    }
    """

/// Runs `rollbook sync --json` with the second user emitted in `mode`.
private func syncWithSecondMode(_ directory: TemporaryDirectory, _ mode: String) throws -> ProcessOutput {
    let sis = directory.file("connectors/sis")
    try FileManager.default.createDirectory(atPath: sis, withIntermediateDirectories: true)
    try modeConnector.write(toFile: sis + "/modes.lua", atomically: true, encoding: .utf8)
    let config = try directory.writeConfig(
        districts: [("d1", "roster")], connector: "modes", settings: "second = \"\(mode)\"",
        connectorsDirectory: directory.file("connectors"))
    return try runRollbook(["sync", "--config", config, "--json"])
}

struct ConnectorEmitModeTests {
    @Test func oneModeStoresBoth() throws {
        let directory = try TemporaryDirectory()
        let output = try syncWithSecondMode(directory, "bulk")
        #expect(output.status == 0, "\(output)")
        #expect(try storedIds(directory, "users") == ["u-1", "u-2"])
    }

    @Test func mixedModesFailNamingKind() throws {
        let directory = try TemporaryDirectory()
        #expect(try syncWithSecondMode(directory, "bulk").status == 0)
        let before = try snapshotHashes(directory)

        let output = try syncWithSecondMode(directory, "delta")
        #expect(output.status == 2)
        let text = output.stdout + output.stderr
        #expect(
            text.contains("'users' is emitted in delta mode after bulk records or files of the same kind"), "\(text)")
        #expect(try snapshotHashes(directory) == before)
    }

    @Test func unknownModeRaises() throws {
        let directory = try TemporaryDirectory()
        let output = try syncWithSecondMode(directory, "sideways")
        #expect(output.status == 2)
        let text = output.stdout + output.stderr
        #expect(text.contains("sideways"), "\(text)")
        #expect(try storedIds(directory, "users").isEmpty)
    }
}
