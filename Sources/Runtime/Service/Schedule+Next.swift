import Foundation

extension SyncSchedule {
    /// Days searched before `next(after:)` gives up; a valid schedule matches a day at least every leap year.
    private static let searchDays = 9 * 366

    /// Returns the first slot strictly after `date`.
    ///
    /// NOTE: returns `Date.distantFuture` if no slot falls within nine years, which parsing rules out.
    public func next(after date: Date) -> Date {
        let instant = date.timeIntervalSince1970
        let localSeconds = instant + Double(timeZone.secondsFromGMT(for: date))
        // Start a day early: a slot moved forward out of the spring-forward gap can land on the next local day.
        let firstDay = Int((localSeconds / 86400).rounded(.down)) - 1
        for day in firstDay..<(firstDay + Self.searchDays) {
            let civil = CivilDate(daysSinceEpoch: day)
            guard matches(month: civil.month, day: civil.day, weekday: civil.weekday) else { continue }
            // Slots in the gap resolve out of wall-clock order, so take the earliest instant of the day.
            var earliest: Double?
            for minute in minutesOfDay {
                let wallClock = Double(day) * 86400 + Double(minute) * 60
                let candidate = resolve(wallClock: wallClock)
                if candidate > instant, candidate < (earliest ?? .infinity) {
                    earliest = candidate
                }
            }
            if let earliest {
                return Date(timeIntervalSince1970: earliest)
            }
        }
        return .distantFuture
    }

    /// Converts a local wall-clock time (seconds since 1970-01-01 00:00 local) to seconds since the Unix epoch.
    ///
    /// A time that occurs twice resolves to its first occurrence. A time skipped by a forward change resolves with
    /// the offset before the change, which moves it forward by the length of the gap.
    func resolve(wallClock: Double) -> Double {
        // The offsets a day either side are the ones before and after a change on this day.
        // NOTE: a zone that changed its offset twice within two days would resolve wrongly between the changes.
        let before = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: wallClock - 86400))
        let after = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: wallClock + 86400))
        var earliest: Double?
        for offset in Set([before, after]) {
            let candidate = wallClock - Double(offset)
            if timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: candidate)) == offset {
                earliest = min(earliest ?? candidate, candidate)
            }
        }
        return earliest ?? wallClock - Double(before)
    }
}

/// A proleptic Gregorian date counted from 1970-01-01.
struct CivilDate: Equatable {
    var year: Int
    var month: Int
    var day: Int
    /// 0 = Sunday ... 6 = Saturday.
    var weekday: Int

    /// Converts a day count to year, month and day (Howard Hinnant's days-to-civil algorithm).
    init(daysSinceEpoch days: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        // 1970-01-01 was a Thursday.
        weekday = ((days % 7) + 7 + 4) % 7
    }
}
