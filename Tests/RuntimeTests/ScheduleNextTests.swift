import Foundation
import Testing

@testable import Runtime

@Suite struct ScheduleNextTests {
    private func next(_ text: String, after: String, zone: TimeZone? = utc) throws -> String {
        let zone = try #require(zone, "time zone data missing")
        return iso(try SyncSchedule(parsing: text, timeZone: zone).next(after: instant(after)))
    }

    @Test func dailyCrossesMidnight() throws {
        #expect(try next("daily 02:30", after: "2026-01-01T03:00:00Z") == "2026-01-02T02:30:00Z")
        #expect(try next("daily 02:30", after: "2026-01-01T02:29:59Z") == "2026-01-01T02:30:00Z")
    }

    @Test func slotIsStrictlyAfter() throws {
        #expect(try next("daily 02:30", after: "2026-01-01T02:30:00Z") == "2026-01-02T02:30:00Z")
        #expect(try next("every 6h", after: "2026-01-01T06:00:00Z") == "2026-01-01T12:00:00Z")
    }

    @Test func dailyCrossesMonthAndYearEnds() throws {
        #expect(try next("daily 02:30", after: "2026-01-31T23:00:00Z") == "2026-02-01T02:30:00Z")
        #expect(try next("daily 02:30", after: "2026-02-28T03:00:00Z") == "2026-03-01T02:30:00Z")
        #expect(try next("daily 00:00", after: "2026-12-31T00:00:00Z") == "2027-01-01T00:00:00Z")
    }

    @Test func weekdaysSkipWeekend() throws {
        // 2026-12-04 is a Friday.
        #expect(try next("weekdays 06:00", after: "2026-12-04T07:00:00Z") == "2026-12-07T06:00:00Z")
        #expect(try next("weekdays 06:00", after: "2026-12-07T05:59:00Z") == "2026-12-07T06:00:00Z")
    }

    @Test func everyAlignsToLocalMidnight() throws {
        #expect(try next("every 6h", after: "2026-12-05T03:04:00Z") == "2026-12-05T06:00:00Z")
        #expect(try next("every 30m", after: "2026-12-05T03:04:00Z") == "2026-12-05T03:30:00Z")
        #expect(try next("every 7h", after: "2026-12-05T21:00:00Z") == "2026-12-06T00:00:00Z")
        #expect(try next("every 45m", after: "2026-12-05T23:15:00Z") == "2026-12-06T00:00:00Z")
        // Midnight in New York is 05:00 UTC in winter.
        #expect(try next("every 6h", after: "2026-12-05T03:04:00Z", zone: newYork) == "2026-12-05T05:00:00Z")
    }

    @Test func cronWeekdayRange() throws {
        #expect(try next("30 2 * * 1-5", after: "2026-12-04T03:00:00Z") == "2026-12-07T02:30:00Z")
        #expect(try next("0 8 * * 7", after: "2026-12-05T00:00:00Z") == "2026-12-06T08:00:00Z")
    }

    @Test func cronStepsAndLists() throws {
        let text = "*/20 9-17/4 * * *"
        #expect(try next(text, after: "2026-12-05T09:40:00Z") == "2026-12-05T13:00:00Z")
        #expect(try next(text, after: "2026-12-05T17:40:00Z") == "2026-12-06T09:00:00Z")
    }

    @Test func cronDayFieldsMatchEither() throws {
        // The schedule runs on the 1st of the month and on every Monday. 2026-12-01 is a Tuesday.
        #expect(try next("0 0 1 * 1", after: "2026-12-01T00:00:00Z") == "2026-12-07T00:00:00Z")
        #expect(try next("0 0 1 * 1", after: "2026-12-28T00:00:00Z") == "2027-01-01T00:00:00Z")
    }

    @Test func cronSkipsShortMonths() throws {
        #expect(try next("0 0 31 * *", after: "2026-04-01T00:00:00Z") == "2026-05-31T00:00:00Z")
        #expect(try next("0 12 29 2 *", after: "2026-03-01T00:00:00Z") == "2028-02-29T12:00:00Z")
    }

