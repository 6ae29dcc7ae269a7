import CSQLite

/// A failure of the snapshot store: a SQLite call that failed, or a request the store cannot carry out.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    private enum Kind: Sendable {
        case sqlite
        case newerSchema
        case unknownRun
        case writerFinished
        case invalidStoredValue
        case ownerLockFailed
        case blankSourcedId
        case notDecidable
    }

    private let kind: Kind
    /// The SQLite extended result code, or 0 when the failure did not come from SQLite.
    public let resultCode: Int32
    /// SQLite's error message, or the store's own explanation.
    public let message: String
    /// The SQL text that failed, when there was one.
    public let sql: String?

    private init(_ kind: Kind, resultCode: Int32 = 0, message: String, sql: String? = nil) {
        self.kind = kind
        self.resultCode = resultCode
        self.message = message
        self.sql = sql
    }

    /// A short stable code for metrics and exit codes, such as `sqlite.busy` or `store.unknown_run`.
    public var code: String {
        switch kind {
        case .sqlite: return "sqlite." + StoreError.primaryName(resultCode & 0xFF)
        case .newerSchema: return "store.newer_schema"
        case .unknownRun: return "store.unknown_run"
        case .writerFinished: return "store.writer_finished"
        case .invalidStoredValue: return "store.invalid_stored_value"
        case .ownerLockFailed: return "store.owner_lock_failed"
        case .blankSourcedId: return "store.blank_sourced_id"
        case .notDecidable: return "store.not_decidable"
        }
    }

    public var description: String {
        switch kind {
        case .sqlite:
            var text =
                "SQLite failed with code \(resultCode) (\(StoreError.primaryName(resultCode & 0xFF))): \(message)"
            if let sql { text += " in statement '\(sql)'" }
            return text
        default:
            return message
        }
    }

    static func sqlite(_ resultCode: Int32, connection: OpaquePointer?, sql: String?) -> StoreError {
        let message = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
        return StoreError(
            .sqlite, resultCode: resultCode, message: message ?? String(cString: sqlite3_errstr(resultCode)), sql: sql)
    }

    static func newerSchema(path: String, found: Int, supported: Int) -> StoreError {
        StoreError(
            .newerSchema,
            message: "Store file '\(path)' has schema version \(found), but this build supports up to \(supported); "
                + "run a newer Rollbook or restore an older copy of the file")
    }

    static func unknownRun(_ runId: Int64, district: String) -> StoreError {
        StoreError(
            .unknownRun,
            message: "Run '\(runId)' does not exist for district '\(district)'; start one with beginRun(district:kind:)"
        )
    }

    static func writerFinished(district: String) -> StoreError {
        StoreError(
            .writerFinished,
            message: "Snapshot writer for district '\(district)' is already committed or rolled back; "
                + "open a new one with writeSnapshot(district:runId:)")
    }

    static func invalidStoredValue(_ value: String, table: String, column: String, expected: String) -> StoreError {
        StoreError(
            .invalidStoredValue,
            message: "Stored value '\(value)' in \(table).\(column) is invalid; expected \(expected). "
                + "The file was changed outside Rollbook or is damaged")
    }

    static func ownerLockFailed(path: String, errno: Int32) -> StoreError {
        StoreError(
            .ownerLockFailed, resultCode: 0,
            message: "Cannot open owner lock file '\(path)' (errno \(errno)); check that its folder is writable")
    }

    /// Returns the error for a run that cannot be approved or discarded now. `message` gives the reason and the
    /// next step.
    static func notDecidable(_ message: String) -> StoreError {
        StoreError(.notDecidable, message: message)
    }

    static func blankSourcedId(entity: String, district: String) -> StoreError {
        StoreError(
            .blankSourcedId,
            message: "A \(entity) record for district '\(district)' has a blank sourcedId; "
                + "every stored record needs one, so validate records before writing them")
    }

    private static func primaryName(_ code: Int32) -> String {
        switch code {
        case SQLITE_ERROR: return "error"
        case SQLITE_INTERNAL: return "internal"
        case SQLITE_PERM: return "perm"
        case SQLITE_ABORT: return "abort"
        case SQLITE_BUSY: return "busy"
        case SQLITE_LOCKED: return "locked"
        case SQLITE_NOMEM: return "nomem"
        case SQLITE_READONLY: return "readonly"
        case SQLITE_INTERRUPT: return "interrupt"
        case SQLITE_IOERR: return "ioerr"
        case SQLITE_CORRUPT: return "corrupt"
        case SQLITE_FULL: return "full"
        case SQLITE_CANTOPEN: return "cantopen"
        case SQLITE_CONSTRAINT: return "constraint"
        case SQLITE_MISMATCH: return "mismatch"
        case SQLITE_MISUSE: return "misuse"
        case SQLITE_RANGE: return "range"
        case SQLITE_NOTADB: return "notadb"
        case SQLITE_TOOBIG: return "toobig"
        default: return "code\(code)"
        }
    }
}
