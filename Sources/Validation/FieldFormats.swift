/// Format checks for OneRoster scalar values, written over UTF-8 bytes so the per-field cost stays small.
enum FieldFormats {
    /// Whether `text` is a real calendar date written `YYYY-MM-DD`.
    static func isDate(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isDate($0) }
    }

    /// Returns whether `bytes` are a real calendar date written `YYYY-MM-DD`.
    static func isDate(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count == 10, bytes[4] == 0x2D, bytes[7] == 0x2D else { return false }
        guard let year = number(bytes, 0, 4), let month = number(bytes, 5, 2), let day = number(bytes, 8, 2)
        else { return false }
        return isValidDay(year: year, month: month, day: day)
    }

    /// Checks an ISO 8601 date-time; `.strict` needs `T` and a zone (`Z` or `±hh:mm`).
    static func dateTimeForm(_ text: String) -> DateTimeForm {
        var text = text
        return text.withUTF8 { dateTimeForm($0) }
    }

    /// Checks an ISO 8601 date-time given as UTF-8 bytes.
    static func dateTimeForm(_ bytes: UnsafeBufferPointer<UInt8>) -> DateTimeForm {
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

    /// Returns whether `bytes` are four digits.
    static func isYear(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count == 4 && bytes.allSatisfy(isDigit)
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

    /// Whether `text` is a comma-separated list of CEDS grade codes with no spaces or empty items.
    static func isStandardGradeList(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isStandardGradeList($0) }
    }

    /// Returns whether `bytes` are a comma-separated list of CEDS grade codes with no spaces or empty items.
    static func isStandardGradeList(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var start = 0
        for index in 0...bytes.count where index == bytes.count || bytes[index] == 0x2C {
            if !isStandardGrade(bytes, start, index - start) { return false }
            start = index + 1
        }
        return true
    }

    /// Whether the bytes at `start` of `length` are one of `IT PR PK TK KG 01`...`13 PS UG Other`.
    private static func isStandardGrade(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ length: Int) -> Bool {
        if length == 5 {
            return bytes[start] == 0x4F && bytes[start + 1] == 0x74 && bytes[start + 2] == 0x68
                && bytes[start + 3] == 0x65 && bytes[start + 4] == 0x72
        }
        guard length == 2 else { return false }
        let first = bytes[start]
        let second = bytes[start + 1]
        if first == 0x30 { return second >= 0x31 && second <= 0x39 }
        if first == 0x31 { return second >= 0x30 && second <= 0x33 }
        switch (first, second) {
        case (0x49, 0x54), (0x50, 0x52), (0x50, 0x4B), (0x54, 0x4B), (0x4B, 0x47), (0x50, 0x53), (0x55, 0x47):
            return true
        default:
            return false
        }
    }

    /// Whether `text` is a comma-separated list of `{type:identifier}` tokens with nothing around them.
    static func isUserIdList(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isUserIdList($0) }
    }

    /// Returns whether `bytes` are a comma-separated list of `{type:identifier}` tokens with nothing around them.
    static func isUserIdList(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while index < bytes.count {
            guard bytes[index] == 0x7B else { return false }
            var colon = -1
            var end = index + 1
            while end < bytes.count && bytes[end] != 0x7D {
                if bytes[end] == 0x7B { return false }
                if bytes[end] == 0x3A && colon < 0 { colon = end }
                end += 1
            }
            guard end < bytes.count, colon > index + 1, colon < end - 1 else { return false }
            index = end + 1
            if index < bytes.count {
                guard bytes[index] == 0x2C, index + 1 < bytes.count else { return false }
                index += 1
            }
        }
        return true
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
