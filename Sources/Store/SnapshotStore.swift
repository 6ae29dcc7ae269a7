import Foundation
import OneRoster

/// The snapshot store of district rosters: one SQLite file holding every district's last committed snapshot,
/// the history of runs and their diagnostics.
///
/// Not Sendable: it owns one `Database` connection, so use it from one thread and open another store on the same
/// file for another thread. One process owns a store file at a time, and the owner is the connection that holds
/// the owner lock (see `isOwner`). Opening a store as owner marks runs still `running` as `interrupted`, because the
/// lock proves that the process that began them has ended or closed its store.
public final class SnapshotStore {
    /// The connection, for queries the store does not offer itself.
    public let database: Database
    private let ownerLock: OwnerLock

    /// Whether this connection holds the owner lock on `<path>-owner`, so that no other live store owns the file.
    public var isOwner: Bool { ownerLock.isHeld }

    /// Opens or creates the store at `path` and applies pending schema migrations.
    public init(path: String) throws {
        ownerLock = try OwnerLock(path: path + "-owner")
        database = try Database(path: path)
        try Migrations.migrate(database)
        if ownerLock.isHeld {
            try markInterruptedRuns()
        }
    }

    /// Adds a district or renames one.
    public func saveDistrict(id: String, name: String?) throws {
        let statement = try database.prepare(
            "INSERT INTO districts (id, name) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET name = excluded.name")
        try statement.bind(id, at: 1)
        try statement.bind(name, at: 2)
        try statement.run()
    }

    /// Adds a district with no name unless it exists.
    func ensureDistrict(_ id: String) throws {
        let statement = try database.prepare("INSERT OR IGNORE INTO districts (id) VALUES (?1)")
        try statement.bind(id, at: 1)
        try statement.run()
    }

    /// Opens an IMMEDIATE transaction that replaces the district's snapshot when the writer commits.
    ///
    /// `runId` must be a run of this district from `beginRun(district:kind:)`. Nothing is visible to other
    /// connections before `commit()`, and nothing changes at all if the writer rolls back, is released without
    /// committing, or the process ends first.
    public func writeSnapshot(district: String, runId: Int64) throws -> SnapshotWriter {
        try SnapshotWriter(database: database, district: district, runId: runId)
    }

    /// Opens a transaction for a dry run: the run row is made inside it, so rolling back leaves nothing behind.
    public func writeDryRun(district: String) throws -> SnapshotWriter {
        try SnapshotWriter(database: database, district: district, runId: nil)
    }

    /// Formats a time as `runs` stores it: ISO 8601 in UTC with milliseconds.
    public static func timestamp(_ date: Date = Date()) -> String {
        // The formatter truncates to milliseconds, and a time read back from text is a binary fraction a hair
        // below it, so rounding first keeps a stored time the same when it is written again.
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
        return Date(timeIntervalSince1970: milliseconds / 1000).formatted(
            Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

extension SnapshotStore {
    /// Whether the district has no stored record of any entity.
    public func isEmpty(district: String) throws -> Bool {
        try Entity.allCases.allSatisfy { try count(district: district, entity: $0) == 0 }
    }

    /// Switches to a rollback journal for one large first load, when no other connection has the file open.
    ///
    /// Under WAL every page of a first load is written twice: into the log, then into the database at the
    /// checkpoint. A rollback journal keeps only the original content of pages a transaction changes, which
    /// for a first load are few, so the rows are written once. The transaction stays atomic, and a process
    /// killed part way leaves a journal that the next open rolls back. Returns false, leaving
    /// WAL on, when another connection holds the file. Call `useWriteAheadLog()` after the load.
    public func useRollbackJournal() throws -> Bool {
        let mode: String?
        do {
            mode = try database.scalarText("PRAGMA journal_mode=DELETE")
        } catch let error as StoreError where error.code == "sqlite.busy" {
            // Another connection, perhaps in another process, has the file open: SQLite refuses the switch.
            return false
        }
        guard mode == "delete" else { return false }
        try database.execute("PRAGMA synchronous=FULL")
        return true
    }

    /// Returns to WAL, the store's normal mode, after `useRollbackJournal()`.
    public func useWriteAheadLog() throws {
        _ = try database.scalarText("PRAGMA journal_mode=WAL")
        try database.execute("PRAGMA synchronous=NORMAL")
    }
}
