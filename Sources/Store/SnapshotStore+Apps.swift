import Foundation
import OneRoster

extension SnapshotStore {
    /// Returns the number that keys an app's view rows, assigning one the first time an app is seen.
    public func appNumber(_ app: String) throws -> Int64 {
        let select = try database.prepare("SELECT number FROM apps WHERE id = ?1")
        defer { select.reset() }
        try select.bind(app, at: 1)
        if try select.step() { return select.int64(at: 0) }
        let insert = try database.prepare("INSERT INTO apps (id) VALUES (?1)")
        defer { insert.reset() }
        try insert.bind(app, at: 1)
        try insert.run()
        return database.lastInsertRowid
    }

    /// Starts an app run and returns its id.
    public func beginAppRun(app: String, district: String, baseRun: Int64, mapping: String) throws -> Int64 {
        let statement = try database.prepare(
            """
            INSERT INTO app_runs (app, district, base_run, mapping, started_at, state)
            VALUES (?1, ?2, ?3, ?4, ?5, 'running')
            """)
        defer { statement.reset() }
        try statement.bind(app, at: 1)
        try statement.bind(district, at: 2)
        try statement.bind(baseRun, at: 3)
        try statement.bind(mapping, at: 4)
        try statement.bind(SnapshotStore.timestamp(), at: 5)
        try statement.run()
        return database.lastInsertRowid
    }

    /// Records how an app run ended.
    public func finishAppRun(
        id: Int64, state: AppRunState, counts: [Entity: ViewCounts], whole: Set<Entity>, errors: [String]
    ) throws {
        let statement = try database.prepare(
            "UPDATE app_runs SET ended_at = ?2, state = ?3, counts = ?4, whole = ?5, errors = ?6 WHERE id = ?1")
        defer { statement.reset() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let keyed = Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) })
        try statement.bind(id, at: 1)
        try statement.bind(SnapshotStore.timestamp(), at: 2)
        try statement.bind(state.rawValue, at: 3)
        try statement.bind(String(decoding: try encoder.encode(keyed), as: UTF8.self), at: 4)
        try statement.bind(Entity.allCases.filter(whole.contains).map(\.rawValue).joined(separator: ","), at: 5)
        try statement.bind(String(decoding: try encoder.encode(errors), as: UTF8.self), at: 6)
        try statement.run()
    }

    /// Returns the last committed app run of an app and district, or nil before the first.
    public func lastAppRun(app: String, district: String) throws -> AppRun? {
        try appRuns(app: app, district: district, limit: 1, committedOnly: true).first
    }

    /// Returns an app's runs, newest first; with a district, only that district's.
    public func appRuns(app: String, district: String? = nil, limit: Int = 50, committedOnly: Bool = false) throws
        -> [AppRun]
    {
        let statement = try database.prepare(
            """
            SELECT id, app, district, base_run, mapping, started_at, ended_at, state, counts, whole, errors
            FROM app_runs WHERE app = ?1 AND (?2 IS NULL OR district = ?2) AND (?3 = 0 OR state = 'committed')
            ORDER BY id DESC LIMIT ?4
            """)
        defer { statement.reset() }
        try statement.bind(app, at: 1)
        try statement.bind(district, at: 2)
        try statement.bind(Int64(committedOnly ? 1 : 0), at: 3)
        try statement.bind(Int64(limit), at: 4)
        var runs: [AppRun] = []
        while try statement.step() {
            runs.append(try appRun(from: statement))
        }
        return runs
    }

    /// Returns one app run, or nil.
    public func appRun(_ id: Int64) throws -> AppRun? {
        let statement = try database.prepare(
            """
            SELECT id, app, district, base_run, mapping, started_at, ended_at, state, counts, whole, errors
            FROM app_runs WHERE id = ?1
            """)
        defer { statement.reset() }
        try statement.bind(id, at: 1)
        guard try statement.step() else { return nil }
        return try appRun(from: statement)
    }

    private func appRun(from statement: Statement) throws -> AppRun {
        var counts: [Entity: ViewCounts] = [:]
        if let text = statement.string(at: 8) {
            do {
                let keyed = try JSONDecoder().decode([String: ViewCounts].self, from: Data(text.utf8))
                for (name, value) in keyed { if let entity = Entity(rawValue: name) { counts[entity] = value } }
            } catch {
                throw StoreError.invalidStoredValue(
                    text, table: "app_runs", column: "counts", expected: "a JSON object of view counts")
            }
        }
        let whole = Set(
            (statement.string(at: 9) ?? "").split(separator: ",").compactMap { Entity(rawValue: String($0)) })
        var errors: [String] = []
        if let text = statement.string(at: 10) {
            errors = (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
        }
        return AppRun(
            id: statement.int64(at: 0), app: statement.string(at: 1) ?? "", district: statement.string(at: 2) ?? "",
            baseRun: statement.int64(at: 3), mapping: statement.string(at: 4) ?? "",
            startedAt: SnapshotStore.date(statement.string(at: 5) ?? "") ?? Date(timeIntervalSince1970: 0),
            endedAt: statement.string(at: 6).flatMap(SnapshotStore.date),
            state: AppRunState(rawValue: statement.string(at: 7) ?? "") ?? .failed, counts: counts, whole: whole,
            errors: errors)
    }
}

