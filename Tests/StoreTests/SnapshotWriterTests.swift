import Foundation
import OneRoster
import Testing

@testable import Store

@Suite struct SnapshotWriterTests {
    @Test func districtsWithSameSourcedIdsStayApart() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        for (district, name) in [("north", "North Ada"), ("south", "South Ada")] {
            let run = try store.beginRun(district: district, kind: .sync)
            let writer = try store.writeSnapshot(district: district, runId: run)
            try writer.replaceEntity(.users)
            try writer.upsert(makeUser("u1", givenName: name))
            try writer.upsert(makeUser("u2", givenName: name))
            try writer.commit()
        }

        let southRun = try store.beginRun(district: "south", kind: .sync)
        let writer = try store.writeSnapshot(district: "south", runId: southRun)
        try writer.replaceEntity(.users)
        try writer.upsert(makeUser("u1", givenName: "South Only"))
        try writer.commit()

        #expect(try store.districtIds() == ["north", "south"])
        #expect(try store.count(district: "north", entity: .users) == 2)
        #expect(try store.count(district: "south", entity: .users) == 1)
        #expect(try store.record(district: "north", entity: .users, sourcedId: "u1")?["givenName"] == "North Ada")
        #expect(try store.record(district: "south", entity: .users, sourcedId: "u1")?["givenName"] == "South Only")
        #expect(try store.record(district: "south", entity: .users, sourcedId: "u2") == nil)
    }

    @Test func replaceUpsertAndRemove() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        let first = try store.beginRun(district: "d", kind: .sync)
        let bulk = try store.writeSnapshot(district: "d", runId: first)
        try bulk.replaceEntity(.users)
        for id in ["u3", "u1", "u2"] { try bulk.upsert(makeUser(id)) }
        try bulk.replaceEntity(.orgs)
        try bulk.upsert(makeOrg("o1", name: "Hill School"))
        try bulk.commit()

        let second = try store.beginRun(district: "d", kind: .sync)
        let delta = try store.writeSnapshot(district: "d", runId: second)
        try delta.upsert(makeUser("u2", givenName: "Grace"))
        try delta.upsert(makeUser("u4"))
        try delta.remove(entity: .users, sourcedId: "u1")
        try delta.remove(entity: .users, sourcedId: "missing")
        try delta.commit()

        let users = try allRecords(store, district: "d", entity: .users)
        #expect(users.map(\.sourcedId) == ["u2", "u3", "u4"])
        #expect(users.first?["givenName"] == "Grace")
        #expect(try store.count(district: "d", entity: .orgs) == 1)

        let third = try store.beginRun(district: "d", kind: .sync)
        let replace = try store.writeSnapshot(district: "d", runId: third)
        try replace.replaceEntity(.users)
        try replace.upsert(makeUser("u9"))
        try replace.commit()

        #expect(try allRecords(store, district: "d", entity: .users).map(\.sourcedId) == ["u9"])
        #expect(try store.count(district: "d", entity: .orgs) == 1)
    }

    @Test func replaceKeepsOtherDistrictRows() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        for district in ["a", "b"] {
            let run = try store.beginRun(district: district, kind: .sync)
            let writer = try store.writeSnapshot(district: district, runId: run)
            try writer.replaceEntity(.users)
            try writer.upsert(makeUser("u1"))
            try writer.commit()
        }
        let run = try store.beginRun(district: "a", kind: .sync)
        let writer = try store.writeSnapshot(district: "a", runId: run)
        try writer.replaceEntity(.users)
        try writer.commit()

        #expect(try store.count(district: "a", entity: .users) == 0)
        #expect(try store.count(district: "b", entity: .users) == 1)
    }

    @Test(arguments: [true, false])
    func bulkLoadRepeatedSourcedIdKeepsLast(deferIndex: Bool) throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        let run = try store.beginRun(district: "d", kind: .sync)
        let writer = try store.writeSnapshot(district: "d", runId: run)
        writer.deferIndexOnBulkLoad = deferIndex
        try writer.replaceEntity(.users)
        try writer.upsert(makeUser("u1", givenName: "First"))
        try writer.upsert(makeUser("u2"))
        try writer.upsert(makeUser("u1", givenName: "Second"))
        try writer.commit()

        #expect(try store.count(district: "d", entity: .users) == 2)
        #expect(try store.record(district: "d", entity: .users, sourcedId: "u1")?["givenName"] == "Second")
        let indexCount = try store.database.scalarInt(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'users_key'")
        #expect(indexCount == 1)
    }

    @Test func extensionsRoundTripInOrder() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        let extensions = [
            Extension(name: "metadata.zeta", value: "last \"quoted\" \\ value"),
            Extension(name: "metadata.alpha", value: "line\nbreak\ttab \u{1} é 🎒"),
            Extension(name: "vendor.empty", value: ""),
        ]
        let run = try store.beginRun(district: "d", kind: .sync)
        let writer = try store.writeSnapshot(district: "d", runId: run)
        try writer.upsert(makeUser("u1", extensions: extensions))
        try writer.upsert(makeUser("u2"))
        try writer.commit()

        let stored = try store.record(district: "d", entity: .users, sourcedId: "u1")
        #expect(stored?.extensions == extensions)
        #expect(stored == makeUser("u1", extensions: extensions))
        #expect(try store.record(district: "d", entity: .users, sourcedId: "u2")?.extensions == [])
        let raw = try store.database.scalarText("SELECT ext FROM users WHERE \"sourcedId\" = 'u2'")
        #expect(raw == nil)
    }

    @Test func blankValuesReadBackAsNil() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        var user = makeUser("u1")
        user["middleName"] = ""
        let run = try store.beginRun(district: "d", kind: .sync)
        let writer = try store.writeSnapshot(district: "d", runId: run)
        try writer.upsert(user)
        try writer.commit()

        let stored = try store.record(district: "d", entity: .users, sourcedId: "u1")
        #expect(stored?["middleName"] == nil)
        #expect(stored.map(ContentHash.of) == ContentHash.of(user))
    }

    @Test func storedHashMatchesContentHash() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        let records = [makeUser("u1"), makeUser("u2", extensions: [Extension(name: "metadata.x", value: "1")])]
        let run = try store.beginRun(district: "d", kind: .sync)
        let writer = try store.writeSnapshot(district: "d", runId: run)
        for record in records { try writer.upsert(record) }
        try writer.commit()

        var hashes: [String: UInt64] = [:]
        try store.forEachHash(district: "d", entity: .users) { hashes[$0] = $1 }
        #expect(hashes == ["u1": ContentHash.of(records[0]), "u2": ContentHash.of(records[1])])
    }

    @Test func blankSourcedIdIsRejected() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        let run = try store.beginRun(district: "d", kind: .sync)
        let writer = try store.writeSnapshot(district: "d", runId: run)
        let error = #expect(throws: StoreError.self) { try writer.upsert(makeUser("")) }
        #expect(error?.code == "store.blank_sourced_id")
        #expect(
            error?.description
                == "A user record for district 'd' has a blank sourcedId; every stored record needs one, "
                + "so validate records before writing them")
    }

    @Test func writerRejectsUnknownRunAndUseAfterCommit() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        let unknown = #expect(throws: StoreError.self) { try store.writeSnapshot(district: "d", runId: 42) }
        #expect(unknown?.code == "store.unknown_run")
        #expect(store.database.isInTransaction == false)

        let run = try store.beginRun(district: "d", kind: .sync)
        let otherDistrict = #expect(throws: StoreError.self) { try store.writeSnapshot(district: "e", runId: run) }
        #expect(otherDistrict?.code == "store.unknown_run")

        let writer = try store.writeSnapshot(district: "d", runId: run)
        try writer.commit()
        let finished = #expect(throws: StoreError.self) { try writer.upsert(makeUser("u1")) }
        #expect(finished?.code == "store.writer_finished")
    }

    @Test func commitMarksRunCommitted() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        let run = try store.beginRun(district: "d", kind: .sync)
        let writer = try store.writeSnapshot(district: "d", runId: run)
        try writer.upsert(makeUser("u1"))
        try writer.commit()

        let summary = try store.runs(district: "d").first
        #expect(summary?.status == .committed)
        #expect(summary?.endedAt != nil)
    }
}
