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
        self.indexName = quoted(entity.rawValue + "_key")
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

    /// The unique index of schema version 1, replaced by `createIndex` in version 2.
    var createFirstIndex: String {
        "CREATE UNIQUE INDEX \(quoted(entity.rawValue + "_district_sourcedId")) ON \(name) (district, \(columns[0]))"
    }

    /// The unique index on (key, district, sourcedId). `key` is a 64-bit hash of the sourcedId
    /// (`RecordKey.of`): SQLite compares the integer first and the text only when two keys are equal, so
    /// building the index for a 10M-row load sorts about a third faster than on (district, sourcedId).
    var createIndex: String {
        "CREATE UNIQUE INDEX \(indexName) ON \(name) (key, district, \(columns[0]))"
    }

    var dropIndex: String { "DROP INDEX IF EXISTS \(indexName)" }

    /// The sign-in lookup indexes of the users table: live users by district and lower-case e-mail or username.
    /// Empty for the other entities. They exist only in stores that sign people in (`ensureSignInIndexes()`). A
    /// bulk load drops them and rebuilds those that were there, because building an index once is about twice as
    /// quick as updating it row by row.
    var createLookupIndexes: String {
        guard entity == .users else { return "" }
        let live = "\"status\" IS NOT 'tobedeleted'"
        return """
            CREATE INDEX IF NOT EXISTS users_email_lower ON \(name) (district, lower("email")) WHERE \(live);
            CREATE INDEX IF NOT EXISTS users_username_lower ON \(name) (district, lower("username")) WHERE \(live);
            """
    }

    /// The names of the lookup indexes, for checking which exist.
    var lookupIndexNames: [String] { entity == .users ? ["users_email_lower", "users_username_lower"] : [] }

    var dropLookupIndexes: String {
        entity == .users ? "DROP INDEX IF EXISTS users_email_lower; DROP INDEX IF EXISTS users_username_lower;" : ""
    }

    /// Parameters: ?1 district, ?2... the schema columns, then ext, hash, run and key.
    var upsert: String {
        let names = (["district"] + columns + ["ext", "hash", "run", "key"]).joined(separator: ", ")
        let placeholders = (1...(columns.count + 5)).map { "?\($0)" }.joined(separator: ", ")
        return "INSERT OR REPLACE INTO \(name) (\(names)) VALUES (\(placeholders))"
    }

    /// Keeps the last row written for each key, for a bulk load that was inserted without its unique index.
    var deleteEarlierDuplicates: String {
        "DELETE FROM \(name) WHERE rowid NOT IN (SELECT max(rowid) FROM \(name) GROUP BY district, \(columns[0]))"
    }

    var selectRecordColumns: String { (columns + ["ext"]).joined(separator: ", ") }

    /// Parameters: ?1 district, ?2 sourcedId, ?3 its key.
    var selectOne: String {
        "SELECT \(selectRecordColumns) FROM \(name) WHERE key = ?3 AND district = ?1 AND \(columns[0]) = ?2"
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

    /// Parameter: ?1 district. Counts the records that are not tombstones.
    var countLive: String {
        "SELECT count(*) FROM \(name) WHERE district = ?1 AND \(columns[1]) IS NOT 'tobedeleted'"
    }

    /// Parameter: ?1 district. Returns sourcedId, hash and whether the record is a tombstone.
    var selectStates: String {
        "SELECT \(columns[0]), hash, \(columns[1]) IS 'tobedeleted' FROM \(name) WHERE district = ?1"
    }

    /// Parameters: ?1 district, ?2 sourcedId, ?3 its key.
    var deleteOne: String { "DELETE FROM \(name) WHERE key = ?3 AND district = ?1 AND \(columns[0]) = ?2" }

    /// Parameter: ?1 district.
    var deleteDistrict: String { "DELETE FROM \(name) WHERE district = ?1" }

    /// Without a WHERE clause SQLite empties the table in one step instead of row by row.
    var deleteAll: String { "DELETE FROM \(name)" }

    // MARK: - Changes

    /// The quoted name of the table that keeps each run's changes of this entity.
    var changeName: String { quoted(entity.rawValue + "_changes") }

    var createChangeTable: String {
        let columnList = columns.map { "\($0) TEXT" }.joined(separator: ", ")
        return """
            CREATE TABLE \(changeName) (run INTEGER NOT NULL, change TEXT NOT NULL, district TEXT NOT NULL, \
            \(columnList), ext TEXT, hash INTEGER, key INTEGER NOT NULL)
            """
    }

    var createChangeIndexes: String {
        """
        CREATE INDEX \(quoted(entity.rawValue + "_changes_run")) ON \(changeName) (run, change);
        CREATE INDEX \(quoted(entity.rawValue + "_changes_record")) ON \(changeName) (district, \(columns[0]));
        """
    }

    /// Parameters: ?1 run, ?2 change, ?3 district, ?4... the schema columns, then ext, hash and key.
    var insertChange: String {
        let names = (["run", "change", "district"] + columns + ["ext", "hash", "key"]).joined(separator: ", ")
        let placeholders = (1...(columns.count + 6)).map { "?\($0)" }.joined(separator: ", ")
        return "INSERT INTO \(changeName) (\(names)) VALUES (\(placeholders))"
    }

    /// Parameters: ?1 run, ?2 district, ?3 sourcedId, ?4 hash of the removed content, ?5 the sourcedId's key.
    var insertRemoval: String {
        """
        INSERT INTO \(changeName) (run, change, district, \(columns[0]), \(columns[1]), hash, key) \
        VALUES (?1, 'removed', ?2, ?3, 'tobedeleted', ?4, ?5)
        """
    }

    /// Parameters: ?1 run, ?2 district, ?3 sourcedId.
    var deleteChange: String {
        "DELETE FROM \(changeName) WHERE run = ?1 AND district = ?2 AND \(columns[0]) = ?3"
    }

    /// Parameter: ?1 run.
    var deleteChanges: String { "DELETE FROM \(changeName) WHERE run = ?1" }

    /// Parameter: ?1 run. Rows of change kind and count.
    var countChanges: String { "SELECT change, count(*) FROM \(changeName) WHERE run = ?1 GROUP BY change" }

    /// Parameters: ?1 run, ?2 change, ?3 limit.
    var sampleChanges: String {
        "SELECT \(columns[0]) FROM \(changeName) WHERE run = ?1 AND change = ?2 ORDER BY \(columns[0]) LIMIT ?3"
    }

    /// Parameters: ?1 district, ?2 run, ?3 limit. Records a run wrote straight into the snapshot (a first load),
    /// in the order they were written: sorting millions of rows for a few samples would take seconds.
    var sampleLoaded: String {
        "SELECT \(columns[0]) FROM \(name) WHERE district = ?1 AND run = ?2 ORDER BY rowid LIMIT ?3"
    }

    /// Parameters: ?1 run, ?2 district, ?3 sourcedId. The staged record of a run, with its change kind.
    var selectChange: String {
        "SELECT \(selectRecordColumns), change FROM \(changeName) WHERE run = ?1 AND district = ?2 AND \(columns[0]) = ?3"
    }

    /// Parameters: ?1 district, ?2 sourcedId. A record's changes, oldest first: run, change, dateLastModified.
    var selectHistory: String {
        """
        SELECT run, change, \(columns[2]) FROM \(changeName) WHERE district = ?1 AND \(columns[0]) = ?2 \
        ORDER BY run
        """
    }

    /// The statements that publish a run's staged changes into the snapshot, in order. Parameters: ?1 run,
    /// ?2 the publishing time, which becomes the `dateLastModified` of every record the run changed.
    ///
    /// New, updated and restored records go in through one upsert, so a record lands right even if the run
    /// took it for the wrong kind of change. An existing row is updated in place and keeps its rowid.
    var publishChanges: [String] {
        let copied = (["district"] + columns + ["ext", "hash", "run", "key"]).joined(separator: ", ")
        let updates = (columns.dropFirst() + ["ext", "hash", "run"]).map { "\($0) = excluded.\($0)" }
            .joined(separator: ", ")
        let match =
            "\(name).key = c.key AND \(name).district = c.district AND \(name).\(columns[0]) = c.\(columns[0])"
        return [
            "UPDATE \(changeName) SET \(columns[2]) = ?2 WHERE run = ?1",
            """
            INSERT INTO \(name) (\(copied)) SELECT \(copied) FROM \(changeName) \
            WHERE run = ?1 AND change IN ('created', 'updated', 'restored') \
            ON CONFLICT (key, district, \(columns[0])) DO UPDATE SET \(updates)
            """,
            """
            UPDATE \(name) SET \(columns[1]) = 'tobedeleted', \(columns[2]) = ?2, run = ?1 FROM \(changeName) AS c \
            WHERE c.run = ?1 AND c.change = 'removed' AND \(match)
            """,
        ]
    }

    var minDistrict: String { "SELECT min(district) FROM \(name)" }
    var maxDistrict: String { "SELECT max(district) FROM \(name)" }
}

/// Returns `identifier` as a quoted SQL identifier, so names such as `primary` are not read as keywords.
func quoted(_ identifier: String) -> String {
    "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
