/// Strict UTF-8 checks as the Unicode Standard defines well-formed sequences (table 3-7 in chapter 3).
public enum UTF8Validation {
    /// Returns the index of the first byte of the first ill-formed sequence in `bytes`, or nil when all is valid.
    ///
    /// Overlong forms, surrogates (U+D800 to U+DFFF), values above U+10FFFF and truncated sequences are ill-formed.
    static func firstInvalidIndex(_ bytes: UnsafePointer<UInt8>, count: Int) -> Int? {
        var index = 0
        while index < count {
            // Skip ASCII eight bytes at a time; most roster text is ASCII.
            while index + 8 <= count {
                let word = UnsafeRawPointer(bytes + index).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 != 0 { break }
                index += 8
            }
            guard index < count else { return nil }

            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length = sequenceLength(lead: lead, bytes: bytes + index, available: count - index)
            guard length > 0 else { return index }
            index += length
        }
        return nil
    }

    /// Returns the length of the well-formed sequence that starts with `lead`, or 0 when it is ill-formed.
    @inline(__always)
    public static func sequenceLength(lead: UInt8, bytes: UnsafePointer<UInt8>, available: Int) -> Int {
        // The allowed range of the second byte depends on the lead byte; later bytes are always 0x80...0xBF.
        let length: Int
        var secondLow: UInt8 = 0x80
        var secondHigh: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            secondLow = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            secondHigh = 0x9F
        case 0xF0:
            length = 4
            secondLow = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            secondHigh = 0x8F
        default: return 0
        }
        guard available >= length else { return 0 }
        let second = bytes[1]
        guard second >= secondLow && second <= secondHigh else { return 0 }
        for offset in 2..<length where bytes[offset] & 0xC0 != 0x80 {
            return 0
        }
        return length
    }
}
