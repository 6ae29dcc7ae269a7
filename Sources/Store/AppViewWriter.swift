import OneRoster

/// A view row as the app view has it before an app run changes it.
public struct StoredViewRow: Sendable, Hashable {
    public var hash: UInt64?
    /// The hash of what the mapping function was last given, when the entity has a function.
    public var input: UInt64?
    public var removed: Bool
}

/// Reads base records and writes one app's view rows, inside the caller's transaction.
///
/// An app run walks each entity that is not shared whole in base rowid ranges. `baseRange` gives the live base
/// records of a range and `viewRange` the view rows already there. The caller then writes what changed with
/// `write`, `remove` and `rememberDropped`.
public final class AppViewWriter {
    let database: Database
    public let app: Int64
    public let district: String
    /// The app run that changes rows.
    public let run: Int64

    public init(store: SnapshotStore, app: Int64, district: String, run: Int64) {
        self.database = store.database
        self.app = app
        self.district = district
        self.run = run
    }

    /// Deletes the view rows of the entity in the district: an entity shared whole is read from the base table.
    public func clear(_ entity: Entity) throws {
        let statement = try database.prepare(AppViewTable.of(entity).clear, cached: false)
        try statement.bind(app, at: 1)
        try statement.bind(district, at: 2)
        try statement.run()
    }

    /// Returns one past the largest rowid of the entity's base table, the end of the range to walk.
    public func baseEnd(_ entity: Entity) throws -> Int64 {
        let statement = try database.prepare(AppViewTable.of(entity).selectMaxRow)
        defer { statement.reset() }
        guard try statement.step(), !statement.isNull(at: 0) else { return 1 }
        return statement.int64(at: 0) + 1
    }

    /// Calls `body` with the rowid, record and content hash of each live base record in `[start, end)`.
    public func baseRange(
        _ entity: Entity, from start: Int64, to end: Int64, _ body: (Int64, Record, UInt64) throws -> Void
    ) throws {
        let statement = try database.prepare(AppViewTable.of(entity).selectBaseRange)
        defer { statement.reset() }
        try statement.bind(district, at: 1)
        try statement.bind(start, at: 2)
        try statement.bind(end, at: 3)
        let hashColumn = Int32(Schema.columns(of: entity).count + 2)
        while try statement.step() {
            let record = try SnapshotStore.readRecord(of: entity, from: statement, offset: 1)
            try body(statement.int64(at: 0), record, UInt64(bitPattern: statement.int64(at: hashColumn)))
        }
    }

    /// Returns the view rows of base rows in `[start, end)`, by base rowid.
    public func viewRange(_ entity: Entity, from start: Int64, to end: Int64) throws -> [Int64: StoredViewRow] {
        let statement = try database.prepare(AppViewTable.of(entity).selectRange)
        defer { statement.reset() }
        try statement.bind(app, at: 1)
        try statement.bind(district, at: 2)
        try statement.bind(start, at: 3)
        try statement.bind(end, at: 4)
        var rows: [Int64: StoredViewRow] = [:]
        while try statement.step() {
            rows[statement.int64(at: 0)] = StoredViewRow(
                hash: statement.isNull(at: 1) ? nil : UInt64(bitPattern: statement.int64(at: 1)),
                input: statement.isNull(at: 2) ? nil : UInt64(bitPattern: statement.int64(at: 2)),
                removed: statement.int64(at: 3) != 0)
        }
        return rows
    }

    /// Writes what the app sees of one base row. With `mapped` false the stored columns stay NULL and the
    /// base row is what is shared.
    public func write(row: Int64, record: Record, hash: UInt64, input: UInt64?, mapped: Bool) throws {
        let statement = try database.prepare(AppViewTable.of(record.entity).upsert)
        defer { statement.reset() }
        try statement.bind(app, at: 1)
        try statement.bind(row, at: 2)
        try statement.bind(Int64(bitPattern: hash), at: 3)
        if let input { try statement.bind(Int64(bitPattern: input), at: 4) } else { try statement.bindNull(at: 4) }
        try statement.bind(run, at: 5)
        try statement.bind(Int64(mapped ? 1 : 0), at: 6)
        var parameter: Int32 = 7
        for index in 0..<record.valueCount {
            try statement.bind(mapped ? record.value(at: index) : nil, at: parameter)
            parameter += 1
        }
        let extensions = mapped && !record.extensions.isEmpty ? ExtensionJSON.encode(record.extensions) : nil
        try statement.bind(extensions, at: parameter)
        try statement.run()
    }

    /// Marks a view row removed by this run; `input` keeps the mapping's last decision for the record.
    public func remove(_ entity: Entity, row: Int64, input: UInt64?) throws {
        let statement = try database.prepare(AppViewTable.of(entity).markRemoved)
        defer { statement.reset() }
        try statement.bind(app, at: 1)
        try statement.bind(row, at: 2)
        try statement.bind(run, at: 3)
        if let input { try statement.bind(Int64(bitPattern: input), at: 4) } else { try statement.bindNull(at: 4) }
        try statement.run()
    }

    /// Marks removed every view row of the entity in the district, for an entity the app no longer shares.
    /// Returns how many rows were removed.
    public func removeAll(_ entity: Entity) throws -> Int {
        let statement = try database.prepare(AppViewTable.of(entity).removeAll, cached: false)
        try statement.bind(app, at: 1)
        try statement.bind(run, at: 2)
        try statement.bind(district, at: 3)
        try statement.run()
        return database.changes
    }

    /// Stores the input hash of a record whose mapping ran again and gave what the app already has.
    public func setInput(_ entity: Entity, row: Int64, input: UInt64?) throws {
        let statement = try database.prepare(AppViewTable.of(entity).updateInput)
        defer { statement.reset() }
        try statement.bind(app, at: 1)
        try statement.bind(row, at: 2)
        if let input { try statement.bind(Int64(bitPattern: input), at: 3) } else { try statement.bindNull(at: 3) }
        try statement.run()
    }

    /// Remembers that the mapping function left out a record the app never saw, so that the function is not
    /// called for it again until its input changes.
    public func rememberDropped(_ entity: Entity, row: Int64, input: UInt64) throws {
        let statement = try database.prepare(AppViewTable.of(entity).insertRemoved)
        defer { statement.reset() }
        try statement.bind(app, at: 1)
        try statement.bind(row, at: 2)
        try statement.bind(Int64(bitPattern: input), at: 3)
        try statement.run()
    }
}

extension SnapshotStore {
    /// Reads a record from the statement's columns `offset...`: the schema columns, then ext. The values are copied
    /// from SQLite's buffers into the record's one buffer, without a string per value.
    static func readRecord(of entity: Entity, from statement: Statement, offset: Int32) throws -> Record {
        let columnCount = Int32(Schema.columns(of: entity).count)
        var builder = RecordBuilder(columns: Int(columnCount), textCapacity: 256)
        for column in 0..<columnCount {
            builder.append(statement.textBytes(at: offset + column))
        }
        var extensions: [Extension] = []
        if let text = statement.string(at: offset + columnCount) {
            guard let decoded = ExtensionJSON.decode(text) else {
                throw StoreError.invalidStoredValue(
                    text, table: entity.rawValue, column: "ext", expected: "a JSON object of string values")
            }
            extensions = decoded
        }
        return Record(entity: entity, builder: builder, extensions: extensions)
    }
}
