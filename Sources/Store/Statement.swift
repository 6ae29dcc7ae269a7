import CSQLite
import Foundation

/// A prepared SQLite statement: bind parameters (1-based), step through rows, read columns (0-based).
///
/// Belongs to the `Database` that prepared it and to that connection's thread.
public final class Statement {
    let handle: OpaquePointer
    private let connection: OpaquePointer
    /// The SQL text the statement was prepared from.
    public let sql: String

    init(handle: OpaquePointer, connection: OpaquePointer, sql: String) {
        self.handle = handle
        self.connection = connection
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    // MARK: Binding

    /// Binds an integer to the 1-based parameter `index`.
    public func bind(_ value: Int64, at index: Int32) throws {
        try check(sqlite3_bind_int64(handle, index, value))
    }

    /// Binds a floating-point number to the 1-based parameter `index`.
    public func bind(_ value: Double, at index: Int32) throws {
        try check(sqlite3_bind_double(handle, index, value))
    }

    /// Binds text, or NULL when `value` is nil; SQLite copies the text.
    public func bind(_ value: String?, at index: Int32) throws {
        guard let value else { return try bindNull(at: index) }
        let status = value.withCString { sqlite3_bind_text(handle, index, $0, -1, rollbook_sqlite3_transient()) }
        try check(status)
    }

    /// Binds a blob, or NULL when `value` is nil; SQLite copies the bytes.
    public func bind(_ value: Data?, at index: Int32) throws {
        guard let value else { return try bindNull(at: index) }
        let status = value.withUnsafeBytes { bytes in
            sqlite3_bind_blob64(handle, index, bytes.baseAddress, UInt64(bytes.count), rollbook_sqlite3_transient())
        }
        try check(status)
    }

    /// Binds NULL to the 1-based parameter `index`.
    public func bindNull(at index: Int32) throws {
        try check(sqlite3_bind_null(handle, index))
    }

    /// Binds UTF-8 text without copying it: `bytes` must stay valid until the statement is stepped and reset.
    func bindStatic(_ bytes: UnsafePointer<UInt8>, count: Int, at index: Int32) throws {
        let status = bytes.withMemoryRebound(to: CChar.self, capacity: count) {
            sqlite3_bind_text(handle, index, $0, Int32(count), rollbook_sqlite3_static())
        }
        try check(status)
    }

    // MARK: Stepping

    /// The largest parameter index in the SQL text.
    public var parameterCount: Int32 { sqlite3_bind_parameter_count(handle) }

    /// Advances to the next row: returns true when a row is ready to read and false when the statement is done.
    @discardableResult
    public func step() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let status:
            let error = StoreError.sqlite(status, connection: connection, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Steps until done, then resets: for statements that return no rows.
    public func run() throws {
        defer { sqlite3_reset(handle) }
        while try step() {}
    }

    /// Rewinds the statement so it can be stepped again; bindings stay in place.
    public func reset() {
        sqlite3_reset(handle)
    }

    /// Sets every parameter back to NULL, so no pointer from an earlier static binding is kept.
    public func clearBindings() {
        sqlite3_clear_bindings(handle)
    }

    // MARK: Reading columns

    /// Whether the 0-based column of the current row is NULL.
    public func isNull(at column: Int32) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_NULL
    }

    /// The 0-based column of the current row as an integer (0 when NULL).
    public func int64(at column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    /// The 0-based column of the current row as a floating-point number (0 when NULL).
    public func double(at column: Int32) -> Double {
        sqlite3_column_double(handle, column)
    }

    /// The 0-based column of the current row as text, or nil when NULL.
    public func string(at column: Int32) -> String? {
        guard let text = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// Returns the 0-based column of the current row as UTF-8 bytes, or nil when NULL. The bytes belong to SQLite and stay
    /// valid only until the statement steps, resets or reads the column as another type.
    public func textBytes(at column: Int32) -> UnsafeBufferPointer<UInt8>? {
        guard let text = sqlite3_column_text(handle, column) else { return nil }
        return UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, column)))
    }

    /// The 0-based column of the current row as bytes, or nil when NULL.
    public func data(at column: Int32) -> Data? {
        if isNull(at: column) { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        guard let bytes = sqlite3_column_blob(handle, column) else { return Data() }
        return Data(bytes: bytes, count: count)
    }

    private func check(_ status: Int32) throws {
        guard status == SQLITE_OK else { throw StoreError.sqlite(status, connection: connection, sql: sql) }
    }
}