    @Test func springForwardMovesGapSlot() throws {
        // 2026-03-08 02:00 EST jumps to 03:00 EDT, so 02:30 does not exist that day and runs at 03:30 EDT.
        #expect(try next("daily 02:30", after: "2026-03-07T08:00:00Z", zone: newYork) == "2026-03-08T07:30:00Z")
        #expect(try next("daily 02:30", after: "2026-03-08T07:30:00Z", zone: newYork) == "2026-03-09T06:30:00Z")
        #expect(try next("daily 03:00", after: "2026-03-07T08:00:00Z", zone: newYork) == "2026-03-08T07:00:00Z")
    }

    @Test func fallBackRunsRepeatedHourOnce() throws {
        // 2026-11-01 02:00 EDT falls back to 01:00 EST, so 01:30 occurs at 05:30 and 06:30 UTC. Only the first runs.
        #expect(try next("daily 01:30", after: "2026-10-31T06:00:00Z", zone: newYork) == "2026-11-01T05:30:00Z")
        #expect(try next("daily 01:30", after: "2026-11-01T05:30:00Z", zone: newYork) == "2026-11-02T06:30:00Z")
    }

    @Test func everyHalfHourAcrossSpringForward() throws {
        let zone = try #require(newYork)
        let schedule = try SyncSchedule(parsing: "every 30m", timeZone: zone)
        var slots: [String] = []
        var cursor = instant("2026-03-08T06:15:00Z")
        for _ in 0..<4 {
            cursor = schedule.next(after: cursor)
            slots.append(iso(cursor))
        }
        // 01:30 EST, then 02:00 and 02:30 moved onto 03:00 and 03:30 EDT, then 04:00 EDT.
        #expect(
            slots == ["2026-03-08T06:30:00Z", "2026-03-08T07:00:00Z", "2026-03-08T07:30:00Z", "2026-03-08T08:00:00Z"])
    }

    @Test func everyHalfHourAcrossFallBack() throws {
        let zone = try #require(newYork)
        let schedule = try SyncSchedule(parsing: "every 30m", timeZone: zone)
        var slots: [String] = []
        var cursor = instant("2026-11-01T05:15:00Z")
        for _ in 0..<3 {
            cursor = schedule.next(after: cursor)
            slots.append(iso(cursor))
        }
        // 01:30 EDT, then the repeated 01:00 and 01:30 EST are skipped, so 02:00 EST follows 90 minutes later.
        #expect(slots == ["2026-11-01T05:30:00Z", "2026-11-01T07:00:00Z", "2026-11-01T07:30:00Z"])
    }

    @Test func dailyRunsOncePerDayAcrossChanges() throws {
        let zone = try #require(newYork)
        for text in ["daily 02:30", "daily 01:30", "daily 00:00"] {
            let schedule = try SyncSchedule(parsing: text, timeZone: zone)
            for start in ["2026-03-05T00:00:00Z", "2026-10-29T00:00:00Z"] {
                var cursor = instant(start)
                var slots: [Date] = []
                for _ in 0..<7 {
                    cursor = schedule.next(after: cursor)
                    slots.append(cursor)
                }
                let gaps = zip(slots, slots.dropFirst()).map { $1.timeIntervalSince($0) / 3600 }
                #expect(gaps.allSatisfy { (22...26).contains($0) }, "\(text) from \(start): \(gaps)")
            }
        }
    }

    @Test func civilDateMatchesKnownDays() {
        let day0 = CivilDate(daysSinceEpoch: 0)
        #expect([Int](arrayLiteral: day0.year, day0.month, day0.day, day0.weekday) == [1970, 1, 1, 4])
        let day1 = CivilDate(daysSinceEpoch: -1)
        #expect([Int](arrayLiteral: day1.year, day1.month, day1.day, day1.weekday) == [1969, 12, 31, 3])
        // 2028-02-29 is day 21243 and a Tuesday.
        let day21243 = CivilDate(daysSinceEpoch: 21243)
        #expect([Int](arrayLiteral: day21243.year, day21243.month, day21243.day, day21243.weekday) == [2028, 2, 29, 2])
    }
}
