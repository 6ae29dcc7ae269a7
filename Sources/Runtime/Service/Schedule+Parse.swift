/// The parsed, zone-free form of a schedule text.
struct ScheduleRule: Equatable {
    var minutesOfDay: [Int]
    var daysOfMonth: Set<Int> = Set(1...31)
    var months: Set<Int> = Set(1...12)
    var weekdays: Set<Int> = Set(0...6)
    var eitherDayMatches = false

    static func parse(_ text: String) throws -> ScheduleRule {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        switch (words.first?.lowercased(), words.count) {
        case ("daily", 2):
            return ScheduleRule(minutesOfDay: [try parseTime(words[1], in: text)])
        case ("weekdays", 2):
            return ScheduleRule(minutesOfDay: [try parseTime(words[1], in: text)], weekdays: Set(1...5))
        case ("every", 2):
            let interval = try parseInterval(words[1], in: text)
            return ScheduleRule(minutesOfDay: Array(stride(from: 0, to: 24 * 60, by: interval)))
        case (_, 5):
            return try parseCron(words, in: text)
        default:
            throw ScheduleError.unknownForm(text)
        }
    }

    /// Reads `HH:MM` (or `H:MM`) as minutes after midnight.
    private static func parseTime(_ word: String, in text: String) throws -> Int {
        let parts = word.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) }),
            let hour = Int(parts[0]), let minute = Int(parts[1]),
            (0...23).contains(hour), (0...59).contains(minute)
        else {
            throw ScheduleError.invalidTime(text, time: word)
        }
        return hour * 60 + minute
    }

    /// Reads `Nm` or `Nh` as minutes, from 1 minute to 24 hours.
    private static func parseInterval(_ word: String, in text: String) throws -> Int {
        let digits = word.dropLast()
        guard let unit = word.last, unit == "m" || unit == "h",
            !digits.isEmpty, digits.count <= 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let count = Int(digits)
        else {
            throw ScheduleError.invalidInterval(text, interval: word)
        }
        let minutes = unit == "h" ? count * 60 : count
        guard (1...24 * 60).contains(minutes) else {
            throw ScheduleError.invalidInterval(text, interval: word)
        }
        return minutes
    }
}
