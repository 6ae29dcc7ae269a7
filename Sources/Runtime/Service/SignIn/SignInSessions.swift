import Foundation
import SSO
import Synchronization

/// A person signed in at their district's identity provider, as the sign-in pages keep it.
struct SignInSession: Sendable, Equatable {
    /// The random id sent in the `rollbook_sso` cookie.
    var id: String
    var district: String
    /// The linked roster user's sourcedId.
    var sourcedId: String
    /// The identity provider the person signed in with.
    var providerID: String
    /// When the person authenticated, which becomes `auth_time`.
    var authTime: Date
    /// The token every form of this session carries.
    var csrfToken: String
    var lastSeen: Date
}

/// A sign-in at an upstream OpenID provider that has left for the provider and not come back yet.
struct PendingSignIn: Sendable {
    var district: String
    var providerID: String
    var nonce: String
    var codeVerifier: String
    /// The local path to return to after the sign-in, such as the authorization request.
    var returnTo: String
    /// The random value of the browser's `rollbook_signin` cookie, so that only the browser that started the
    /// sign-in can finish it.
    var browser: String
    var expiresAt: Date
}

/// Sign-in sessions and pending upstream sign-ins, in memory.
///
/// A session ends after `idleTimeout` without use or `lifetime` after sign-in, whichever comes first. Sessions
/// do not survive a restart; people then sign in again at their provider, which usually needs no password.
final class SignInSessions: Sendable {
    let lifetime: TimeInterval
    let idleTimeout: TimeInterval
    /// The maximum number of sessions, and of pending sign-ins. Beyond it the least recently used one ends.
    let capacity: Int
    /// How long a person may take at the upstream provider.
    static let pendingLifetime: TimeInterval = 600

    private let sessions = Mutex<[String: SignInSession]>([:])
    private let pending = Mutex<[String: PendingSignIn]>([:])
    private let now: @Sendable () -> Date

    init(
        lifetime: TimeInterval, idleTimeout: TimeInterval, capacity: Int = 100_000,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.lifetime = lifetime
        self.idleTimeout = idleTimeout
        self.capacity = max(1, capacity)
        self.now = now
    }

    /// Starts a session for a person whose login was linked to a roster user.
    func create(district: String, sourcedId: String, providerID: String) throws(AdminError) -> SignInSession {
        let time = now()
        let session = SignInSession(
            id: try SecureToken.make(), district: district, sourcedId: sourcedId, providerID: providerID,
            authTime: time, csrfToken: try SecureToken.make(), lastSeen: time)
        sessions.withLock { table in
            if table.count >= capacity {
                table = table.filter { isLive($0.value, at: time) }
            }
            while table.count >= capacity, let oldest = table.values.min(by: { $0.lastSeen < $1.lastSeen }) {
                table[oldest.id] = nil
            }
            table[session.id] = session
        }
        return session
    }

    /// Returns the live session with this id and marks it used, or nil when it is unknown or has ended.
    func touch(_ id: String) -> SignInSession? {
        let time = now()
        return sessions.withLock { table in
            guard var session = table[id] else { return nil }
            guard isLive(session, at: time) else {
                table[id] = nil
                return nil
            }
            session.lastSeen = time
            table[id] = session
            return session
        }
    }

    /// Ends a session. An unknown id is ignored.
    func remove(_ id: String) {
        sessions.withLock { table in table[id] = nil }
    }

    /// Ends every session of a roster user, as RP-initiated logout does.
    func removeAll(district: String, sourcedId: String) {
        sessions.withLock { table in
            table = table.filter { $0.value.district != district || $0.value.sourcedId != sourcedId }
        }
    }

    /// Remembers a sign-in that leaves for an upstream provider, under its `state`.
    func begin(_ sign: PendingSignIn, state: String) {
        let time = now()
        pending.withLock { table in
            if table.count >= capacity {
                table = table.filter { $0.value.expiresAt > time }
            }
            while table.count >= capacity, let oldest = table.min(by: { $0.value.expiresAt < $1.value.expiresAt }) {
                table[oldest.key] = nil
            }
            table[state] = sign
        }
    }

    /// Returns and removes the pending sign-in of `state`, or nil when it is unknown or expired. A state is
    /// used once.
    func finish(state: String) -> PendingSignIn? {
        let time = now()
        return pending.withLock { table in
            guard let sign = table.removeValue(forKey: state), sign.expiresAt > time else { return nil }
            return sign
        }
    }

    var count: Int { sessions.withLock { $0.count } }

    private func isLive(_ session: SignInSession, at time: Date) -> Bool {
        time.timeIntervalSince(session.lastSeen) < idleTimeout && time.timeIntervalSince(session.authTime) < lifetime
    }
}
