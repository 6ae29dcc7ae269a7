import OneRoster

/// One open snapshot transaction for a district: replace, upsert and remove records, then commit or roll back.
///
/// Releasing a writer that was not committed rolls it back. Not Sendable: it uses its store's connection.
public final class SnapshotWriter {
    /// The district whose snapshot is written.
    public let district: String
    /// The run that writes it; `commit()` marks this run `committed` in the same transaction.
    public let runId: Int64
    let database: Database
    private var isFinished = false

    /// Insert statements by `Entity.order`, with the district already bound to ?1.
    private var upsertStatements: [Statement?] = Array(repeating: nil, count: Entity.allCases.count)
    /// For each entity's insert statement, whether each schema column's parameter, then `ext`'s, is NULL now.
    private var boundNulls: [[Bool]] = Entity.allCases.map {
        Array(repeating: true, count: Schema.columns(of: $0).count + 1)
    }
    /// Entities whose table was empty on `replaceEntity` and whose unique index is dropped until `commit()`.
    private var entitiesWithoutIndex: Set<Entity> = []
    /// Entities whose sign-in lookup indexes were dropped for a bulk load and are rebuilt with the unique index.
    private var entitiesWithoutLookupIndexes: Set<Entity> = []

    /// The extension JSON of the record being written, reused for every row so binding allocates nothing.
    private var rowBytes: [UInt8] = []

    /// Opens the transaction. Without `runId` the run row is made inside the transaction, so a writer that
    /// only ever rolls back (a dry run) leaves no trace of its run.
    init(database: Database, district: String, runId: Int64?) throws {
        self.database = database
        self.district = district
        try database.begin()
        do {
            let statement = try database.prepare("INSERT OR IGNORE INTO districts (id) VALUES (?1)")
            try statement.bind(district, at: 1)
            try statement.run()
            if let runId {
                try SnapshotWriter.checkRun(runId, district: district, in: database)
                self.runId = runId
            } else {
                let insert = try database.prepare(
                    "INSERT INTO runs (district, kind, started_at, status) VALUES (?1, 'sync', ?2, 'running')")
                try insert.bind(district, at: 1)
                try insert.bind(SnapshotStore.timestamp(), at: 2)
                try insert.run()
                self.runId = database.lastInsertRowid
            }
        } catch {
            try? database.rollback()
            throw error
        }
        rowBytes.reserveCapacity(4096)
    }

    deinit {
        if !isFinished {
            try? finish(commit: false)
        }
    }

    /// Marks an entity as a bulk file: deletes the district's current rows of it inside this transaction.
    ///
    /// When no other district has rows of the entity, the table is emptied and its unique index dropped while the
    /// rows load, then rebuilt at `commit()`: building an index once is faster than updating it per row.
    public func replaceEntity(_ entity: Entity) throws {
        try checkOpen()
        let table = EntityTable.of(entity)
        let lowest = try database.scalarText(table.minDistrict)
        let highest = try database.scalarText(table.maxDistrict)
        let onlyThisDistrict = lowest == nil || (lowest == district && highest == district)
        if onlyThisDistrict {
            try database.execute(table.deleteAll)
            if deferIndexOnBulkLoad {
                try database.execute(table.dropIndex)
                if try database.hasAnyIndex(named: table.lookupIndexNames) {
                    try database.execute(table.dropLookupIndexes)
                    entitiesWithoutLookupIndexes.insert(entity)
                }
                entitiesWithoutIndex.insert(entity)
            }
        } else {
            let statement = try database.prepare(table.deleteDistrict)
            try statement.bind(district, at: 1)
            try statement.run()
        }
    }

    /// The `dateLastModified` that `upsert` writes in place of each record's own, when set.
    public var modifiedTime: String? {
        didSet { modifiedTimeBound.removeAll() }
    }
    /// Entities (by `Entity.order`) whose insert statement has `modifiedTime` bound already: bindings survive a
    /// reset, so it is bound once per statement, not once per row.
    private var modifiedTimeBound: Set<Int> = []

    /// Whether `replaceEntity` drops the unique index of an empty table during the load; tests switch it off.
    public var deferIndexOnBulkLoad = true

