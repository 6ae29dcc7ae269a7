import Glibc
import Store
import Synchronization

/// One read-only SQLite connection that a single request uses at a time.
final class RESTConnection: @unchecked Sendable {
    // Unchecked: a `Database` is not thread-safe, and the pool hands each connection to one request at a time,
    // which is what makes sharing it between threads sound.
    let database: Database
    /// SQLite's `data_version` when `lastRuns` was filled. A commit by another connection changes it.
    private var dataVersion: Int64 = -1
    private var lastRuns: [String: Int64?] = [:]

    init(path: String) throws {
        database = try Database(path: path)
        // Guards the store against a mistake here: the provider only reads.
        try database.execute("PRAGMA query_only=1")
    }

    /// Returns the last committed app run of an app and district, read again only after another connection
    /// committed something, so that most requests cost one pragma instead of a query.
    func lastCommittedAppRun(app: String, district: String) throws -> Int64? {
        let version = try database.scalarInt("PRAGMA data_version") ?? 0
        if version != dataVersion {
            lastRuns.removeAll(keepingCapacity: true)
            dataVersion = version
        }
        let key = app + "\u{0}" + district
        if let known = lastRuns[key] { return known }
        let run = try database.lastCommittedAppRunId(app: app, district: district)
        lastRuns[key] = run
        return run
    }
}

/// The way a request gets a connection: reuse a free one, open a new one, or wait.
private enum Take {
    case reuse(RESTConnection)
    case open
    case wait
}

/// A bounded free list of read connections to one store file.
///
/// SQLite's WAL mode lets these connections read the last committed snapshot while a sync writes the next one.
final class RESTConnectionPool: Sendable {
    private struct State {
        var free: [RESTConnection] = []
        var opened = 0
    }

    let path: String
    let capacity: Int
    private let state = Mutex(State())

    init(path: String, capacity: Int) {
        self.path = path
        self.capacity = max(1, capacity)
    }

    /// Runs `body` with a connection, opening one while fewer than `capacity` exist.
    ///
    /// When all are busy it polls every 0.2 ms for at most `waitSeconds`, then returns nil so the caller can
    /// respond with 429 rather than queue without bound.
    func withConnection<T>(waitSeconds: Double = 2, _ body: (RESTConnection) throws -> T) throws -> T? {
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int(waitSeconds * 1000)))
        while true {
            let take = state.withLock { state -> Take in
                if let connection = state.free.popLast() { return .reuse(connection) }
                if state.opened < capacity {
                    state.opened += 1
                    return .open
                }
                return .wait
            }
            let connection: RESTConnection
            switch take {
            case .reuse(let reused):
                connection = reused
            case .open:
                do {
                    connection = try RESTConnection(path: path)
                } catch {
                    state.withLock { $0.opened -= 1 }
                    throw error
                }
            case .wait:
                if ContinuousClock.now >= deadline { return nil }
                usleep(200)
                continue
            }
            defer { state.withLock { $0.free.append(connection) } }
            return try body(connection)
        }
    }
}
