import OneRoster
import Store

/// Writes accepted records into a snapshot transaction, keeping the stored version of rejected ones.
///
/// A district's first load writes straight into the snapshot tables. Every later run compares each record's
/// content hash with the last published snapshot and stages only what changed: new, updated and restored
/// records, and removals, which become tombstones when the run is published. Unchanged records write nothing.
///
/// `committed` is a second connection to the same file. Under WAL it reads only the last committed snapshot,
/// never the open transaction. It is nil for a district's first load, when nothing was stored before.
final class StoreDestination: RecordDestination {
    private let writer: SnapshotWriter
    private let committed: SnapshotStore?
    private let district: String
    private let database: Database
    private var savepointOpen = false
    private var states: [Entity: StoredStates] = [:]
    /// The entity being written, and its change counts when the current file began, to take them back with it.
    private var current: Entity?
    private var changesAtFileStart = ChangeTotals()
    /// Changes by entity; read after `finish()`.
    private(set) var changes: [Entity: ChangeTotals] = [:]
    /// Records of each entity in the last published snapshot that are not tombstones.
    private(set) var liveBefore: [Entity: Int] = [:]

    init(writer: SnapshotWriter, store: SnapshotStore, committed: SnapshotStore?, district: String, loadTime: String) {
        self.writer = writer
        self.database = store.database
        self.committed = committed
        self.district = district
        // A first load writes every record straight away, with the load time as its dateLastModified.
        if committed == nil { writer.modifiedTime = loadTime }
    }

    func startEntity(_ entity: Entity, bulk: Bool) throws {
        // Entities come one after another, so the previous one's table is done with: free it before the next.
        states.removeAll()
        current = entity
        guard let committed else {
            if bulk { try writer.replaceEntity(entity) }
            changes[entity] = ChangeTotals()
            return
        }
        let stored = StoredStates(expected: try committed.count(district: district, entity: entity))
        try committed.forEachState(district: district, entity: entity) { sourcedId, hash, tombstone in
            stored.insert(sourcedId, hash: hash, tombstone: tombstone)
        }
        states[entity] = stored
        liveBefore[entity] = stored.liveCount
        changes[entity] = ChangeTotals()
    }

    func upsert(_ record: Record) throws {
        let entity = record.entity
        guard let stored = states[entity] else {
            try writer.upsert(record)
            changes[entity, default: ChangeTotals()].created += 1
            return
        }
        // The content hash leaves dateLastModified out, so the source's clock does not count as a change.
        let hash = ContentHash.of(record)
        let previous = stored.see(key: StoredStates.key(of: record))
        let tombstone = record.withValue(at: 1) { $0.map { $0.elementsEqual("tobedeleted".utf8) } ?? false }
        if tombstone {
            // The source marks the record deleted: a tombstone for a live record, nothing otherwise.
            if case .live(let storedHash) = previous {
                try writer.stageRemoval(entity, sourcedId: record.sourcedId, hash: storedHash)
                changes[entity, default: ChangeTotals()].removed += 1
            } else {
                changes[entity, default: ChangeTotals()].unchanged += 1
            }
            return
        }
        let change: Change?
        switch previous {
        case .none: change = .created
        case .tombstone: change = .restored
        case .live(let storedHash): change = StoredStates.same(hash, storedHash) ? nil : .updated
        }
        if let change { try writer.stage(record, change: change, hash: hash) }
        changes[entity, default: ChangeTotals()].add(change)
    }

    func restore(_ entity: Entity, sourcedId: String) throws {
        guard let stored = states[entity] else {
            try writer.remove(entity: entity, sourcedId: sourcedId)
            changes[entity, default: ChangeTotals()].created -= 1
            return
        }
        let change = try writer.unstage(entity, sourcedId: sourcedId)
        stored.unsee(sourcedId)
        changes[entity, default: ChangeTotals()].add(change, -1)
    }

    func removeUnseen(_ entity: Entity, seen: (String) -> Bool) throws -> [String] {
        guard let committed, let stored = states[entity] else { return [] }
        var unseen: [(String, UInt64)] = []
        try committed.forEachState(district: district, entity: entity) { sourcedId, hash, tombstone in
            if !tombstone && !seen(sourcedId) && !stored.wasSeen(sourcedId) { unseen.append((sourcedId, hash)) }
        }
        for (sourcedId, hash) in unseen {
            try writer.stageRemoval(entity, sourcedId: sourcedId, hash: hash)
        }
        changes[entity, default: ChangeTotals()].removed += unseen.count
        return unseen.map(\.0)
    }

    func beginFile() throws {
        try database.execute("SAVEPOINT file")
        savepointOpen = true
        changesAtFileStart = current.flatMap { changes[$0] } ?? ChangeTotals()
    }

    func finish() throws {
        states = [:]
    }

    func forEachStoredRecord(_ entity: Entity, _ body: (Record) -> Void) throws {
        try committed?.forEachRecord(district: district, entity: entity) {
            if $0.value(at: 1) != "tobedeleted" { body($0) }
        }
    }

    func forEachStored(_ entity: Entity, _ body: (String, String?) -> Void) throws {
        guard let committed else { return }
        if entity == .classes {
            try forEachStoredRecord(entity) { body($0.sourcedId, $0["schoolSourcedId"]) }
        } else {
            try committed.forEachState(district: district, entity: entity) { sourcedId, _, tombstone in
                if !tombstone { body(sourcedId, nil) }
            }
        }
    }

    func endFile(keep: Bool) throws {
        guard savepointOpen else { return }
        savepointOpen = false
        if !keep {
            try database.execute("ROLLBACK TO file")
            if let current { changes[current] = changesAtFileStart }
        }
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
