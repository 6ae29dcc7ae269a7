import Foundation

@testable import Runtime

/// Parses an ISO 8601 date with a zone, such as `2026-03-08T07:30:00Z`.
///
/// A bad literal becomes the 1970 epoch, so the test using it fails on the value instead of crashing.
func instant(_ text: String) -> Date {
    let formatter = ISO8601DateFormatter()
    return formatter.date(from: text) ?? Date(timeIntervalSince1970: 0)
}

/// Formats a date as ISO 8601 in UTC, so failures show readable times.
func iso(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    return formatter.string(from: date)
}

let newYork = TimeZone(identifier: "America/New_York")
let utc = TimeZone(secondsFromGMT: 0)
