import Foundation
import OneRoster
import Testing

@testable import Store

/// A half-written snapshot must leave the last committed one exactly as it was, row by row and hash by hash.
@Suite struct AtomicityTests {
    /// Commits the first snapshot: 200 users and 3 orgs of district `d`, 5 users of district `other`.
    private func commitFirstSnapshot(_ store: SnapshotStore) throws {
        let run = try store.beginRun(district: "d", kind: .sync)
        let writer = try store.writeSnapshot(district: "d", runId: run)
        try writer.replaceEntity(.users)
        for index in 0..<200 {
            try writer.upsert(makeUser("u\(index)", extensions: [Extension(name: "metadata.n", value: "\(index)")]))
        }
        try writer.replaceEntity(.orgs)
        for index in 0..<3 { try writer.upsert(makeOrg("o\(index)", name: "School \(index)")) }
        try writer.commit()

        let otherRun = try store.beginRun(district: "other", kind: .sync)
        let other = try store.writeSnapshot(district: "other", runId: otherRun)
        for index in 0..<5 { try other.upsert(makeUser("u\(index)")) }
        try other.commit()
    }

    /// Replaces, updates and removes part of district `d` without committing.
    private func writeHalfSnapshot(_ writer: SnapshotWriter, users: Int = 100) throws {
        try writer.replaceEntity(.users)
        for index in 0..<users { try writer.upsert(makeUser("new\(index)", givenName: "Changed")) }
        try writer.upsert(makeOrg("o1", name: "Renamed"))
        try writer.remove(entity: .orgs, sourcedId: "o2")
    }

    private func snapshotRows(_ store: SnapshotStore) throws -> [[String?]] {
        try rawRows(store, entity: .users) + rawRows(store, entity: .orgs)
    }

    @Test func rollbackKeepsPreviousSnapshot() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        try commitFirstSnapshot(store)
        let before = try snapshotRows(store)

        let run = try store.beginRun(district: "d", kind: .sync)
        let writer = try store.writeSnapshot(district: "d", runId: run)
        try writeHalfSnapshot(writer)
        #expect(try store.count(district: "d", entity: .users) == 100)
        try writer.rollback()

        #expect(before.count == 208)
        #expect(try snapshotRows(store) == before)
        #expect(try store.runs(district: "d").first?.status == .running)
    }

    @Test func closeWithoutCommitKeepsPreviousSnapshot() throws {
        let folder = try TemporaryFolder()
        var before: [[String?]] = []
        do {
            let store = try SnapshotStore(path: folder.path())
            try commitFirstSnapshot(store)
            before = try snapshotRows(store)
            let run = try store.beginRun(district: "d", kind: .sync)
            let writer = try store.writeSnapshot(district: "d", runId: run)
            try writeHalfSnapshot(writer)
            // Writer and store are released here without a commit.
        }

        let reopened = try SnapshotStore(path: folder.path())
        #expect(try snapshotRows(reopened) == before)
        #expect(try reopened.runs(district: "d").first?.status == .interrupted)
    }

    /// Copies the database and its WAL while a large write is open, as a kill or power cut would leave them.
    @Test func killedProcessImageKeepsPreviousSnapshot() throws {
        let folder = try TemporaryFolder()
        let path = folder.path()
        let store = try SnapshotStore(path: path)
        try commitFirstSnapshot(store)
        let before = try snapshotRows(store)

        // A tiny page cache makes SQLite spill the open transaction's pages into the WAL before commit.
        try store.database.execute("PRAGMA cache_size = 10")
        let run = try store.beginRun(district: "d", kind: .sync)
        let walBefore = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int ?? 0
        let writer = try store.writeSnapshot(district: "d", runId: run)
        try writeHalfSnapshot(writer, users: 20000)

        let walDuring = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int ?? 0
        #expect(walDuring > walBefore + 1_000_000, "the open transaction should have spilled pages into the WAL")
        let crashPath = folder.path("crash.sqlite")
        try FileManager.default.copyItem(atPath: path, toPath: crashPath)
        try FileManager.default.copyItem(atPath: path + "-wal", toPath: crashPath + "-wal")
        try writer.rollback()

        let recovered = try SnapshotStore(path: crashPath)
        #expect(try snapshotRows(recovered) == before)
        #expect(try recovered.count(district: "d", entity: .users) == 200)
        #expect(try recovered.runs(district: "d").first?.status == .interrupted)
    }

    @Test func failedCommitKeepsPreviousSnapshot() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        try commitFirstSnapshot(store)
        let before = try snapshotRows(store)

        let run = try store.beginRun(district: "d", kind: .sync)
        let writer = try store.writeSnapshot(district: "d", runId: run)
        try writeHalfSnapshot(writer)
        // The commit updates the run's row, so a trigger that aborts that update makes the commit fail late.
        try store.database.execute(
            "CREATE TEMP TRIGGER fail_commit BEFORE UPDATE ON runs BEGIN SELECT RAISE(ABORT, 'commit refused'); END")
        #expect(throws: StoreError.self) { try writer.commit() }

        #expect(store.database.isInTransaction == false)
        #expect(try snapshotRows(store) == before)
    }

    @Test func uncommittedRowsAreInvisibleToOtherConnections() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        try commitFirstSnapshot(store)
        let run = try store.beginRun(district: "d", kind: .sync)
        let writer = try store.writeSnapshot(district: "d", runId: run)
        try writeHalfSnapshot(writer)

        let reader = try SnapshotStore(path: folder.path())
        #expect(try reader.count(district: "d", entity: .users) == 200)
        try writer.commit()
        #expect(try reader.count(district: "d", entity: .users) == 100)
    }
}
