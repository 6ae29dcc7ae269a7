/// Format checks for OneRoster scalar values, written over UTF-8 bytes so the per-field cost stays small.
enum FieldFormats {
    /// Whether `text` is a real calendar date written `YYYY-MM-DD`.
    static func isDate(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.count == 10, bytes[4] == 0x2D, bytes[7] == 0x2D else { return false }
            guard let year = number(bytes, 0, 4), let month = number(bytes, 5, 2), let day = number(bytes, 8, 2)
            else { return false }
            return isValidDay(year: year, month: month, day: day)
        }
    }

    /// Checks an ISO 8601 date-time; `.strict` needs `T` and a zone (`Z` or `±hh:mm`).
    static func dateTimeForm(_ text: String) -> DateTimeForm {
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.count >= 10, bytes[4] == 0x2D, bytes[7] == 0x2D,
                let year = number(bytes, 0, 4), let month = number(bytes, 5, 2), let day = number(bytes, 8, 2),
                isValidDay(year: year, month: month, day: day)
            else { return .invalid }
            if bytes.count == 10 { return .dateOnly }
            let separator = bytes[10]
            guard separator == 0x54 || separator == 0x20, bytes.count >= 19, bytes[13] == 0x3A, bytes[16] == 0x3A,
                let hour = number(bytes, 11, 2), let minute = number(bytes, 14, 2), let second = number(bytes, 17, 2),
                hour < 24, minute < 60, second < 61
            else { return .invalid }
            var index = 19
            if index < bytes.count, bytes[index] == 0x2E {
                index += 1
                let start = index
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
                if index == start { return .invalid }
            }
            if index == bytes.count { return .noZone }
            if bytes[index] == 0x5A && index + 1 == bytes.count { return separator == 0x54 ? .strict : .noZone }
            if bytes[index] == 0x2B || bytes[index] == 0x2D {
                guard index + 6 == bytes.count, bytes[index + 3] == 0x3A,
                    let zoneHour = number(bytes, index + 1, 2), let zoneMinute = number(bytes, index + 4, 2),
                    zoneHour < 24, zoneMinute < 60
                else { return .invalid }
                return separator == 0x54 ? .strict : .noZone
            }
            return .invalid
        }
    }

    enum DateTimeForm {
        case strict
        /// A date with no time, such as `2025-01-15`.
        case dateOnly
        /// A time with no zone or with a space for `T`, such as `2017-05-06 08:01:05`.
        case noZone
        case invalid
    }

    /// Whether `text` is four digits.
    static func isYear(_ text: String) -> Bool {
        text.utf8.count == 4 && text.utf8.allSatisfy(isDigit)
    }

    /// Whether `token` has the form `{type:identifier}`, with neither part empty.
    static func isUserIdToken(_ token: String) -> Bool {
        let bytes = Array(token.utf8)
        guard bytes.count >= 5, bytes.first == 0x7B, bytes.last == 0x7D else { return false }
        let inner = bytes[1..<(bytes.count - 1)]
        guard let colon = inner.firstIndex(of: 0x3A), colon > inner.startIndex, colon < inner.endIndex - 1 else {
            return false
        }
        return !inner.contains(0x7B) && !inner.contains(0x7D)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func number(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ length: Int) -> Int? {
        var value = 0
        for index in start..<(start + length) {
            let byte = bytes[index]
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    private static func isValidDay(year: Int, month: Int, day: Int) -> Bool {
        guard (1...12).contains(month), day >= 1 else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= lengths[month - 1]
    }
}
