import Foundation
import HTTP
import Synchronization
import Testing

@testable import Runtime

/// The admin pages' parts that need no server: tokens, form decoding, origin checks, sessions and lockouts.
struct AdminUnitTests {
    /// A clock the test moves by hand.
    final class ManualClock: Sendable {
        let time = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        func now() -> Date { time.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { time.withLock { $0 += seconds } }
    }

    @Test("tokens are random base64url")
    func tokens() throws {
        let first = try SecureToken.make()
        let second = try SecureToken.make()
        #expect(first.count == 43)
        #expect(first != second)
        #expect(first.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        #expect(SecureToken.base64URL([0xFB, 0xFF, 0xBF]) == "-_-_")
        #expect(SecureToken.base64URL([0x61]) == "YQ")
    }

    @Test("token comparison")
    func tokenComparison() {
        #expect(SecureToken.matches("abc", "abc"))
        #expect(!SecureToken.matches("abc", "abd"))
        #expect(!SecureToken.matches("abc", "abcd"))
        #expect(!SecureToken.matches("", ""))
    }

    @Test("form fields decode")
    func formFields() {
        let form = FormFields(body: Array("name=J%C3%BCrgen+M&empty=&flag&csrf=a%2Bb%3D&bad=%G1&cut=%4".utf8))
        #expect(form["name"] == "Jürgen M")
        #expect(form["empty"] == "")
        #expect(form["flag"] == "")
        #expect(form["csrf"] == "a+b=")
        #expect(form["bad"] == nil)
        #expect(form["cut"] == nil)
        #expect(form["missing"] == nil)
        #expect(FormFields(body: [0xFF, 0x3D, 0x31])["\u{FFFD}"] == nil)
    }

    @Test(
        "origin check",
        arguments: [
            (nil, "Origin: https://admin.example.org", true),
            (nil, "Origin: https://evil.example", false),
            (nil, "Origin: null", false),
            (nil, "Referer: https://admin.example.org:443/admin/runs/4", true),
            (nil, "Referer: http://admin.example.org/admin", false),
            (nil, nil, true),
            ("127.0.0.1:8080", "Origin: http://127.0.0.1:8080", true),
            ("127.0.0.1:8080", "Origin: http://127.0.0.1:9090", false),
        ] as [(String?, String?, Bool)])
    func originCheck(host: String?, header: String?, accepted: Bool) {
        var headers = HTTPHeadersBuilder()
        if let host { headers.add("Host", host) }
        if let header, let colon = header.firstIndex(of: ":") {
            headers.add(String(header[..<colon]), String(header[header.index(colon, offsetBy: 2)...]))
        }
        let expected = host == nil ? OriginCheck.origin(of: "https://Admin.Example.org/") : nil
        let problem = OriginCheck(expected: expected).problem(with: headers.request())
        #expect((problem == nil) == accepted, "\(problem ?? "accepted")")
    }

    @Test("sessions expire when idle")
    func sessionExpiry() throws {
        let clock = ManualClock()
        let sessions = AdminSessions(idleTimeout: 60, capacity: 10, now: clock.now)
        let session = try sessions.create(name: "admin")
        clock.advance(59)
        #expect(sessions.touch(session.id)?.name == "admin")
        clock.advance(59)
        #expect(sessions.touch(session.id) != nil, "using a session restarts its idle time")
        clock.advance(61)
        #expect(sessions.touch(session.id) == nil)
        #expect(sessions.touch("unknown") == nil)
    }

    @Test("sessions are capped")
    func sessionCap() throws {
        let clock = ManualClock()
        let sessions = AdminSessions(idleTimeout: 600, capacity: 2, now: clock.now)
        let oldest = try sessions.create(name: "a")
        clock.advance(1)
        let middle = try sessions.create(name: "b")
        clock.advance(1)
        let newest = try sessions.create(name: "c")
        #expect(sessions.count == 2)
        #expect(sessions.touch(oldest.id) == nil)
        #expect(sessions.touch(middle.id) != nil)
        #expect(sessions.touch(newest.id) != nil)
        #expect(oldest.csrfToken != middle.csrfToken)
    }

    @Test("flash shows once")
    func flash() throws {
        let sessions = AdminSessions(idleTimeout: 600, capacity: 2)
        let session = try sessions.create(name: "a")
        sessions.setFlash(.success("Done."), for: session.id)
        #expect(sessions.takeFlash(for: session.id) == .success("Done."))
        #expect(sessions.takeFlash(for: session.id) == nil)
    }

    @Test("lockout after five failures")
    func lockout() {
        let clock = ManualClock()
        let throttle = LoginThrottle(maxFailures: 5, window: 900, capacity: 3, now: clock.now)
        for _ in 1...4 { throttle.recordFailure(for: "Admin") }
        #expect(throttle.lockedSeconds(for: "admin") == nil)
        throttle.recordFailure(for: "admin")
        #expect(throttle.lockedSeconds(for: "ADMIN") == 900)
        #expect(throttle.lockedSeconds(for: "other") == nil)
        clock.advance(901)
        #expect(throttle.lockedSeconds(for: "admin") == nil)
        throttle.recordFailure(for: "admin")
        #expect(throttle.lockedSeconds(for: "admin") == nil, "an old lockout does not carry over")
        throttle.recordFailure(for: "b")
        throttle.recordFailure(for: "c")
        throttle.recordFailure(for: "d")
        throttle.recordSuccess(for: "b")
        #expect(throttle.lockedSeconds(for: "b") == nil)
    }
}

/// Builds a request with header fields for the origin check.
struct HTTPHeadersBuilder {
    private var fields: [(name: String, value: String)] = []

    mutating func add(_ name: String, _ value: String) { fields.append((name, value)) }

    func request() -> HTTPRequest {
        HTTPRequest(method: "POST", target: "/admin/logout", headers: HTTPHeaders(fields))
    }
}
