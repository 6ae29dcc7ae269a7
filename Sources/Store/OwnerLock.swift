import Glibc

/// An exclusive `flock` on a file beside the store, held by the one connection that owns the store.
///
/// The kernel drops the lock when its file descriptor closes, which includes every way a process can end, even
/// SIGKILL. So a connection that gets the lock has proof that no live owner exists, in this process or another.
/// `flock` locks belong to the open file description, so two `SnapshotStore`s in one process also exclude each
/// other. NOTE: `flock` is not reliable on some network file systems; keep the store on a local disk.
final class OwnerLock {
    private let descriptor: Int32
    /// Whether this connection holds the lock.
    let isHeld: Bool

    init(path: String) throws {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw StoreError.ownerLockFailed(path: path, errno: errno) }
        self.descriptor = descriptor
        self.isHeld = flock(descriptor, LOCK_EX | LOCK_NB) == 0
    }

    deinit {
        close(descriptor)
    }
}
