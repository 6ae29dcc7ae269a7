import Foundation
import Synchronization

/// A signed-in admin's session, as kept on the server.
struct AdminSession: Sendable, Equatable {
    /// The random id sent in the `rollbook_admin` cookie.
    var id: String
    /// The admin's name as entered at sign-in.
    var name: String
    /// The token every state-changing form of this session carries.
    var csrfToken: String
    var lastSeen: Date
    /// A message shown once on the session's next page, such as the outcome of a form.
    var flash: AdminLayout.Notice?
}

/// The server-side store of admin sessions: in memory, with an idle expiry and a cap on their number.
///
/// Sessions do not survive a restart of the service, so admins sign in again after one.
final class AdminSessions: Sendable {
    /// Seconds a session may stay unused before it ends.
    let idleTimeout: TimeInterval
    /// The maximum number of sessions. A sign-in beyond the cap ends the least recently used session.
    let capacity: Int

    private let sessions = Mutex<[String: AdminSession]>([:])
    private let now: @Sendable () -> Date

    init(idleTimeout: TimeInterval, capacity: Int, now: @escaping @Sendable () -> Date = { Date() }) {
        self.idleTimeout = idleTimeout
        self.capacity = max(1, capacity)
        self.now = now
    }

    /// Starts a session for an admin who signed in, with a new id and CSRF token.
    func create(name: String) throws(AdminError) -> AdminSession {
        let session = AdminSession(
            id: try SecureToken.make(), name: name, csrfToken: try SecureToken.make(), lastSeen: now())
        let time = now()
        sessions.withLock { table in
            table = table.filter { time.timeIntervalSince($0.value.lastSeen) < idleTimeout }
            while table.count >= capacity, let oldest = table.values.min(by: { $0.lastSeen < $1.lastSeen }) {
                table[oldest.id] = nil
            }
            table[session.id] = session
        }
        return session
    }

    /// Returns the live session with this id and marks it used, or nil when it is unknown or has expired.
    func touch(_ id: String) -> AdminSession? {
        let time = now()
        return sessions.withLock { table in
            guard var session = table[id] else { return nil }
            guard time.timeIntervalSince(session.lastSeen) < idleTimeout else {
                table[id] = nil
                return nil
            }
            session.lastSeen = time
            table[id] = session
            return session
        }
    }

    /// Sets the message the session's next page shows.
    func setFlash(_ notice: AdminLayout.Notice, for id: String) {
        sessions.withLock { table in table[id]?.flash = notice }
    }

    /// Returns and clears the session's pending message.
    func takeFlash(for id: String) -> AdminLayout.Notice? {
        sessions.withLock { table in
            defer { table[id]?.flash = nil }
            return table[id]?.flash
        }
    }

    /// Ends a session. An unknown id is ignored.
    func remove(_ id: String) {
        sessions.withLock { table in table[id] = nil }
    }

    /// The number of stored sessions, including expired ones until the next sign-in prunes them.
    var count: Int {
        sessions.withLock { $0.count }
    }
}
