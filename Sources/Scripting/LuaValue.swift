/// A Lua value copied into Swift without loss.
///
/// Integers and floats stay apart (`3` is `.integer`, `3.0` is `.number`). Lua strings are bytes:
/// valid UTF-8 becomes `.string`, anything else `.bytes`. A table whose keys are exactly `1...n`
/// becomes `.array`; every other table, including the empty one, becomes `.map` with typed keys.
/// `.null` is `rollbook.json.null`, the sentinel that stands for JSON `null` where Lua's `nil`
/// would erase the key.
public enum LuaValue: Sendable, Hashable {
    case `nil`
    case null
    case boolean(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case bytes([UInt8])
    case array([LuaValue])
    case map([LuaKey: LuaValue])

    /// The value under a string key of a map, or nil for other values and missing keys.
    public subscript(key: String) -> LuaValue? {
        guard case .map(let entries) = self else { return nil }
        return entries[.string(key)]
    }

    /// The text of a `.string`, or nil.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The number of an `.integer` or `.number`, or nil.
    public var doubleValue: Double? {
        switch self {
        case .integer(let number): return Double(number)
        case .number(let number): return number
        default: return nil
        }
    }

    /// The Lua type name of the value, as `type()` returns it in Lua (`.null` is `userdata`).
    public var typeName: String {
        switch self {
        case .nil: return "nil"
        case .null: return "userdata"
        case .boolean: return "boolean"
        case .integer, .number: return "number"
        case .string, .bytes: return "string"
        case .array, .map: return "table"
        }
    }
}

/// A key of a Lua table that is not an array: a string, an integer, a non-integral float, a
/// boolean, or a string that is not valid UTF-8.
public enum LuaKey: Sendable, Hashable {
    case string(String)
    case integer(Int64)
    case number(Double)
    case boolean(Bool)
    case bytes([UInt8])

    /// The key as a value.
    public var value: LuaValue {
        switch self {
        case .string(let text): return .string(text)
        case .integer(let number): return .integer(number)
        case .number(let number): return .number(number)
        case .boolean(let flag): return .boolean(flag)
        case .bytes(let bytes): return .bytes(bytes)
        }
    }
}

extension LuaKey: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension LuaValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral
{
    public init(stringLiteral value: String) {
        self = .string(value)
    }

    public init(integerLiteral value: Int64) {
        self = .integer(value)
    }

    public init(floatLiteral value: Double) {
        self = .number(value)
    }

    public init(booleanLiteral value: Bool) {
        self = .boolean(value)
    }
}

extension LuaValue {
    /// A map with string keys.
    public static func object(_ entries: [String: LuaValue]) -> LuaValue {
        var map: [LuaKey: LuaValue] = [:]
        map.reserveCapacity(entries.count)
        for (key, value) in entries {
            map[.string(key)] = value
        }
        return .map(map)
    }
}
