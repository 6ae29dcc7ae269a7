import Glibc

/// A JSON reader and writer over `LuaValue` that keeps integers and floats apart.
///
/// When decoding, numbers without a fraction or exponent that fit in Int64 become `.integer` and
/// all others `.number`. `null` becomes `.null`, and objects become `.map` with string keys, where
/// the last duplicate wins. When encoding, object keys are sorted and floats keep a fraction (`3.0`).
enum JSONCodec {
    /// Maximum nesting of arrays and objects accepted by `decode`.
    static let maximumDepth = 200

    struct DecodingError: Error, CustomStringConvertible {
        let offset: Int
        let problem: String
        var description: String { "invalid JSON at byte \(offset + 1): \(problem)" }
    }

    struct EncodingError: Error, CustomStringConvertible {
        let description: String
    }

    static func decode(_ bytes: [UInt8]) throws(DecodingError) -> LuaValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipSpace()
        let value = try parser.parseValue(depth: 0)
        parser.skipSpace()
        guard parser.position == bytes.count else {
            throw DecodingError(offset: parser.position, problem: "unexpected text after the value")
        }
        return value
    }

    static func encode(_ value: LuaValue) throws(EncodingError) -> String {
        var output: [UInt8] = []
        try write(value, to: &output, depth: 0)
        return String(decoding: output, as: UTF8.self)
    }

    private static func write(_ value: LuaValue, to output: inout [UInt8], depth: Int) throws(EncodingError) {
        guard depth <= maximumDepth else {
            throw EncodingError(description: "the value is nested more than \(maximumDepth) levels deep")
        }
        switch value {
        case .nil, .null:
            output.append(contentsOf: "null".utf8)
        case .boolean(let flag):
            output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .integer(let number):
            output.append(contentsOf: String(number).utf8)
        case .number(let number):
            guard number.isFinite else {
                throw EncodingError(
                    description: "the number '\(number)' has no JSON form (JSON has no NaN or infinity)")
            }
            output.append(contentsOf: number.description.utf8)
        case .string(let text):
            writeString(text, to: &output)
        case .bytes:
            throw EncodingError(description: "a string that is not valid UTF-8 cannot be written as JSON")
        case .array(let items):
            output.append(UInt8(ascii: "["))
            for (offset, item) in items.enumerated() {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                try write(item, to: &output, depth: depth + 1)
            }
            output.append(UInt8(ascii: "]"))
        case .map(let entries):
            var fields: [(String, LuaValue)] = []
            fields.reserveCapacity(entries.count)
            for (key, item) in entries {
                guard case .string(let name) = key else {
                    throw EncodingError(
                        description: "a table with the key '\(key.value.debugText)' (\(key.value.typeName)) "
                            + "cannot be written as a JSON object, whose keys are strings")
                }
                fields.append((name, item))
            }
            fields.sort { $0.0 < $1.0 }
            output.append(UInt8(ascii: "{"))
            for (offset, field) in fields.enumerated() {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                writeString(field.0, to: &output)
                output.append(UInt8(ascii: ":"))
                try write(field.1, to: &output, depth: depth + 1)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static func writeString(_ text: String, to output: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): output.append(contentsOf: [92, 92])
            case 0x0A: output.append(contentsOf: [92, UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [92, UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0..<0x20:
                output.append(contentsOf: Array("\\u00".utf8))
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0xF)])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}

extension LuaValue {
    /// A short rendering for messages and log fields: strings as they are, numbers in Lua's form.
    public var debugText: String {
        switch self {
        case .nil: return "nil"
        case .null: return "null"
        case .boolean(let flag): return String(flag)
        case .integer(let number): return String(number)
        case .number(let number): return number.description
        case .string(let text): return text
        case .bytes(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .array, .map: return (try? JSONCodec.encode(self)) ?? "(table)"
        }
    }
}

private struct JSONParser {
    let bytes: [UInt8]
    var position = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func skipSpace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private func fail(_ problem: String) -> JSONCodec.DecodingError {
        JSONCodec.DecodingError(offset: position, problem: problem)
    }

    mutating func parseValue(depth: Int) throws(JSONCodec.DecodingError) -> LuaValue {
        guard depth <= JSONCodec.maximumDepth else {
            throw fail("arrays and objects are nested more than \(JSONCodec.maximumDepth) levels deep")
        }
        guard position < bytes.count else { throw fail("unexpected end of text; expected a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try parseLiteral("true", .boolean(true))
        case UInt8(ascii: "f"): return try parseLiteral("false", .boolean(false))
        case UInt8(ascii: "n"): return try parseLiteral("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw fail("unexpected character '\(Character(Unicode.Scalar(bytes[position])))'; expected a value")
        }
    }

    private mutating func parseLiteral(_ word: String, _ value: LuaValue) throws(JSONCodec.DecodingError) -> LuaValue {
        let expected = Array(word.utf8)
        guard bytes.count - position >= expected.count,
            Array(bytes[position..<(position + expected.count)]) == expected
        else { throw fail("expected '\(word)'") }
        position += expected.count
        return value
    }

    private mutating func parseObject(depth: Int) throws(JSONCodec.DecodingError) -> LuaValue {
        position += 1
        var entries: [LuaKey: LuaValue] = [:]
        skipSpace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return .map(entries)
        }
        while true {
            skipSpace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw fail("expected a string key")
            }
            let key = try parseString()
            skipSpace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            position += 1
            skipSpace()
            entries[.string(key)] = try parseValue(depth: depth + 1)
            skipSpace()
            guard position < bytes.count else { throw fail("unexpected end of text; expected ',' or '}'") }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
            guard bytes[position] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
            position += 1
            return .map(entries)
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONCodec.DecodingError) -> LuaValue {
        position += 1
        var items: [LuaValue] = []
        skipSpace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return .array(items)
        }
        while true {
            skipSpace()
            items.append(try parseValue(depth: depth + 1))
            skipSpace()
            guard position < bytes.count else { throw fail("unexpected end of text; expected ',' or ']'") }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
            guard bytes[position] == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
            position += 1
            return .array(items)
        }
    }

    private mutating func parseString() throws(JSONCodec.DecodingError) -> String {
        let start = position
        position += 1
        var output: [UInt8] = []
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                guard let text = String(validating: output, as: UTF8.self) else {
                    position = start
                    throw fail("the string is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                position += 1
                guard position < bytes.count else { break }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(escape)
                case UInt8(ascii: "b"): output.append(0x08)
                case UInt8(ascii: "f"): output.append(0x0C)
                case UInt8(ascii: "n"): output.append(0x0A)
                case UInt8(ascii: "r"): output.append(0x0D)
                case UInt8(ascii: "t"): output.append(0x09)
                case UInt8(ascii: "u"):
                    let scalar = try parseUnicodeEscape()
                    output.append(contentsOf: Array(String(Character(scalar)).utf8))
                default:
                    position -= 1
                    throw fail("invalid escape '\\\(Character(Unicode.Scalar(escape)))'")
                }
            case 0..<0x20:
                throw fail("control character in a string; write it as an escape")
            default:
                output.append(byte)
                position += 1
            }
        }
        throw fail("unterminated string")
    }

    /// Reads the hex digits after `\u` (and a following low surrogate escape when needed).
    private mutating func parseUnicodeEscape() throws(JSONCodec.DecodingError) -> Unicode.Scalar {
        let high = try parseHex4()
        if (0xD800..<0xDC00).contains(high) {
            guard bytes.count - position >= 6, bytes[position] == UInt8(ascii: "\\"),
                bytes[position + 1] == UInt8(ascii: "u")
            else { throw fail("a high surrogate escape must be followed by a low surrogate escape") }
            position += 2
            let low = try parseHex4()
            guard (0xDC00..<0xE000).contains(low) else { throw fail("invalid low surrogate escape") }
            let combined = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
            guard let scalar = Unicode.Scalar(combined) else { throw fail("invalid surrogate pair") }
            return scalar
        }
        guard let scalar = Unicode.Scalar(high) else { throw fail("a lone low surrogate escape") }
        return scalar
    }

    private mutating func parseHex4() throws(JSONCodec.DecodingError) -> UInt32 {
        guard bytes.count - position >= 4 else { throw fail("expected four hex digits after '\\u'") }
        var result: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail("expected four hex digits after '\\u'")
            }
            result = result << 4 | UInt32(digit)
            position += 1
        }
        return result
    }

    private mutating func parseNumber() throws(JSONCodec.DecodingError) -> LuaValue {
        let start = position
        var isInteger = true
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count, isDigit(bytes[position]) else { throw fail("expected a digit") }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else { throw fail("expected a digit after '.'") }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard position < bytes.count, isDigit(bytes[position]) else { throw fail("expected an exponent digit") }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if isInteger, let integer = Int64(text) {
            return .integer(integer)
        }
        guard let number = Double(text) else {
            position = start
            throw fail("invalid number '\(text)'")
        }
        return .number(number)
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}

extension LuaValue {
    /// The value as JSON text, with sorted object keys; throws for values JSON cannot hold, such as a function
    /// or a map with non-string keys.
    public func jsonText() throws -> String {
        try JSONCodec.encode(self)
    }

    /// Reads a value from JSON text, keeping integers and floats apart.
    public init(jsonText: String) throws {
        self = try JSONCodec.decode(Array(jsonText.utf8))
    }
}
