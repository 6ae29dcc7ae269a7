import HTTP

/// Percent-encoding as OAuth uses it: RFC 3986 unreserved-only encoding and form-urlencoded decoding.
enum PercentEncoding {
    /// Encodes every byte of the UTF-8 form of `text` except the RFC 3986 unreserved characters
    /// (`A-Z a-z 0-9 - . _ ~`), with upper-case hex digits, as RFC 5849 section 3.6 requires.
    static func encodeUnreserved(_ text: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                output.append(byte)
            } else {
                output.append(UInt8(ascii: "%"))
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes `%XX` escapes as UTF-8, reading `+` as a space when `plusAsSpace` is set. Returns nil for a broken
    /// escape or bytes that are not valid UTF-8.
    static func decode(_ text: Substring, plusAsSpace: Bool) -> String? {
        PercentDecoding.decode(text, plusAsSpace: plusAsSpace)
    }

    /// Splits an `application/x-www-form-urlencoded` string into decoded name and value pairs in order.
    ///
    /// Returns nil when any name or value has invalid percent-encoding.
    static func decodeForm(_ text: Substring) -> [(name: String, value: String)]? {
        var pairs: [(name: String, value: String)] = []
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(pieces[0], plusAsSpace: true),
                let value = decode(pieces.count > 1 ? pieces[1] : "", plusAsSpace: true)
            else { return nil }
            pairs.append((name, value))
        }
        return pairs
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            true
        default: false
        }
    }
}
