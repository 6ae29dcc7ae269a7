import OneRoster
import Store

/// Writes accepted records into a snapshot transaction, keeping the stored version of rejected ones.
///
/// `committed` is a second connection to the same file. Under WAL it reads only the last committed snapshot,
/// never the open transaction, so it can tell what was stored before this run. It is nil for a district's
/// first load, when nothing was stored before.
final class StoreDestination: RecordDestination {
    private let writer: SnapshotWriter
    private let database: Database
    private let committed: SnapshotStore?
    private let district: String
    private var savepointOpen = false

    init(writer: SnapshotWriter, store: SnapshotStore, committed: SnapshotStore?, district: String) {
        self.writer = writer
        self.database = store.database
        self.committed = committed
        self.district = district
    }

    func startEntity(_ entity: Entity, bulk: Bool) throws {
        // A first load needs no per-row index upkeep and nothing can be kept: the writer's bulk path is faster.
        if bulk, try committed?.count(district: district, entity: entity) ?? 0 == 0 {
            try writer.replaceEntity(entity)
        }
    }

    func upsert(_ record: Record) throws {
        try writer.upsert(record)
    }

    func restore(_ entity: Entity, sourcedId: String) throws {
        try writer.remove(entity: entity, sourcedId: sourcedId)
        if let stored = try committed?.record(district: district, entity: entity, sourcedId: sourcedId) {
            try writer.upsert(stored)
        }
    }

    func removeUnseen(_ entity: Entity, seen: (String) -> Bool) throws -> [String] {
        guard let committed else { return [] }
        var unseen: [String] = []
        try committed.forEachHash(district: district, entity: entity) { sourcedId, _ in
            if !seen(sourcedId) { unseen.append(sourcedId) }
        }
        for sourcedId in unseen {
            try writer.remove(entity: entity, sourcedId: sourcedId)
        }
        return unseen
    }

    func beginFile() throws {
        try database.execute("SAVEPOINT file")
        savepointOpen = true
    }

    func finish() throws {}

    func forEachStoredRecord(_ entity: Entity, _ body: (Record) -> Void) throws {
        try committed?.forEachRecord(district: district, entity: entity) { body($0) }
    }

    func forEachStored(_ entity: Entity, _ body: (String, String?) -> Void) throws {
        guard let committed else { return }
        if entity == .classes {
            try committed.forEachRecord(district: district, entity: entity) {
                body($0.sourcedId, $0["schoolSourcedId"])
            }
        } else {
            try committed.forEachHash(district: district, entity: entity) { sourcedId, _ in body(sourcedId, nil) }
        }
    }

    func endFile(keep: Bool) throws {
        guard savepointOpen else { return }
        savepointOpen = false
        if !keep { try database.execute("ROLLBACK TO file") }
        try database.execute("RELEASE file")
    }
}

/// Accepts everything and stores nothing, for `validate`.
final class DiscardingDestination: RecordDestination {
    func startEntity(_ entity: Entity, bulk: Bool) throws {}
    func upsert(_ record: Record) throws {}
    func restore(_ entity: Entity, sourcedId: String) throws {}
    func removeUnseen(_ entity: Entity, seen: (String) -> Bool) throws -> [String] { [] }
    func beginFile() throws {}
    func endFile(keep: Bool) throws {}
    func finish() throws {}
    func forEachStored(_ entity: Entity, _ body: (String, String?) -> Void) throws {}
    func forEachStoredRecord(_ entity: Entity, _ body: (Record) -> Void) throws {}
}
