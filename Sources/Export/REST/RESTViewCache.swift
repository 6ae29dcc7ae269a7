import OneRoster
import Store
import Synchronization

/// The rowids of one endpoint's records in ascending sourcedId order, for one app run.
///
/// With it an unfiltered page at any offset is `limit` primary-key lookups instead of a scan and sort of the
/// whole view, and the total count is the array's length.
final class RESTOrderIndex: Sendable {
    let rowids: [Int64]

    init(rowids: [Int64]) {
        self.rowids = rowids
    }
}

/// Shapes and order indexes shared by every connection, keyed by app run so that a new run replaces them.
final class RESTViewCache: Sendable {
    struct IndexKey: Hashable {
        var app: String
        var district: String
        var run: Int64
        var entity: Entity
        var subset: RESTSubset
    }

    struct EnrollmentKey: Hashable {
        var app: String
        var district: String
        var run: Int64
        var column: String
    }

    private struct State {
        var shapes: [Int64: AppViewShape] = [:]
        var indexes: [IndexKey: RESTOrderIndex] = [:]
        var enrollmentIndexes: [EnrollmentKey: RESTEnrollmentIndex] = [:]
    }

    /// The maximum number of order indexes kept. Past it the cache starts over. An index of 100,000 records
    /// takes about 800 KB (one 8-byte rowid per record).
    private let maximumIndexes: Int
    private let state = Mutex(State())

    init(maximumIndexes: Int = 256) {
        self.maximumIndexes = maximumIndexes
    }

    /// Returns the shape of app run `run`, reading it on first use.
    func shape(run: Int64, database: Database) throws -> AppViewShape? {
        if let shape = state.withLock({ $0.shapes[run] }) { return shape }
        guard let shape = try database.appViewShape(run: run) else { return nil }
        state.withLock { state in
            if state.shapes.count >= maximumIndexes { state.shapes.removeAll() }
            state.shapes[run] = shape
        }
        return shape
    }

    /// Returns the order index for `key`, building it with `build` on first use.
    func index(_ key: IndexKey, build: () throws -> RESTOrderIndex) throws -> RESTOrderIndex {
        try cached(key, in: \.indexes, build: build)
    }

    /// Returns the enrollment index for `key`, building it with `build` on first use.
    func enrollmentIndex(_ key: EnrollmentKey, build: () throws -> RESTEnrollmentIndex) throws -> RESTEnrollmentIndex {
        try cached(key, in: \.enrollmentIndexes, build: build)
    }

    /// Returns the value for `key` in one of the state's tables, building and storing it on first use. Storing
    /// drops the values of the same app and district built for other app runs.
    private func cached<Key: RunScopedKey & Sendable, Value: Sendable>(
        _ key: Key, in table: WritableKeyPath<State, [Key: Value]>, build: () throws -> Value
    ) throws -> Value {
        if let value = state.withLock({ $0[keyPath: table][key] }) { return value }
        let value = try build()
        state.withLock { state in
            state[keyPath: table] = state[keyPath: table].filter { old, _ in
                old.app != key.app || old.district != key.district || old.run == key.run
            }
            if state[keyPath: table].count >= maximumIndexes { state[keyPath: table].removeAll() }
            state[keyPath: table][key] = value
        }
        return value
    }
}

/// A cache key that belongs to one app run of one app and district.
protocol RunScopedKey: Hashable {
    var app: String { get }
    var district: String { get }
    var run: Int64 { get }
}

extension RESTViewCache.IndexKey: RunScopedKey {}
extension RESTViewCache.EnrollmentKey: RunScopedKey {}
