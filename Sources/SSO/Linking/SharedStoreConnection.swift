import Store
import Synchronization

/// One snapshot store connection that the HTTP threads of the sign-in service take turns to use.
///
/// A lookup holds the lock for one indexed query, so threads wait on each other for microseconds. Opening a store
/// per call costs far more: in a release build on a 2-core x86_64 machine, an e-mail lookup in a 1M-user district
/// took about 6 µs, and opening a store and then looking up took about 325 µs.
final class SharedStoreConnection: Sendable {
    private let store: Mutex<SnapshotStore>

    /// Opens the store at `path`, applying pending migrations.
    ///
    /// The first `SnapshotStore` a process opens takes the store's owner lock, so open the service's own store
    /// before this one.
    init(path: String) throws {
        store = Mutex(try SnapshotStore(path: path))
    }

    /// Runs `body` with the connection while no other thread uses it.
    func withStore<Result: Sendable>(_ body: (SnapshotStore) throws -> Result) throws -> Result {
        try store.withLock { store in try body(store) }
    }
}
