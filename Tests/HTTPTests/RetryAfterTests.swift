import Foundation
import Testing

@testable import HTTP

/// Tests of reading a `Retry-After` header as seconds or as an HTTP date.
@Suite struct RetryAfterTests {
    /// 2026-12-05 08:00:00 UTC.
    static let now = Date(timeIntervalSince1970: 1_796_457_600)

    @Test(arguments: [("120", 120.0), (" 0 ", 0.0), ("1.5", 1.5)])
    func secondsAreRead(value: String, seconds: Double) {
        #expect(HTTPClient.retryAfterSeconds(value, now: Self.now) == seconds)
    }

    @Test(arguments: [
        "Sat, 05 Dec 2026 08:00:30 GMT", "Saturday, 05-Dec-26 08:00:30 GMT", "Sat Dec  5 08:00:30 2026",
    ])
    func datesGiveSecondsFromNow(value: String) {
        #expect(HTTPClient.retryAfterSeconds(value, now: Self.now) == 30)
    }

    @Test func pastDateGivesZero() {
        #expect(HTTPClient.retryAfterSeconds("Fri, 04 Dec 2026 08:00:00 GMT", now: Self.now) == 0)
    }

    @Test(arguments: ["", "-5", "soon", "Sat, 05 Dec 2026 08:00:30 PST", "inf"])
    func invalidValuesAreIgnored(value: String) {
        #expect(HTTPClient.retryAfterSeconds(value, now: Self.now) == nil)
    }
}
