import OneRoster

/// The SQL text for one entity's table: `district`, one TEXT column per schema column, `ext` and `hash`.
struct EntityTable: Sendable {
    let entity: Entity
    /// The quoted table name, which is the entity name, such as `"academicSessions"`.
    let name: String
    /// The quoted schema column names, in `Schema.columns(of:)` order.
    let columns: [String]
    let indexName: String

    init(_ entity: Entity) {
        self.entity = entity
        self.name = quoted(entity.rawValue)
        self.columns = Schema.columns(of: entity).map { quoted($0.name) }
        self.indexName = quoted(entity.rawValue + "_district_sourcedId")
    }

    /// Returns the table of an entity.
    static func of(_ entity: Entity) -> EntityTable {
        all[entity.order]
    }

    private static let all: [EntityTable] = Entity.allCases.map(EntityTable.init)

    var createTable: String {
        let columnList = columns.map { "\($0) TEXT" }.joined(separator: ", ")
        return "CREATE TABLE \(name) (district TEXT NOT NULL, \(columnList), ext TEXT, hash INTEGER)"
    }

    var createIndex: String {
        "CREATE UNIQUE INDEX \(indexName) ON \(name) (district, \(columns[0]))"
    }

    var dropIndex: String { "DROP INDEX IF EXISTS \(indexName)" }

    /// Parameters: ?1 district, ?2... the schema columns, then ext, then hash.
    var upsert: String {
        let names = (["district"] + columns + ["ext", "hash"]).joined(separator: ", ")
        let placeholders = (1...(columns.count + 3)).map { "?\($0)" }.joined(separator: ", ")
        return "INSERT OR REPLACE INTO \(name) (\(names)) VALUES (\(placeholders))"
    }

    /// Keeps the last row written for each key, for a bulk load that was inserted without its unique index.
    var deleteEarlierDuplicates: String {
        "DELETE FROM \(name) WHERE rowid NOT IN (SELECT max(rowid) FROM \(name) GROUP BY district, \(columns[0]))"
    }

    var selectRecordColumns: String { (columns + ["ext"]).joined(separator: ", ") }

    /// Parameters: ?1 district, ?2 sourcedId.
    var selectOne: String {
        "SELECT \(selectRecordColumns) FROM \(name) WHERE district = ?1 AND \(columns[0]) = ?2"
    }

    /// Parameter: ?1 district.
    var selectAll: String {
        "SELECT \(selectRecordColumns) FROM \(name) WHERE district = ?1 ORDER BY \(columns[0])"
    }

    /// Parameter: ?1 district.
    var selectHashes: String {
        "SELECT \(columns[0]), hash FROM \(name) WHERE district = ?1 ORDER BY \(columns[0])"
    }

    /// Parameter: ?1 district.
    var count: String { "SELECT count(*) FROM \(name) WHERE district = ?1" }

    /// Parameters: ?1 district, ?2 sourcedId.
    var deleteOne: String { "DELETE FROM \(name) WHERE district = ?1 AND \(columns[0]) = ?2" }

    /// Parameter: ?1 district.
    var deleteDistrict: String { "DELETE FROM \(name) WHERE district = ?1" }

    /// Without a WHERE clause SQLite empties the table in one step instead of row by row.
    var deleteAll: String { "DELETE FROM \(name)" }

    var minDistrict: String { "SELECT min(district) FROM \(name)" }
    var maxDistrict: String { "SELECT max(district) FROM \(name)" }
}

/// Returns `identifier` as a quoted SQL identifier, so names such as `primary` are not read as keywords.
func quoted(_ identifier: String) -> String {
    "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
