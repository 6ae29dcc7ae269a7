import Foundation

/// When a district's sync runs: a set of wall-clock minutes on matching days in one time zone.
///
/// Every form (`daily HH:MM`, `weekdays HH:MM`, `every N(m|h)` and 5-field cron) becomes the same model, so one
/// search in `next(after:)` serves them all. `every N` slots are the multiples of N from local midnight, so
/// `every 7h` runs at 00:00, 07:00, 14:00 and 21:00 each day.
///
/// Daylight saving time: a slot inside the spring-forward gap (02:30 in New York on that day) moves forward by the
/// length of the gap and runs once (03:30 local). A slot in the repeated autumn hour runs once, at its first
/// occurrence (the daylight-time one).
///
/// NOTE: so `every N` of less than an hour leaves a gap in the repeated autumn hour, such as 90 minutes for
/// `every 30m` in New York.
public struct SyncSchedule: Sendable, Equatable, CustomStringConvertible {
    /// The text the schedule was parsed from.
    public let text: String
    /// The zone whose wall clock the times are in.
    public let timeZone: TimeZone

    /// Minutes after local midnight at which the schedule fires, ascending.
    let minutesOfDay: [Int]
    /// Days of the month (1...31) on which the schedule may run.
    let daysOfMonth: Set<Int>
    /// Months (1...12) in which the schedule may run.
    let months: Set<Int>
    /// Weekdays (0 = Sunday ... 6 = Saturday) on which the schedule may run.
    let weekdays: Set<Int>
    /// Cron's rule: when both the day-of-month and day-of-week fields are restricted, a day matching either runs.
    let eitherDayMatches: Bool

    public var description: String { text }

    /// Parses a schedule, in `timeZone` (UTC by default), such as `daily 02:30`, `weekdays 06:00`, `every 6h`, `every 30m` or `30 2 * * 1-5`.
    ///
    /// Throws `ScheduleError` naming the text and the expected forms when the text is not a schedule.
    public init(parsing text: String, timeZone: TimeZone = .gmt) throws {
        let rule = try ScheduleRule.parse(text)
        self.text = text
        self.timeZone = timeZone
        self.minutesOfDay = rule.minutesOfDay
        self.daysOfMonth = rule.daysOfMonth
        self.months = rule.months
        self.weekdays = rule.weekdays
        self.eitherDayMatches = rule.eitherDayMatches
    }

    /// Returns whether the schedule runs on a local date.
    func matches(month: Int, day: Int, weekday: Int) -> Bool {
        guard months.contains(month) else { return false }
        let dayOfMonth = daysOfMonth.contains(day)
        let dayOfWeek = weekdays.contains(weekday)
        return eitherDayMatches ? (dayOfMonth || dayOfWeek) : (dayOfMonth && dayOfWeek)
    }
}
