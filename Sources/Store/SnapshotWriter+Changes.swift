import OneRoster

/// The kind of change a run makes to one record of the last published snapshot.
public enum Change: String, Sendable, Hashable, CaseIterable, Codable {
    /// The record is new.
    case created
    /// The record's content differs from the stored one.
    case updated
    /// The record was a tombstone and is back.
    case restored
    /// The record is gone from the source; the snapshot keeps it as a tombstone.
    case removed
}

extension SnapshotWriter {
    /// Stages a new version of a record: it reaches the snapshot when the run is published.
    ///
    /// `hash` is the record's content hash (`ContentHash.of`), computed by the caller, which compared it already.
    /// The record's own `dateLastModified` is not kept, because publishing sets it.
    public func stage(_ record: Record, change: Change, hash: UInt64) throws {
        try checkOpen()
        let table = EntityTable.of(record.entity)
        let statement = try database.prepare(table.insertChange)
        try statement.bind(runId, at: 1)
        try statement.bind(change.rawValue, at: 2)
        try statement.bind(district, at: 3)
        var parameter: Int32 = 4
        for index in 0..<record.valueCount {
            try statement.bind(index == ContentHash.modifiedColumn ? nil : record.value(at: index), at: parameter)
            parameter += 1
        }
        try statement.bind(record.extensions.isEmpty ? nil : ExtensionJSON.encode(record.extensions), at: parameter)
        try statement.bind(Int64(bitPattern: hash), at: parameter + 1)
        try statement.bind(RecordKey.of(record.sourcedId), at: parameter + 2)
        try statement.run()
    }

    /// Stages the removal of a stored record: when the run is published it becomes a tombstone.
    public func stageRemoval(_ entity: Entity, sourcedId: String, hash: UInt64) throws {
        try checkOpen()
        let statement = try database.prepare(EntityTable.of(entity).insertRemoval)
        try statement.bind(runId, at: 1)
        try statement.bind(district, at: 2)
        try statement.bind(sourcedId, at: 3)
        try statement.bind(Int64(bitPattern: hash), at: 4)
        try statement.bind(RecordKey.of(sourcedId), at: 5)
        try statement.run()
    }

    /// Takes back what this run staged for a record and returns the kind of change it was, if any.
    @discardableResult
    public func unstage(_ entity: Entity, sourcedId: String) throws -> Change? {
        try checkOpen()
        let query = try database.prepare(
            "SELECT change FROM \(EntityTable.of(entity).changeName) WHERE run = ?1 AND district = ?2 AND "
                + "\(EntityTable.of(entity).columns[0]) = ?3")
        try query.bind(runId, at: 1)
        try query.bind(district, at: 2)
        try query.bind(sourcedId, at: 3)
        let change = try query.step() ? query.string(at: 0).flatMap(Change.init(rawValue:)) : nil
        query.reset()
        let statement = try database.prepare(EntityTable.of(entity).deleteChange)
        try statement.bind(runId, at: 1)
        try statement.bind(district, at: 2)
        try statement.bind(sourcedId, at: 3)
        try statement.run()
        return change
    }

    /// Keeps the run's staged changes for a person to decide on and commits the transaction without publishing.
    ///
    /// `status` is `held` for a run over a safety limit, or `blocked` for one that waits behind a held run.
    public func hold(status: RunStatus, summary: String, state: String?) throws {
        try checkOpen()
        let statement = try database.prepare(
            "UPDATE runs SET status = ?2, ended_at = ?3, hold = ?4, state = ?5 WHERE id = ?1")
        try statement.bind(runId, at: 1)
        try statement.bind(status.rawValue, at: 2)
        try statement.bind(SnapshotStore.timestamp(), at: 3)
        try statement.bind(summary, at: 4)
        try statement.bind(state, at: 5)
        try statement.run()
        try commitWithoutPublishing()
    }
}

extension SnapshotStore {
    /// Applies a run's staged changes to the snapshot, saves its connector state and marks it committed. Runs
    /// inside the caller's transaction.
    static func publish(runId: Int64, district: String, state: String?, in database: Database) throws {
        let now = SnapshotStore.timestamp()
        for entity in Entity.allCases {
            for sql in EntityTable.of(entity).publishChanges {
                let statement = try database.prepare(sql)
                try statement.bind(runId, at: 1)
                if statement.parameterCount >= 2 { try statement.bind(now, at: 2) }
                try statement.run()
            }
        }
        if let state {
            let statement = try database.prepare(
                """
                INSERT INTO connector_state (district, state, run) VALUES (?1, ?2, ?3)
                ON CONFLICT (district) DO UPDATE SET state = excluded.state, run = excluded.run
                """)
            try statement.bind(district, at: 1)
            try statement.bind(state, at: 2)
            try statement.bind(runId, at: 3)
            try statement.run()
        }
        let statement = try database.prepare(
            "UPDATE runs SET status = 'committed', ended_at = ?2, published_at = ?2 WHERE id = ?1")
        try statement.bind(runId, at: 1)
        try statement.bind(now, at: 2)
        try statement.run()
        try supersedePendingRuns(district: district, publishedRun: runId, in: database)
    }

    /// Marks the district's other held and blocked runs superseded and drops their staged changes: they were
    /// compared with the snapshot that the run just published replaced, so they can no longer be approved.
    static func supersedePendingRuns(district: String, publishedRun: Int64, in database: Database) throws {
        let query = try database.prepare(
            "SELECT id FROM runs WHERE district = ?1 AND status IN ('held', 'blocked') AND id != ?2")
        try query.bind(district, at: 1)
        try query.bind(publishedRun, at: 2)
        var stale: [Int64] = []
        while try query.step() { stale.append(query.int64(at: 0)) }
        query.reset()
        for id in stale {
            try dropStagedChanges(of: id, status: .superseded, in: database)
        }
    }

    /// Deletes a run's staged changes and gives it a final status.
    static func dropStagedChanges(of id: Int64, status: RunStatus, in database: Database) throws {
        for entity in Entity.allCases {
            let statement = try database.prepare(EntityTable.of(entity).deleteChanges)
            try statement.bind(id, at: 1)
            try statement.run()
        }
        let statement = try database.prepare("UPDATE runs SET status = ?2, decided_at = ?3 WHERE id = ?1")
        try statement.bind(id, at: 1)
        try statement.bind(status.rawValue, at: 2)
        try statement.bind(SnapshotStore.timestamp(), at: 3)
        try statement.run()
    }
}
