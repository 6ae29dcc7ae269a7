/// A schedule text that cannot be parsed, naming the text and what was expected.
public struct ScheduleError: Error, CustomStringConvertible, Sendable, Equatable {
    private enum Code: String, Sendable {
        case unknownForm = "schedule_form"
        case invalidTime = "schedule_time"
        case invalidInterval = "schedule_interval"
        case invalidCronField = "schedule_cron_field"
        case neverMatches = "schedule_never_matches"
    }

    private let kind: Code
    /// The schedule text as written in the configuration.
    public let text: String
    private let detail: String

    /// A short stable code, usable as a metric label or in tests.
    public var code: String { kind.rawValue }

    public var description: String { "schedule '\(text)': \(detail)" }

    static func unknownForm(_ text: String) -> ScheduleError {
        ScheduleError(
            kind: .unknownForm, text: text,
            detail: "expected daily HH:MM, weekdays HH:MM, every N(m|h) or a cron expression")
    }

    static func invalidTime(_ text: String, time: String) -> ScheduleError {
        ScheduleError(
            kind: .invalidTime, text: text, detail: "time '\(time)' is invalid; expected HH:MM from 00:00 to 23:59")
    }

    static func invalidInterval(_ text: String, interval: String) -> ScheduleError {
        ScheduleError(
            kind: .invalidInterval, text: text,
            detail: "interval '\(interval)' is invalid; expected N(m|h) from 1m to 24h, such as 30m or 6h")
    }

    static func invalidCronField(_ text: String, field: String, value: String, range: ClosedRange<Int>)
        -> ScheduleError
    {
        ScheduleError(
            kind: .invalidCronField, text: text,
            detail: "\(field) '\(value)' is invalid; expected *, a number from \(range.lowerBound) to "
                + "\(range.upperBound), a range a-b, a step */n or a-b/n, or a comma-separated list of these")
    }

    static func neverMatches(_ text: String) -> ScheduleError {
        ScheduleError(
            kind: .neverMatches, text: text,
            detail: "the day of month does not occur in any of the months given, so the schedule never runs")
    }
}
