import Foundation
import OneRoster

/// The SQL text that reads an app's view of one entity, for queries that other modules assemble.
///
/// For an entity shared whole the records are the district's live base rows. Otherwise they are the app's
/// view rows that are not removed, with the view's own copy of the columns when `mapped` is 1 and the base
/// row's columns when it is 0. `from` and `visible` use the aliases `v<suffix>` (view) and `b<suffix>`
/// (base), so one query can read several entities, each with its own suffix.
public struct AppViewSource: Sendable {
    public let entity: Entity
    /// Whether the entity is shared whole, so that no view rows are read.
    public let whole: Bool
    private let view: String
    private let base: String
    private let table: AppViewTable

    /// Creates the source of `entity`. `suffix` makes its table aliases unique inside one query.
    public init(entity: Entity, whole: Bool, suffix: String = "") {
        self.entity = entity
        self.whole = whole
        self.view = "v" + suffix
        self.base = "b" + suffix
        self.table = AppViewTable.of(entity)
    }

    /// The tables after `FROM`.
    public var from: String {
        whole
            ? "\(table.base.name) AS \(base)"
            : "\(table.name) AS \(view) JOIN \(table.base.name) AS \(base) ON \(base).rowid = \(view).row"
    }

    /// The condition that keeps visible records, with two `?` placeholders: the app number, then the district.
    ///
    /// For an entity shared whole the app number is bound but unused, so that both forms bind alike.
    public var visible: String {
        if whole {
            return "? IS NOT NULL AND \(base).district = ? AND \(base).\(table.base.columns[1]) IS NOT 'tobedeleted'"
        }
        return "\(view).app = ? AND \(base).district = ? AND \(view).removed = 0"
    }

    /// Returns the expression of a schema column's value in the app's view, or nil for a name that is not a column.
    public func column(_ name: String) -> String? {
        guard let index = Schema.index(of: name, in: entity) else { return nil }
        let quotedName = table.base.columns[index]
        if whole {
            return "\(base).\(quotedName)"
        }
        return "(CASE WHEN \(view).mapped THEN \(view).\(quotedName) ELSE \(base).\(quotedName) END)"
    }

    /// Returns the expression of a schema column of the base row, which the base table's indexes can serve, or
    /// nil for a name that is not a column. Use it only for columns a mapping does not change, such as sourcedIds.
    public func baseColumn(_ name: String) -> String? {
        guard let index = Schema.index(of: name, in: entity) else { return nil }
        return "\(base).\(table.base.columns[index])"
    }

    /// Returns a condition that keeps the records whose base rowid is among the rows of the base table that `rows`
    /// (a condition on that table's own columns, such as `key IN (...)`) selects.
    ///
    /// The rowid test makes SQLite find the base rows first, by the index `rows` can use, and only then their
    /// view rows, instead of scanning every view row of the app.
    public func rowidAmong(_ rows: String) -> String {
        "\(base).rowid IN (SELECT rowid FROM \(table.base.name) WHERE \(rows))"
    }

    /// The base rowid, which identifies a record for as long as it exists.
    public var rowid: String { "\(base).rowid" }

    /// A condition on the base row's sourcedId that uses the unique index, with two `?` placeholders: the
    /// sourcedId's `RecordKey`, then the sourcedId.
    ///
    /// It reads the base row's sourcedId, because a view row always stands for the base row with the same id.
    public var sourcedIdMatch: String {
        "\(base).key = ? AND \(base).\(table.base.columns[0]) = ?"
    }

    /// The select list that `readRecord(from:at:)` reads: a mapped flag, then the columns and ext of one or
    /// both rows.
    public var recordColumns: String {
        let baseColumns = (table.base.columns + ["ext"]).map { "\(base).\($0)" }.joined(separator: ", ")
        if whole {
            return "0, " + baseColumns
        }
        let viewColumns = (table.base.columns + ["ext"]).map { "\(view).\($0)" }.joined(separator: ", ")
        return "\(view).mapped, \(viewColumns), \(baseColumns)"
    }

    /// The number of result columns that `recordColumns` gives.
    public var recordColumnCount: Int32 {
        let width = Int32(table.base.columns.count + 1)
        return whole ? 1 + width : 1 + 2 * width
    }

    /// Reads the record whose `recordColumns` start at result column `offset`.
    public func readRecord(from statement: Statement, at offset: Int32) throws -> Record {
        let width = Int32(table.base.columns.count + 1)
        let mapped = statement.int64(at: offset) != 0
        let start = whole || mapped ? offset + 1 : offset + 1 + width
        return try SnapshotStore.readRecord(of: entity, from: statement, offset: start)
    }
}

/// The shape of an app's last committed view: the app run that made it and the records it contains.
public struct AppViewShape: Sendable, Hashable {
    /// The app run id.
    public var run: Int64
    /// The number that keys the app's view rows.
    public var appNumber: Int64
    /// Entities read from the base table because they are shared whole.
    public var whole: Set<Entity>
    /// The number of records per entity in the app's view, from the app run's counts.
    public var shared: [Entity: Int]
}

extension Database {
    /// Returns the id of the last committed app run of an app and district, or nil before the first.
    ///
    /// One indexed lookup, cheap enough to run on every request to see whether a cached shape is current.
    public func lastCommittedAppRunId(app: String, district: String) throws -> Int64? {
        let statement = try prepare(
            "SELECT max(id) FROM app_runs WHERE app = ?1 AND district = ?2 AND state = 'committed'")
        defer { statement.reset() }
        try statement.bind(app, at: 1)
        try statement.bind(district, at: 2)
        guard try statement.step(), !statement.isNull(at: 0) else { return nil }
        return statement.int64(at: 0)
    }

    /// Returns the shape of app run `run`, or nil when the run or its app's number is missing.
    ///
    /// Unlike `SnapshotStore.appNumber(_:)` it never assigns an app number, so it is safe on a read-only connection.
    public func appViewShape(run: Int64) throws -> AppViewShape? {
        let statement = try prepare(
            """
            SELECT a.number, r.whole, r.counts FROM app_runs AS r JOIN apps AS a ON a.id = r.app WHERE r.id = ?1
            """)
        defer { statement.reset() }
        try statement.bind(run, at: 1)
        guard try statement.step() else { return nil }
        let whole = Set(
            (statement.string(at: 1) ?? "").split(separator: ",").compactMap { Entity(rawValue: String($0)) })
        var shared: [Entity: Int] = [:]
        if let text = statement.string(at: 2) {
            guard let counts = try? JSONDecoder().decode([String: ViewCounts].self, from: Data(text.utf8)) else {
                throw StoreError.invalidStoredValue(
                    text, table: "app_runs", column: "counts", expected: "a JSON object of view counts")
            }
            for (name, value) in counts {
                if let entity = Entity(rawValue: name) { shared[entity] = value.shared }
            }
        }
        return AppViewShape(run: run, appNumber: statement.int64(at: 0), whole: whole, shared: shared)
    }
}
