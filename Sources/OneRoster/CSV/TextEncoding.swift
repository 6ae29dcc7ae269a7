/// The character encoding of a CSV source.
public enum TextEncoding: String, Sendable, Hashable, CaseIterable, Codable {
    /// UTF-8, checked strictly: an invalid byte is an error, never a replacement character.
    case utf8 = "utf-8"
    /// Windows code page 1252 (Western European), the usual encoding of CSV files saved by Excel on Windows.
    case windows1252 = "windows-1252"

    /// Finds an encoding by a name an operator may write: `utf-8`, `utf8`, `windows-1252`, `cp1252`.
    public init?(name: String) {
        switch name.trimmingSpaces().lowercased() {
        case "utf-8", "utf8": self = .utf8
        case "windows-1252", "windows1252", "cp1252", "cp-1252": self = .windows1252
        default: return nil
        }
    }
}

/// The Windows-1252 code page as Unicode scalar values.
enum Windows1252 {
    /// The scalar value of each byte from 0x80 to 0x9F; 0 marks the five bytes the code page leaves undefined.
    /// Bytes below 0x80 are ASCII and bytes from 0xA0 are the same as Latin-1 (U+00A0 to U+00FF).
    static let highControlBlock: [UInt32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ]

    /// Returns the scalar value of `byte`, or nil for 0x81, 0x8D, 0x8F, 0x90 and 0x9D.
    @inline(__always)
    static func scalar(of byte: UInt8) -> UInt32? {
        if byte < 0x80 || byte >= 0xA0 { return UInt32(byte) }
        let value = highControlBlock[Int(byte) - 0x80]
        return value == 0 ? nil : value
    }
}