    /// Inserts a record, or replaces the district's record with the same sourcedId.
    public func upsert(_ record: Record) throws {
        try checkOpen()
        let hasSourcedId = record.withValue(at: 0) { ($0?.count ?? 0) > 0 }
        guard hasSourcedId else {
            throw StoreError.blankSourcedId(entity: record.entity.singular, district: district)
        }
        let statement = try upsertStatement(for: record.entity)

        // A local copy avoids an exclusivity check on every access to a class property; swapping keeps the
        // buffer uniquely referenced, so no copy is made.
        var nullParameters = boundNulls[record.entity.order]
        boundNulls[record.entity.order] = []
        defer { boundNulls[record.entity.order] = nullParameters }

        // Only the extensions need encoding; the values are bound straight from the record's own buffer.
        var extensionBytes = rowBytes
        rowBytes = []
        defer { rowBytes = extensionBytes }
        extensionBytes.removeAll(keepingCapacity: true)
        if !record.extensions.isEmpty {
            ExtensionJSON.write(record.extensions, into: &extensionBytes)
        }

        // The pointers bound below stay valid only inside these closures, so the step and reset happen here too.
        // Bindings survive a reset, so a parameter that was NULL for the previous row is not bound again.
        try record.withValueBytes { values in
            try extensionBytes.withUnsafeBufferPointer { extensionText in
                var hash = ContentHash()
                for index in 0..<values.count {
                    let parameter = Int32(index + 2)
                    let value = values[index] ?? UnsafeBufferPointer(start: nil, count: 0)
                    // The hub keeps its own dateLastModified, so the content hash leaves the column out.
                    if index == ContentHash.modifiedColumn {
                        hash.combine(UnsafeBufferPointer(start: nil, count: 0))
                        if let modifiedTime {
                            if modifiedTimeBound.insert(record.entity.order).inserted {
                                try statement.bind(modifiedTime, at: parameter)
                                nullParameters[index] = false
                            }
                            continue
                        }
                    } else {
                        hash.combine(value)
                    }
                    if let base = value.baseAddress, !value.isEmpty {
                        try statement.bindStatic(base, count: value.count, at: parameter)
                        nullParameters[index] = false
                    } else if !nullParameters[index] {
                        try statement.bindNull(at: parameter)
                        nullParameters[index] = true
                    }
                }
                let index = values.count
                let extensionParameter = Int32(index + 2)
                if let base = extensionText.baseAddress, !extensionText.isEmpty {
                    try statement.bindStatic(base, count: extensionText.count, at: extensionParameter)
                    nullParameters[index] = false
                    hash.combine(record.extensions)
                } else if !nullParameters[index] {
                    try statement.bindNull(at: extensionParameter)
                    nullParameters[index] = true
                }
                try statement.bind(Int64(bitPattern: hash.value), at: extensionParameter + 1)
                try statement.bind(
                    RecordKey.of(values[0] ?? UnsafeBufferPointer(start: nil, count: 0)), at: extensionParameter + 3)
                try statement.step()
                statement.reset()
            }
        }
    }

    /// Deletes the district's record of an entity with this sourcedId, if there is one.
    public func remove(entity: Entity, sourcedId: String) throws {
        try checkOpen()
        try restoreIndex(of: entity)
        let statement = try database.prepare(EntityTable.of(entity).deleteOne)
        try statement.bind(district, at: 1)
        try statement.bind(sourcedId, at: 2)
        try statement.bind(RecordKey.of(sourcedId), at: 3)
        try statement.run()
    }

    /// Rebuilds dropped indexes, publishes the staged changes, marks the run committed and commits the transaction.
    ///
    /// `state` is the connector's `ctx.state` as the run left it, saved with the snapshot; nil keeps the saved one.
    public func commit(state: String? = nil) throws {
        try checkOpen()
        do {
            for entity in entitiesWithoutIndex.sorted() {
                try restoreIndex(of: entity)
            }
            try SnapshotStore.publish(runId: runId, district: district, state: state, in: database)
            try finish(commit: true)
        } catch {
            try? finish(commit: false)
            throw error
        }
    }

    /// Commits the transaction without publishing anything staged; for held and blocked runs.
    func commitWithoutPublishing() throws {
        do {
            for entity in entitiesWithoutIndex.sorted() {
                try restoreIndex(of: entity)
            }
            try finish(commit: true)
        } catch {
            try? finish(commit: false)
            throw error
        }
    }

    /// Rolls back unless the writer has already committed or rolled back; for cleanup on error paths.
    public func rollbackIfOpen() {
        guard !isFinished else { return }
        try? finish(commit: false)
    }

    /// Discards everything written since `writeSnapshot(district:runId:)`.
    public func rollback() throws {
        try checkOpen()
        try finish(commit: false)
    }

    private func finish(commit: Bool) throws {
        isFinished = true
        // Cached statements outlive this writer: clear the bindings, which point into `rowBytes` and into the
        // buffers of records already released.
        for statement in upsertStatements {
            statement?.reset()
            statement?.clearBindings()
        }
        if commit {
            try database.commit()
        } else {
            try database.rollback()
        }
    }

    func checkOpen() throws {
        if isFinished { throw StoreError.writerFinished(district: district) }
    }

    private static func checkRun(_ runId: Int64, district: String, in database: Database) throws {
        let statement = try database.prepare("SELECT 1 FROM runs WHERE id = ?1 AND district = ?2")
        defer { statement.reset() }
        try statement.bind(runId, at: 1)
        try statement.bind(district, at: 2)
        guard try statement.step() else { throw StoreError.unknownRun(runId, district: district) }
    }

    private func upsertStatement(for entity: Entity) throws -> Statement {
        if let statement = upsertStatements[entity.order] { return statement }
        let statement = try database.prepare(EntityTable.of(entity).upsert)
        try statement.bind(district, at: 1)
        try statement.bind(runId, at: Int32(Schema.columns(of: entity).count + 4))
        upsertStatements[entity.order] = statement
        return statement
    }

    /// Creates the unique index that `replaceEntity` dropped; when the load repeated a sourcedId, keeps the last row.
    private func restoreIndex(of entity: Entity) throws {
        guard entitiesWithoutIndex.contains(entity) else { return }
        let table = EntityTable.of(entity)
        do {
            try database.execute(table.createIndex)
        } catch let error as StoreError where error.code == "sqlite.constraint" {
            try database.execute(table.deleteEarlierDuplicates)
            try database.execute(table.createIndex)
        }
        if entitiesWithoutLookupIndexes.remove(entity) != nil { try database.execute(table.createLookupIndexes) }
        entitiesWithoutIndex.remove(entity)
    }
}
