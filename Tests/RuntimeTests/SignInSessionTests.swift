import Foundation
import Synchronization
import Testing

@testable import Runtime

/// Sign-in sessions and pending upstream sign-ins: expiry, single use and bounds.
struct SignInSessionTests {
    /// A clock the test moves by hand.
    final class Clock: Sendable {
        private let seconds = Mutex<Double>(1_800_000_000)
        var now: Date { Date(timeIntervalSince1970: seconds.withLock { $0 }) }
        func advance(_ by: Double) { seconds.withLock { $0 += by } }
    }

    @Test func idleSessionEnds() throws {
        let clock = Clock()
        let sessions = SignInSessions(lifetime: 8 * 3600, idleTimeout: 600, now: { clock.now })
        let session = try sessions.create(district: "d", sourcedId: "s-1", providerID: "directory")
        clock.advance(599)
        #expect(sessions.touch(session.id)?.sourcedId == "s-1")
        clock.advance(599)
        #expect(sessions.touch(session.id) != nil, "each use restarts the idle time")
        clock.advance(600)
        #expect(sessions.touch(session.id) == nil)
        #expect(sessions.touch(session.id) == nil)
    }

    @Test func sessionEndsAtItsLifetimeWhateverTheUse() throws {
        let clock = Clock()
        let sessions = SignInSessions(lifetime: 3600, idleTimeout: 600, now: { clock.now })
        let session = try sessions.create(district: "d", sourcedId: "s-1", providerID: "directory")
        for _ in 0..<5 {
            clock.advance(500)
            #expect(sessions.touch(session.id) != nil)
        }
        clock.advance(1100)
        #expect(sessions.touch(session.id) == nil)
    }

    @Test func sessionsAreBoundedAndRemovable() throws {
        let clock = Clock()
        let sessions = SignInSessions(lifetime: 3600, idleTimeout: 600, capacity: 2, now: { clock.now })
        let first = try sessions.create(district: "d", sourcedId: "s-1", providerID: "p")
        clock.advance(1)
        let second = try sessions.create(district: "d", sourcedId: "s-2", providerID: "p")
        clock.advance(1)
        let third = try sessions.create(district: "e", sourcedId: "s-2", providerID: "p")
        #expect(sessions.count == 2)
        #expect(sessions.touch(first.id) == nil, "the least recently used session made room")
        #expect(first.id != second.id)
        #expect(first.csrfToken != first.id)
        sessions.removeAll(district: "d", sourcedId: "s-2")
        #expect(sessions.touch(second.id) == nil)
        #expect(sessions.touch(third.id)?.district == "e", "another district's user with the same id stays")
        sessions.remove(third.id)
        #expect(sessions.count == 0)
    }

    @Test func pendingSignInIsUsedOnceAndExpires() {
        let clock = Clock()
        let sessions = SignInSessions(lifetime: 3600, idleTimeout: 600, now: { clock.now })
        func pending(expiresIn seconds: Double) -> PendingSignIn {
            PendingSignIn(
                district: "d", providerID: "cloud", nonce: "n", codeVerifier: "v", returnTo: "/portal", browser: "b",
                expiresAt: clock.now.addingTimeInterval(seconds))
        }
        sessions.begin(pending(expiresIn: 600), state: "s1")
        sessions.begin(pending(expiresIn: 600), state: "s2")
        #expect(sessions.finish(state: "s1")?.providerID == "cloud")
        #expect(sessions.finish(state: "s1") == nil)
        clock.advance(601)
        #expect(sessions.finish(state: "s2") == nil)
        #expect(sessions.finish(state: "unknown") == nil)
    }
}
