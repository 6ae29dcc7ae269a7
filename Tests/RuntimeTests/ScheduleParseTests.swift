import Foundation
import Testing

@testable import Runtime

@Suite struct ScheduleParseTests {
    @Test func dailyParsesToOneMinute() throws {
        let schedule = try SyncSchedule(parsing: "daily 02:30")
        #expect(schedule.minutesOfDay == [150])
        #expect(schedule.weekdays == Set(0...6))
        #expect(schedule.text == "daily 02:30")
        #expect(schedule.timeZone.secondsFromGMT() == 0)
    }

    @Test func dailyAcceptsOneDigitHour() throws {
        #expect(try SyncSchedule(parsing: "daily 2:05").minutesOfDay == [125])
    }

    @Test func weekdaysParsesMondayToFriday() throws {
        let schedule = try SyncSchedule(parsing: "weekdays 06:00")
        #expect(schedule.minutesOfDay == [360])
        #expect(schedule.weekdays == Set(1...5))
    }

    @Test func everyHoursAlignsToMidnight() throws {
        #expect(try SyncSchedule(parsing: "every 6h").minutesOfDay == [0, 360, 720, 1080])
        #expect(try SyncSchedule(parsing: "every 7h").minutesOfDay == [0, 420, 840, 1260])
        #expect(try SyncSchedule(parsing: "every 24h").minutesOfDay == [0])
    }

    @Test func everyMinutesAlignsToMidnight() throws {
        let schedule = try SyncSchedule(parsing: "every 30m")
        #expect(schedule.minutesOfDay.count == 48)
        #expect(schedule.minutesOfDay.prefix(3) == [0, 30, 60])
        #expect(schedule.minutesOfDay.last == 1410)
    }

    @Test func extraSpacesAreAccepted() throws {
        #expect(try SyncSchedule(parsing: "  daily   02:30 ").minutesOfDay == [150])
    }

    @Test func cronParsesEveryFieldForm() throws {
        let schedule = try SyncSchedule(parsing: "*/20 9-17/4 1,15 1-3 *")
        #expect(schedule.minutesOfDay == [540, 560, 580, 780, 800, 820, 1020, 1040, 1060])
        #expect(schedule.daysOfMonth == [1, 15])
        #expect(schedule.months == [1, 2, 3])
        #expect(schedule.weekdays == Set(0...6))
        #expect(!schedule.eitherDayMatches)
    }

    @Test func cronWeekdaySevenIsSunday() throws {
        #expect(try SyncSchedule(parsing: "0 8 * * 5/2").weekdays == [5, 0])
    }

    @Test func cronBothDayFieldsMatchEither() throws {
        #expect(try SyncSchedule(parsing: "0 0 1 * 1").eitherDayMatches)
        #expect(!(try SyncSchedule(parsing: "0 0 */1 * 1").eitherDayMatches))
    }

    @Test func misspelledFormNamesExpectedForms() {
        expectError(
            "dialy 2:30",
            "schedule 'dialy 2:30': expected daily HH:MM, weekdays HH:MM, every N(m|h) or a cron expression",
            code: "schedule_form")
    }

    @Test(arguments: ["", "daily", "daily 02:30 UTC", "every", "* * * *", "* * * * * *", "hourly"])
    func unknownFormsAreRejected(text: String) {
        expectError(
            text,
            "schedule '\(text)': expected daily HH:MM, weekdays HH:MM, every N(m|h) or a cron expression",
            code: "schedule_form")
    }

    @Test(arguments: ["25:00", "02:60", "2:3", "0230", "-1:30", "02:30:00", "٠٢:٣٠"])
    func invalidTimesAreRejected(time: String) {
        expectError(
            "daily \(time)", "schedule 'daily \(time)': time '\(time)' is invalid; expected HH:MM from 00:00 to 23:59",
            code: "schedule_time")
    }

    @Test(arguments: ["0m", "25h", "1441m", "5s", "-5m", "+5m", "m", "6", "99999h"])
    func invalidIntervalsAreRejected(interval: String) {
        expectError(
            "every \(interval)",
            "schedule 'every \(interval)': interval '\(interval)' is invalid; expected N(m|h) from 1m to 24h, "
                + "such as 30m or 6h",
            code: "schedule_interval")
    }

    @Test func cronMinuteOutOfRangeIsRejected() {
        expectError(
            "61 * * * *",
            "schedule '61 * * * *': minute '61' is invalid; expected *, a number from 0 to 59, a range a-b, "
                + "a step */n or a-b/n, or a comma-separated list of these",
            code: "schedule_cron_field")
    }

    @Test(arguments: [
        ("* 24 * * *", "hour", "24", "0 to 23"),
        ("* * 0 * *", "day of month", "0", "1 to 31"),
        ("* * * 13 *", "month", "13", "1 to 12"),
        ("* * * * 8", "day of week", "8", "0 to 7"),
        ("*/0 * * * *", "minute", "*/0", "0 to 59"),
        ("5-1 * * * *", "minute", "5-1", "0 to 59"),
        ("1,,2 * * * *", "minute", "1,,2", "0 to 59"),
        ("* * * JAN *", "month", "JAN", "1 to 12"),
        ("* 1/2/3 * * *", "hour", "1/2/3", "0 to 23"),
    ])
    func cronFieldsAreRejected(text: String, field: String, value: String, range: String) {
        expectError(
            text,
            "schedule '\(text)': \(field) '\(value)' is invalid; expected *, a number from \(range), a range a-b, "
                + "a step */n or a-b/n, or a comma-separated list of these",
            code: "schedule_cron_field")
    }

    @Test func cronDayMissingFromMonthsIsRejected() {
        expectError(
            "0 0 30,31 2 *",
            "schedule '0 0 30,31 2 *': the day of month does not occur in any of the months given, so the schedule "
                + "never runs",
            code: "schedule_never_matches")
    }

    @Test func cronLeapDayIsAccepted() throws {
        #expect(try SyncSchedule(parsing: "0 0 29 2 *").daysOfMonth == [29])
    }

    private func expectError(
        _ text: String, _ message: String, code: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            _ = try SyncSchedule(parsing: text)
            Issue.record("'\(text)' parsed", sourceLocation: sourceLocation)
        } catch let error as ScheduleError {
            #expect(error.description == message, sourceLocation: sourceLocation)
            #expect(error.code == code, sourceLocation: sourceLocation)
            #expect(error.text == text, sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }
}
