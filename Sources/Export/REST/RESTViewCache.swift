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

    /// The largest number of order indexes kept; past it the cache starts over. An index of 100,000 records
    /// takes about 800 KB.
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
    ///
    /// Indexes of the same app and district from other runs are dropped when a new one is stored.
    func index(_ key: IndexKey, build: () throws -> RESTOrderIndex) throws -> RESTOrderIndex {
        if let index = state.withLock({ $0.indexes[key] }) { return index }
        let index = try build()
        state.withLock { state in
            state.indexes = state.indexes.filter { old, _ in
                old.app != key.app || old.district != key.district || old.run == key.run
            }
            if state.indexes.count >= maximumIndexes { state.indexes.removeAll() }
            state.indexes[key] = index
        }
        return index
    }

    /// Returns the enrollment index for `key`, building it with `build` on the first call. Indexes of older app runs
    /// of the same app and district are dropped when a newer one is built.
    func enrollmentIndex(_ key: EnrollmentKey, build: () throws -> RESTEnrollmentIndex) throws -> RESTEnrollmentIndex {
        if let index = state.withLock({ $0.enrollmentIndexes[key] }) { return index }
        let index = try build()
        state.withLock { state in
            state.enrollmentIndexes = state.enrollmentIndexes.filter { old, _ in
                old.app != key.app || old.district != key.district || old.run == key.run
            }
            if state.enrollmentIndexes.count >= maximumIndexes { state.enrollmentIndexes.removeAll() }
            state.enrollmentIndexes[key] = index
        }
        return index
    }
}