/// One record of an app view, as the app sees it.
public struct ViewRecord: Sendable {
    /// The base row's rowid.
    public var row: Int64
    /// For a view row, the app run that last changed what the app sees of the record; for a record of an entity
    /// shared whole, the sync run that last changed the base record.
    public var changed: Int64
    /// Whether the record comes straight from the base table, because its entity is shared whole.
    public var isBase: Bool
    /// Whether the record left the view; then `record` holds only its sourcedId and `tobedeleted` status.
    public var removed: Bool
    public var record: Record
}

extension SnapshotStore {
    /// Calls `body` with the view records of an entity in a district that changed after `after`, in base rowid
    /// order. Removed records come only with `includeRemoved`.
    ///
    /// With `whole`, the entity is shared whole: the records are the district's base records, `after` is a sync
    /// run (0 for all), and a removed record is a tombstone. Otherwise they are the app's view rows and `after`
    /// is an app run.
    public func forEachViewRecord(
        app: Int64, district: String, entity: Entity, whole: Bool = false, after: Int64 = 0, includeRemoved: Bool,
        limit: Int? = nil, _ body: (ViewRecord) throws -> Void
    ) throws {
        let table = AppViewTable.of(entity)
        let sql = (whole ? table.selectWholeForExport : table.selectForExport) + (limit.map { " LIMIT \($0)" } ?? "")
        let statement = try database.prepare(sql, cached: limit == nil)
        defer { statement.reset() }
        try statement.bind(app, at: 1)
        try statement.bind(district, at: 2)
        try statement.bind(after, at: 3)
        try statement.bind(Int64(includeRemoved ? 1 : 0), at: 4)
        let width = Int32(Schema.columns(of: entity).count + 1)
        while try statement.step() {
            let removed = statement.int64(at: 2) != 0
            let mapped = statement.int64(at: 3) != 0
            var record = try SnapshotStore.readRecord(
                of: entity, from: statement, offset: whole || mapped ? 4 : 4 + width)
            if removed {
                var values = [String?](repeating: nil, count: Schema.columns(of: entity).count)
                values[0] = record.sourcedId
                values[1] = "tobedeleted"
                values[2] = whole ? record.value(at: 2) : nil
                record = Record(entity: entity, values: values)
            }
            try body(
                ViewRecord(
                    row: statement.int64(at: 0), changed: statement.int64(at: 1), isBase: whole, removed: removed,
                    record: record))
        }
    }

    /// Counts, for an entity shared whole, the district's live records and those changed or removed by sync runs
    /// after `sinceBaseRun`.
    public func wholeCounts(district: String, entity: Entity, sinceBaseRun: Int64) throws -> ViewCounts {
        let statement = try database.prepare(AppViewTable.of(entity).countWhole)
        defer { statement.reset() }
        try statement.bind(district, at: 1)
        try statement.bind(sinceBaseRun, at: 2)
        try statement.step()
        return ViewCounts(
            shared: Int(statement.int64(at: 0)), changed: Int(statement.int64(at: 1)),
            removed: Int(statement.int64(at: 2)))
    }

    /// Returns when each app run of an app and district ended (or started, for a run still going), by run id.
    public func appRunTimes(app: String, district: String) throws -> [Int64: String] {
        let statement = try database.prepare(
            "SELECT id, coalesce(ended_at, started_at) FROM app_runs WHERE app = ?1 AND district = ?2")
        defer { statement.reset() }
        try statement.bind(app, at: 1)
        try statement.bind(district, at: 2)
        var times: [Int64: String] = [:]
        while try statement.step() { times[statement.int64(at: 0)] = statement.string(at: 1) }
        return times
    }
}
