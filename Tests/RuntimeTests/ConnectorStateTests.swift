import Foundation
import Store
import Testing

/// A connector that moves a cursor in `ctx.state` on every run and emits the one student the cursor names, so
/// each run replaces the previous student. With `fail` it raises after moving the cursor.
private let statefulConnector = """
    return {
        name = "stateful",
        version = "1.0.0",
        description = "Emits one student per run and keeps a cursor",
        settings = {
            path = { type = "string", required = true, description = "unused label" },
            fail = { type = "boolean", default = false, description = "raise after moving the cursor" },
        },
        check = function(ctx) return true end,
        sync = function(ctx)
            local cursor = (ctx.state.cursor or 0) + 1
            ctx.state.cursor = cursor
            ctx.emit("orgs", { sourcedId = "sch-1", name = "North School", type = "school" })
            ctx.emit("users", {
                sourcedId = "u-" .. cursor, enabledUser = true, username = "student" .. cursor,
                givenName = "Avery", familyName = "Quill", role = "student", orgSourcedIds = { "sch-1" },
            })
            if ctx.settings.fail then error("the SIS stopped answering") end
        end,
    }
    """

struct ConnectorStateTests {
    @Test func stateSavedOnlyWithPublishedSnapshot() throws {
        let directory = try TemporaryDirectory()
        let sis = directory.file("connectors/sis")
        try FileManager.default.createDirectory(atPath: sis, withIntermediateDirectories: true)
        try statefulConnector.write(toFile: sis + "/stateful.lua", atomically: true, encoding: .utf8)
        let config = { (settings: String, extra: String) in
            try directory.writeConfig(
                districts: [("d", "roster")], connector: "stateful", settings: settings, extra: extra,
                connectorsDirectory: directory.file("connectors"))
        }
        let storePath = directory.file("rollbook.sqlite")
        let state = { try SnapshotStore(path: storePath).connectorState(district: "d") }

        #expect(try runRollbook(["sync", "--config", try config("", "")]).status == 0)
        #expect(try state() == "{\"cursor\":1}")

        // The second student replaces the first: 100% of users removed, so the run is held with its state.
        let held = try runRollbook(["sync", "--config", try config("", ""), "--json"])
        #expect(held.status == 3)
        #expect(try state() == "{\"cursor\":1}")
        let heldRun = try #require(held.firstRun?["run"] as? Int)
        #expect(try runRollbook(["approve", "\(heldRun)", "--config", try config("", "")]).status == 0)
        #expect(try state() == "{\"cursor\":2}")

        let failed = try runRollbook(["sync", "--config", try config("fail = true", ""), "--json"])
        #expect(failed.status == 2)
        #expect(try state() == "{\"cursor\":2}")

        let discarded = try runRollbook(["sync", "--config", try config("", ""), "--json"])
        let discardedRun = try #require(discarded.firstRun?["run"] as? Int)
        #expect(try runRollbook(["discard", "\(discardedRun)", "--config", try config("", "")]).status == 0)
        #expect(try state() == "{\"cursor\":2}")

        let lifted = try runRollbook(["sync", "--config", try config("", ", safety = { removed = 1 }"), "--json"])
        #expect(lifted.status == 0, "\(lifted.stdout)")
        #expect(try state() == "{\"cursor\":3}")
        let store = try SnapshotStore(path: storePath)
        #expect(try store.record(district: "d", entity: .users, sourcedId: "u-3") != nil)
        #expect(try store.record(district: "d", entity: .users, sourcedId: "u-2")?["status"] == "tobedeleted")
    }
}
