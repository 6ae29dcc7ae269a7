import OneRoster

/// The SQL text for one entity's app view table, `app_<entity>`.
///
/// A view row stands for one base record shared with one app, keyed by the app's number and the base row's
/// rowid, which a record keeps for life (a tombstone that comes back is restored in the same row).
/// `mapped` is 1 when the app sees values that differ from the base row's, which are then stored in the
/// row's own copy of the entity columns; otherwise those columns are NULL and the base row is what is shared.
/// `changed` is the app run that last changed what the app sees, and `removed` marks a record that left the
/// view, kept so that a delta can send its tombstone. `input` is a hash of what the mapping function was
/// given, so that it runs again only when that changes.
struct AppViewTable: Sendable {
    let entity: Entity
    let base: EntityTable
    /// The quoted table name, such as `"app_users"`.
    let name: String

    init(_ entity: Entity) {
        self.entity = entity
        self.base = EntityTable.of(entity)
        self.name = quoted("app_" + entity.rawValue)
    }

    static func of(_ entity: Entity) -> AppViewTable { all[entity.order] }

    private static let all: [AppViewTable] = Entity.allCases.map(AppViewTable.init)

    var createTable: String {
        let columnList = base.columns.map { "\($0) TEXT" }.joined(separator: ", ")
        return """
            CREATE TABLE \(name) (app INTEGER NOT NULL, row INTEGER NOT NULL, hash INTEGER, input INTEGER, \
            changed INTEGER NOT NULL, removed INTEGER NOT NULL DEFAULT 0, mapped INTEGER NOT NULL DEFAULT 0, \
            \(columnList), ext TEXT, PRIMARY KEY (app, row)) WITHOUT ROWID
            """
    }

    /// Parameters: ?1 district, ?2 first rowid, ?3 rowid past the last. Live base records of a rowid range.
    var selectBaseRange: String {
        """
        SELECT rowid, \(base.selectRecordColumns), hash FROM \(base.name) \
        WHERE rowid >= ?2 AND rowid < ?3 AND district = ?1 AND \(base.columns[1]) IS NOT 'tobedeleted' \
        ORDER BY rowid
        """
    }

    /// Parameter: ?1 district. The largest rowid of the entity's base table.
    var selectMaxRow: String { "SELECT max(rowid) FROM \(base.name)" }

    /// Parameters: ?1 app, ?2 district, ?3 first row, ?4 row past the last. The view's rows for a base range:
    /// row, hash, input, removed.
    var selectRange: String {
        """
        SELECT v.row, v.hash, v.input, v.removed FROM \(name) AS v JOIN \(base.name) AS b ON b.rowid = v.row \
        WHERE v.app = ?1 AND v.row >= ?3 AND v.row < ?4 AND b.district = ?2
        """
    }

    /// Parameters: ?1 app, ?2 row, ?3 hash, ?4 input, ?5 changed, ?6 mapped, ?7... the columns, then ext.
    var upsert: String {
        let names = (["app", "row", "hash", "input", "changed", "removed", "mapped"] + base.columns + ["ext"])
        let placeholders = ["?1", "?2", "?3", "?4", "?5", "0", "?6"] + (0...base.columns.count).map { "?\($0 + 7)" }
        return """
            INSERT OR REPLACE INTO \(name) (\(names.joined(separator: ", "))) \
            VALUES (\(placeholders.joined(separator: ", ")))
            """
    }

    /// Parameters: ?1 app, ?2 row, ?3 changing app run, ?4 input hash of the mapping's last decision.
    var markRemoved: String {
        "UPDATE \(name) SET removed = 1, changed = ?3, input = ?4 WHERE app = ?1 AND row = ?2"
    }

    /// Parameters: ?1 app, ?2 changing app run, ?3 district. Marks removed every row of the district.
    var removeAll: String {
        """
        UPDATE \(name) SET removed = 1, changed = ?2 WHERE app = ?1 AND removed = 0 \
        AND row IN (SELECT rowid FROM \(base.name) WHERE district = ?3)
        """
    }

    /// Parameters: ?1 app, ?2 row, ?3 input hash. Records a new input whose mapping gave the same result.
    var updateInput: String { "UPDATE \(name) SET input = ?3 WHERE app = ?1 AND row = ?2" }

    /// Parameters: ?1 app, ?2 row, ?3 input hash, so that a record left out stays out without calling the
    /// mapping function again, or a record kept whose input is unchanged skips the call next time.
    var insertRemoved: String {
        "INSERT OR IGNORE INTO \(name) (app, row, hash, input, changed, removed, mapped) VALUES (?1, ?2, NULL, ?3, 0, 1, 0)"
    }

    /// Parameters: ?1 app, ?2 district, ?3 app run after which rows changed (0 for every row), ?4 whether
    /// removed rows are included (1) or not (0). Rows in base rowid order: row, changed, removed, mapped, the
    /// view's columns and ext, then the base's columns and ext.
    var selectForExport: String {
        let viewColumns = (base.columns + ["ext"]).map { "v.\($0)" }.joined(separator: ", ")
        let baseColumns = (base.columns + ["ext"]).map { "b.\($0)" }.joined(separator: ", ")
        return """
            SELECT v.row, v.changed, v.removed, v.mapped, \(viewColumns), \(baseColumns) FROM \(name) AS v \
            JOIN \(base.name) AS b ON b.rowid = v.row \
            WHERE v.app = ?1 AND b.district = ?2 AND v.changed > ?3 AND (v.removed = 0 OR ?4 = 1) \
            ORDER BY v.row
            """
    }

    /// Parameters: ?1 app (unused, so that both export queries bind alike), ?2 district, ?3 sync run after which
    /// base records changed (0 for all), ?4 whether tombstones are included (1) or not (0). The same columns as
    /// `selectForExport`, with the base run as `changed` and the base columns in the view's place.
    var selectWholeForExport: String {
        """
        SELECT rowid, run, \(base.columns[1]) IS 'tobedeleted', 0, \(base.selectRecordColumns) FROM \(base.name) \
        WHERE ?1 IS NOT NULL AND district = ?2 AND run > ?3 AND (\(base.columns[1]) IS NOT 'tobedeleted' OR ?4 = 1) \
        ORDER BY rowid
        """
    }

    /// Parameters: ?1 district, ?2 sync run. Live records, live records changed after the run, and tombstones
    /// made after it, in one scan.
    var countWhole: String {
        """
        SELECT coalesce(sum(\(base.columns[1]) IS NOT 'tobedeleted'), 0), \
        coalesce(sum(run > ?2 AND \(base.columns[1]) IS NOT 'tobedeleted'), 0), \
        coalesce(sum(run > ?2 AND \(base.columns[1]) IS 'tobedeleted'), 0) FROM \(base.name) WHERE district = ?1
        """
    }

    /// Parameters: ?1 app, ?2 district. Deletes the view rows of the district, for an entity that becomes
    /// shared whole.
    var clear: String {
        "DELETE FROM \(name) WHERE app = ?1 AND row IN (SELECT rowid FROM \(base.name) WHERE district = ?2)"
    }
}
