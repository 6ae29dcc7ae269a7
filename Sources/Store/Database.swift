import CSQLite
import Glibc

/// One SQLite connection in WAL mode, with a cache of prepared statements keyed by SQL text.
///
/// Not Sendable and not thread-safe: the connection is opened in SQLite's multi-thread mode (`SQLITE_OPEN_NOMUTEX`),
/// so use one `Database` per thread and never share it or its statements. Other connections, in this process or
/// another, may read the same file while one writes; a writer waits up to `busyTimeout` for the write lock.
public final class Database {
    /// The path of the database file.
    public let path: String
    let handle: OpaquePointer
    private var cache: [String: Statement] = [:]

    /// Opens or creates the file at `path` with WAL journaling, `synchronous=NORMAL` and foreign keys on.
    ///
    /// `busyTimeout` is in milliseconds.
    public init(path: String, busyTimeout: Int32 = 5000) throws {
        // A new store is readable by its owner only, because it comes to hold signing keys and token digests.
        // SQLite gives the -wal and -shm files the same permissions. An existing file keeps its own.
        let created = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if created >= 0 { close(created) }
        var connection: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let status = sqlite3_open_v2(path, &connection, flags, nil)
        guard status == SQLITE_OK, let connection else {
            let error = StoreError.sqlite(status, connection: connection, sql: nil)
            sqlite3_close_v2(connection)
            throw error
        }
        self.path = path
        self.handle = connection
        sqlite3_busy_timeout(connection, busyTimeout)
        try execute("PRAGMA journal_mode=WAL")
        // A WAL file stays as large as the largest transaction, which is gigabytes for 10M rows. This limit
        // (in bytes) makes SQLite truncate it after a checkpoint.
        try execute("PRAGMA journal_size_limit=67108864")
        try execute("PRAGMA synchronous=NORMAL")
        try execute("PRAGMA foreign_keys=ON")
        // A negative cache size is in KiB: 64 MiB keeps index builds of large snapshots mostly in memory.
        try execute("PRAGMA cache_size=-65536")
        // Sorting for an index build spills to temporary files past the cache size instead of growing the
        // process: a 10M-row index sorted in memory took over half a gigabyte.
        try execute("PRAGMA temp_store=FILE")
        // Lets an index build sort with a helper thread.
        _ = try scalarInt("PRAGMA threads=2")
    }

    deinit {
        // Finalize cached statements first; close_v2 defers the close while uncached ones are still alive.
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs one or more SQL statements that return no rows needed by the caller.
    public func execute(_ sql: String) throws {
        var errorText: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &errorText)
        sqlite3_free(errorText)
        guard status == SQLITE_OK else { throw StoreError.sqlite(status, connection: handle, sql: sql) }
    }

    /// Returns the prepared statement for `sql`, reset and with its bindings cleared, from the cache when it is there.
    ///
    /// A cached statement is shared by every caller with the same SQL text, so finish with it (step to the end or
    /// reset it) before the same text is prepared again. Pass `cached: false` for a statement that stays open while
    /// other work runs, such as a streaming query whose caller runs arbitrary code per row.
    public func prepare(_ sql: String, cached: Bool = true) throws -> Statement {
        if cached, let statement = cache[sql] {
            statement.reset()
            statement.clearBindings()
            return statement
        }
        var statementHandle: OpaquePointer?
        let status = sqlite3_prepare_v3(
            handle, sql, -1, cached ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0, &statementHandle, nil)
        guard status == SQLITE_OK, let statementHandle else {
            throw StoreError.sqlite(status, connection: handle, sql: sql)
        }
        let statement = Statement(handle: statementHandle, connection: handle, sql: sql)
        if cached { cache[sql] = statement }
        return statement
    }

    /// Whether a transaction is open on this connection.
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// The number of rows changed by the last INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes64(handle)) }

    /// The rowid of the last successful INSERT on this connection.
    public var lastInsertRowid: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Starts a write transaction that takes the write lock at once (`BEGIN IMMEDIATE`).
    public func begin() throws {
        try prepare("BEGIN IMMEDIATE").run()
    }

    /// Commits the open transaction.
    public func commit() throws {
        try prepare("COMMIT").run()
    }

    /// Rolls back the open transaction; does nothing when none is open.
    public func rollback() throws {
        guard isInTransaction else { return }
        try prepare("ROLLBACK").run()
    }

    /// Runs `body` in an IMMEDIATE transaction: commits when it returns, rolls back when it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try begin()
        do {
            let result = try body()
            try commit()
            return result
        } catch {
            try? rollback()
            throw error
        }
    }

    /// Returns the first column of the first row of a query as an integer, or nil when there is no row or it is NULL.
    /// Returns whether an index with one of `names` exists.
    func hasAnyIndex(named names: [String]) throws -> Bool {
        guard !names.isEmpty else { return false }
        let statement = try prepare(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN ("
                + names.map { "'\($0)'" }.joined(separator: ", ") + ")")
        defer { statement.reset() }
        return try statement.step() && statement.int64(at: 0) > 0
    }

    public func scalarInt(_ sql: String) throws -> Int64? {
        let statement = try prepare(sql)
        defer { statement.reset() }
        guard try statement.step(), !statement.isNull(at: 0) else { return nil }
        return statement.int64(at: 0)
    }

    /// Returns the first column of the first row of a query as text, or nil when there is no row or it is NULL.
    public func scalarText(_ sql: String) throws -> String? {
        let statement = try prepare(sql)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return statement.string(at: 0)
    }
}
