import OneRoster

/// A growing UTF-8 buffer of JSON text with string escaping and URL path-segment encoding.
///
/// Strings are escaped as RFC 8259 requires: `"`, `\` and every control character below U+0020.
/// U+2028 and U+2029 are also written as `\u2028` and `\u2029`, because JavaScript before ES2019 rejects
/// them raw inside string literals; all other non-ASCII text is copied unchanged. A byte sequence that
/// is not valid UTF-8 becomes U+FFFD, so the output is always valid JSON.
struct RESTJSONOutput {
    var bytes: [UInt8]

    init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        bytes.append(byte)
    }

    @inline(__always)
    mutating func append(_ raw: [UInt8]) {
        bytes.append(contentsOf: raw)
    }

    /// Appends `value` as a quoted JSON string.
    mutating func appendString(_ value: String) {
        var value = value
        value.withUTF8 { appendString($0) }
    }

    /// Appends UTF-8 `value` as a quoted JSON string.
    mutating func appendString(_ value: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        appendEscaped(value)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends the escaped content of a JSON string without quotes.
    mutating func appendEscaped(_ value: UnsafeBufferPointer<UInt8>) {
        guard let base = value.baseAddress else { return }
        var runStart = 0
        var index = 0
        let count = value.count
        while index < count {
            let byte = value[index]
            if byte >= 0x20 && byte < 0x80 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            if byte >= 0x80 {
                let length = UTF8Validation.sequenceLength(
                    lead: byte, bytes: base + index, available: count - index)
                let isLineSeparator =
                    length == 3 && byte == 0xE2 && value[index + 1] == 0x80
                    && (value[index + 2] == 0xA8 || value[index + 2] == 0xA9)
                if length > 0 && !isLineSeparator {
                    index += length
                    continue
                }
                flush(value, from: runStart, to: index)
                if isLineSeparator {
                    appendUnicodeEscape(value[index + 2] == 0xA8 ? 0x2028 : 0x2029)
                    index += 3
                } else {
                    bytes.append(contentsOf: [0xEF, 0xBF, 0xBD])
                    index += 1
                }
                runStart = index
                continue
            }
            flush(value, from: runStart, to: index)
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            default: appendUnicodeEscape(UInt16(byte))
            }
            index += 1
            runStart = index
        }
        flush(value, from: runStart, to: count)
    }

    /// Appends `value` percent-encoded for one URL path segment: only RFC 3986 unreserved bytes stay as is.
    mutating func appendPathSegment(_ value: UnsafeBufferPointer<UInt8>) {
        for byte in value {
            if Self.isUnreserved(byte) {
                bytes.append(byte)
            } else {
                bytes.append(UInt8(ascii: "%"))
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0x0F)])
            }
        }
    }

    /// The finished text; the buffer is valid UTF-8 by construction.
    var text: String {
        String(decoding: bytes, as: UTF8.self)
    }

    @inline(__always)
    private mutating func flush(_ value: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) {
        if end > start {
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: value[start..<end]))
        }
    }

    private mutating func appendUnicodeEscape(_ unit: UInt16) {
        bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u")])
        for shift in stride(from: 12, through: 0, by: -4) {
            bytes.append(Self.hexDigits[Int((unit >> UInt16(shift)) & 0x0F)])
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    @inline(__always)
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
