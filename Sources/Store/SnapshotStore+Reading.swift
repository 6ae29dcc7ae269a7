import OneRoster

extension SnapshotStore {
    /// Returns the ids of every district in the store, in ascending order.
    public func districtIds() throws -> [String] {
        let statement = try database.prepare("SELECT id FROM districts ORDER BY id")
        defer { statement.reset() }
        var result: [String] = []
        while try statement.step() {
            if let id = statement.string(at: 0) { result.append(id) }
        }
        return result
    }

    /// Counts the records of an entity in the district's snapshot.
    public func count(district: String, entity: Entity) throws -> Int {
        let statement = try database.prepare(EntityTable.of(entity).count)
        defer { statement.reset() }
        try statement.bind(district, at: 1)
        try statement.step()
        return Int(statement.int64(at: 0))
    }

    /// Returns one record of the district's snapshot, or nil when there is none with this sourcedId.
    ///
    /// Blank values come back as nil, whether they were written as nil or as "".
    public func record(district: String, entity: Entity, sourcedId: String) throws -> Record? {
        let statement = try database.prepare(EntityTable.of(entity).selectOne)
        defer { statement.reset() }
        try statement.bind(district, at: 1)
        try statement.bind(sourcedId, at: 2)
        try statement.bind(RecordKey.of(sourcedId), at: 3)
        guard try statement.step() else { return nil }
        return try record(of: entity, from: statement)
    }

    /// Calls `body` with each record of an entity in the district's snapshot, in ascending sourcedId byte order.
    ///
    /// Rows stream from SQLite one at a time, so memory use does not grow with the snapshot.
    public func forEachRecord(district: String, entity: Entity, _ body: (Record) throws -> Void) throws {
        let statement = try database.prepare(EntityTable.of(entity).selectAll, cached: false)
        try statement.bind(district, at: 1)
        while try statement.step() {
            try body(try record(of: entity, from: statement))
        }
    }

    /// Calls `body` with the sourcedId and content hash of each record of an entity, in ascending sourcedId order.
    public func forEachHash(district: String, entity: Entity, _ body: (String, UInt64) throws -> Void) throws {
        let statement = try database.prepare(EntityTable.of(entity).selectHashes, cached: false)
        try statement.bind(district, at: 1)
        while try statement.step() {
            try body(statement.string(at: 0) ?? "", UInt64(bitPattern: statement.int64(at: 1)))
        }
    }

    /// Reads a record from the statement's columns `offset...`: the schema columns, then ext.
    func record(of entity: Entity, from statement: Statement, offset: Int32 = 0) throws -> Record {
        try SnapshotStore.readRecord(of: entity, from: statement, offset: offset)
    }
}
