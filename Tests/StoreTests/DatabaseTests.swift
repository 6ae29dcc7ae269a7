import Foundation
import OneRoster
import Testing

@testable import Store

@Suite struct DatabaseTests {
    @Test func walModeIsOn() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        #expect(try store.database.scalarText("PRAGMA journal_mode") == "wal")
        #expect(try store.database.scalarInt("PRAGMA synchronous") == 1)
        #expect(try store.database.scalarInt("PRAGMA foreign_keys") == 1)
        #expect(try store.database.scalarInt("PRAGMA busy_timeout") == 5000)
    }

    @Test func migrationFromEmptyFile() throws {
        let folder = try TemporaryFolder()
        let path = folder.path()
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        let store = try SnapshotStore(path: path)
        #expect(try store.database.scalarInt("PRAGMA user_version") == Int64(Migrations.latestVersion))

        var tables: [String] = []
        let statement = try store.database.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", cached: false)
        while try statement.step() { tables.append(statement.string(at: 0) ?? "") }
        let expected =
            ([
                "districts", "runs", "diagnostics", "connector_state", "apps", "app_runs", "app_deliveries",
                "app_disclosures", "sso_links", "sso_refresh_tokens", "sso_signing_keys",
            ] + Entity.allCases.map(\.rawValue)
            + Entity.allCases.map { $0.rawValue + "_changes" } + Entity.allCases.map { "app_" + $0.rawValue }).sorted()
        #expect(tables == expected)

        let columns = try tableColumns(store.database, "enrollments")
        #expect(columns.first == "district")
        #expect(Array(columns.dropFirst().dropLast(4)) == Schema.columns(of: .enrollments).map(\.name))
        #expect(columns.suffix(4) == ["ext", "hash", "run", "key"])
        let changeColumns = try tableColumns(store.database, "enrollments_changes")
        #expect(Array(changeColumns.prefix(3)) == ["run", "change", "district"])
        #expect(Array(changeColumns.dropFirst(3).dropLast(3)) == Schema.columns(of: .enrollments).map(\.name))
        #expect(changeColumns.suffix(3) == ["ext", "hash", "key"])
        #expect(columns.contains("primary"))
    }

    @Test func firstVersionStoreMigratesWithKeys() throws {
        let folder = try TemporaryFolder()
        let path = folder.path()
        do {
            let database = try Database(path: path)
            try database.transaction {
                try Migrations.steps[0].apply(database)
                try database.execute("PRAGMA user_version = 1")
                try database.execute("INSERT INTO districts (id) VALUES ('d')")
                try database.execute(
                    "INSERT INTO users (district, \"sourcedId\", \"givenName\", hash) VALUES ('d', 'u-7', 'Ines', 1)")
            }
        }
        let store = try SnapshotStore(path: path)
        #expect(try store.database.scalarInt("PRAGMA user_version") == Int64(Migrations.latestVersion))
        #expect(try store.record(district: "d", entity: .users, sourcedId: "u-7")?["givenName"] == "Ines")
        #expect(try store.database.scalarInt("SELECT key FROM users") == RecordKey.of("u-7"))
        #expect(try store.liveCount(district: "d", entity: .users) == 1)
    }

    @Test func reopeningKeepsVersionAndData() throws {
        let folder = try TemporaryFolder()
        do {
            let store = try SnapshotStore(path: folder.path())
            try store.saveDistrict(id: "d", name: "Hill District")
        }
        let store = try SnapshotStore(path: folder.path())
        #expect(try store.districtIds() == ["d"])
        #expect(try store.database.scalarText("SELECT name FROM districts") == "Hill District")
    }

    @Test func newerSchemaIsRejected() throws {
        let folder = try TemporaryFolder()
        let path = folder.path()
        do {
            let database = try Database(path: path)
            try database.execute("PRAGMA user_version = 99")
        }
        let error = #expect(throws: StoreError.self) { try SnapshotStore(path: path) }
        #expect(error?.code == "store.newer_schema")
        #expect(
            error?.description
                == "Store file '\(path)' has schema version 99, but this build supports up to 6; "
                + "run a newer Rollbook or restore an older copy of the file")
    }

    @Test func newStoreIsOwnerOnly() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.path())
        try database.execute("CREATE TABLE t (x)")
        for suffix in ["", "-wal"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: folder.path() + suffix)
            #expect((attributes[.posixPermissions] as? Int) == 0o600, "store file\(suffix)")
        }
    }

    @Test func sqliteErrorNamesCodeAndStatement() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.path())
        let error = #expect(throws: StoreError.self) { try database.execute("SELECT * FROM missing_table") }
        #expect(error?.code == "sqlite.error")
        #expect(error?.resultCode == 1)
        #expect(error?.sql == "SELECT * FROM missing_table")
        #expect(
            error?.description
                == "SQLite failed with code 1 (error): no such table: missing_table in statement 'SELECT * FROM missing_table'"
        )
    }

    @Test func statementBindsAndReadsEveryType() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.path())
        try database.execute("CREATE TABLE t (i INTEGER, d REAL, s TEXT, b BLOB, n TEXT)")
        let insert = try database.prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5)")
        try insert.bind(Int64.min, at: 1)
        try insert.bind(2.5, at: 2)
        try insert.bind("héllo", at: 3)
        try insert.bind(Data([0, 1, 255]), at: 4)
        try insert.bind(String?.none, at: 5)
        try insert.run()

        let select = try database.prepare("SELECT i, d, s, b, n FROM t")
        #expect(try select.step())
        #expect(select.int64(at: 0) == Int64.min)
        #expect(select.double(at: 1) == 2.5)
        #expect(select.string(at: 2) == "héllo")
        #expect(select.data(at: 3) == Data([0, 1, 255]))
        #expect(select.string(at: 4) == nil)
        #expect(select.isNull(at: 4))
        #expect(try select.step() == false)
    }

    @Test func preparedStatementsAreCachedBySQL() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.path())
        let first = try database.prepare("SELECT 1")
        let second = try database.prepare("SELECT 1")
        let uncached = try database.prepare("SELECT 1", cached: false)
        #expect(first === second)
        #expect(first !== uncached)
    }

    @Test func transactionRollsBackOnThrow() throws {
        struct Stop: Error {}
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.path())
        try database.execute("CREATE TABLE t (x INTEGER)")
        #expect(throws: Stop.self) {
            try database.transaction {
                try database.execute("INSERT INTO t VALUES (1)")
                throw Stop()
            }
        }
        #expect(database.isInTransaction == false)
        #expect(try database.scalarInt("SELECT count(*) FROM t") == 0)
    }

    private func tableColumns(_ database: Database, _ table: String) throws -> [String] {
        let statement = try database.prepare(
            "SELECT name FROM pragma_table_info('\(table)') ORDER BY cid", cached: false)
        var names: [String] = []
        while try statement.step() { names.append(statement.string(at: 0) ?? "") }
        return names
    }
}
