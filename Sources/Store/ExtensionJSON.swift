import OneRoster

/// The `ext` column format: a flat JSON object of string values that keeps the extensions' order.
///
/// Foundation's JSON types return objects as unordered dictionaries, so the store writes and reads this one
/// shape itself. Duplicate names are kept as they come, in order.
enum ExtensionJSON {
    /// Appends the JSON object for `extensions` to `output`.
    static func write(_ extensions: [Extension], into output: inout [UInt8]) {
        output.append(UInt8(ascii: "{"))
        for (position, item) in extensions.enumerated() {
            if position > 0 { output.append(UInt8(ascii: ",")) }
            writeString(item.name, into: &output)
            output.append(UInt8(ascii: ":"))
            writeString(item.value, into: &output)
        }
        output.append(UInt8(ascii: "}"))
    }

    /// Returns the JSON text for `extensions`.
    static func encode(_ extensions: [Extension]) -> String {
        var bytes: [UInt8] = []
        write(extensions, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func writeString(_ text: String, into output: inout [UInt8]) {
        let hexDigits = Array("0123456789abcdef".utf8)
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                output.append(UInt8(ascii: "\\"))
                output.append(byte)
            case UInt8(ascii: "\n"):
                output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"):
                output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"):
                output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                output.append(contentsOf: Array("\\u00".utf8))
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            default:
                output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// Parses the object written by `write`, or returns nil when `text` is not a flat object of strings.
    static func decode(_ text: String) -> [Extension]? {
        var parser = Parser(bytes: Array(text.utf8))
        return parser.parseObject()
    }

    private struct Parser {
        let bytes: [UInt8]
        var position = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        mutating func parseObject() -> [Extension]? {
            skipSpaces()
            guard consume(UInt8(ascii: "{")) else { return nil }
            var result: [Extension] = []
            skipSpaces()
            if consume(UInt8(ascii: "}")) { return finished(result) }
            while true {
                skipSpaces()
                guard let name = parseString() else { return nil }
                skipSpaces()
                guard consume(UInt8(ascii: ":")) else { return nil }
                skipSpaces()
                guard let value = parseString() else { return nil }
                result.append(Extension(name: name, value: value))
                skipSpaces()
                if consume(UInt8(ascii: ",")) { continue }
                guard consume(UInt8(ascii: "}")) else { return nil }
                return finished(result)
            }
        }

        private mutating func finished(_ result: [Extension]) -> [Extension]? {
            skipSpaces()
            return position == bytes.count ? result : nil
        }

        private mutating func parseString() -> String? {
            guard consume(UInt8(ascii: "\"")) else { return nil }
            var output: [UInt8] = []
            while position < bytes.count {
                let byte = bytes[position]
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(decoding: output, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard position < bytes.count else { return nil }
                    let escaped = bytes[position]
                    position += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(escaped)
                    case UInt8(ascii: "n"): output.append(0x0A)
                    case UInt8(ascii: "r"): output.append(0x0D)
                    case UInt8(ascii: "t"): output.append(0x09)
                    case UInt8(ascii: "b"): output.append(0x08)
                    case UInt8(ascii: "f"): output.append(0x0C)
                    case UInt8(ascii: "u"):
                        guard let scalar = parseUnicodeEscape() else { return nil }
                        output.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default: return nil
                    }
                default:
                    output.append(byte)
                }
            }
            return nil
        }

        /// Reads the hex digits after `\u`, joining a UTF-16 surrogate pair into one scalar.
        private mutating func parseUnicodeEscape() -> Unicode.Scalar? {
            guard let unit = parseHex4() else { return nil }
            if (0xD800..<0xDC00).contains(unit) {
                guard consume(UInt8(ascii: "\\")), consume(UInt8(ascii: "u")), let low = parseHex4(),
                    (0xDC00..<0xE000).contains(low)
                else { return nil }
                return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
            }
            return Unicode.Scalar(unit)
        }

        private mutating func parseHex4() -> UInt32? {
            guard position + 4 <= bytes.count else { return nil }
            var result: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = hexValue(bytes[position]) else { return nil }
                result = result << 4 | digit
                position += 1
            }
            return result
        }

        private func hexValue(_ byte: UInt8) -> UInt32? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
            default: return nil
            }
        }

        private mutating func skipSpaces() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        private mutating func consume(_ byte: UInt8) -> Bool {
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
            return true
        }
    }
}
