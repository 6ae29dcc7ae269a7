/// The 5-field cron subset: minute, hour, day of month, month and day of week, each `*`, a number, a range `a-b`,
/// a step `*/n`, `a-b/n` or `a/n`, or a comma-separated list of these. Day of week 0 and 7 are both Sunday.
///
/// NOTE: names such as `MON` or `JAN` and the `@daily` shorthands are not accepted.
extension ScheduleRule {
    static func parseCron(_ fields: [String], in text: String) throws -> ScheduleRule {
        let minutes = try parseCronField(fields[0], name: "minute", range: 0...59, in: text)
        let hours = try parseCronField(fields[1], name: "hour", range: 0...23, in: text)
        let days = try parseCronField(fields[2], name: "day of month", range: 1...31, in: text)
        let months = try parseCronField(fields[3], name: "month", range: 1...12, in: text)
        let weekdays = try parseCronField(fields[4], name: "day of week", range: 0...7, in: text)

        var rule = ScheduleRule(
            minutesOfDay: hours.sorted().flatMap { hour in minutes.sorted().map { hour * 60 + $0 } })
        rule.daysOfMonth = days
        rule.months = months
        rule.weekdays = Set(weekdays.map { $0 % 7 })
        // Cron runs on a day that matches either day field when both are restricted.
        rule.eitherDayMatches = !fields[2].hasPrefix("*") && !fields[4].hasPrefix("*")

        // A day of month that no month given has (such as 30 in February only) would never run.
        let longestMonth = months.map { longestMonthLengths[$0 - 1] }.max() ?? 31
        if !rule.eitherDayMatches, let firstDay = days.min(), firstDay > longestMonth {
            throw ScheduleError.neverMatches(text)
        }
        return rule
    }

    /// Days in each month, January first, counting February 29.
    private static let longestMonthLengths = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

    private static func parseCronField(_ field: String, name: String, range: ClosedRange<Int>, in text: String)
        throws -> Set<Int>
    {
        let invalid = ScheduleError.invalidCronField(text, field: name, value: field, range: range)
        var values = Set<Int>()
        for item in field.split(separator: ",", omittingEmptySubsequences: false) {
            let stepParts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard stepParts.count <= 2 else { throw invalid }
            var step = 1
            if stepParts.count == 2 {
                guard let parsed = parseNumber(stepParts[1]), parsed > 0 else { throw invalid }
                step = parsed
            }
            let base = stepParts[0]
            var bounds: ClosedRange<Int>
            if base == "*" {
                bounds = range
            } else {
                let ends = base.split(separator: "-", omittingEmptySubsequences: false)
                guard ends.count <= 2, let low = parseNumber(ends[0]), range.contains(low) else { throw invalid }
                if ends.count == 2 {
                    guard let high = parseNumber(ends[1]), range.contains(high), low <= high else { throw invalid }
                    bounds = low...high
                } else {
                    // `a/n` runs from a to the end of the range; a bare `a` is that value alone.
                    bounds = stepParts.count == 2 ? low...range.upperBound : low...low
                }
            }
            values.formUnion(stride(from: bounds.lowerBound, through: bounds.upperBound, by: step))
        }
        return values
    }

    /// Reads an unsigned decimal number, rejecting signs and non-ASCII digits.
    private static func parseNumber(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 4, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }
}
