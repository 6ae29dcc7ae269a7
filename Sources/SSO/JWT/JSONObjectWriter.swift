/// Writes one flat JSON object member by member, in the order added, straight into UTF-8 bytes.
///
/// It exists for JWT headers, claims and JWK documents on the token path, where JSONSerialization would cost
/// more than the fields are worth and would not keep the member order.
public struct JSONObjectWriter: Sendable {
    private var bytes: [UInt8] = [UInt8(ascii: "{")]

    /// Creates an empty object.
    public init() {
        bytes.reserveCapacity(256)
    }

    /// Adds a string member.
    public mutating func add(_ name: String, _ value: String) {
        appendName(name)
        appendString(value)
    }

    /// Adds an integer member, such as a NumericDate in seconds.
    public mutating func add(_ name: String, _ value: Int) {
        appendName(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    /// Adds a boolean member.
    public mutating func add(_ name: String, _ value: Bool) {
        appendName(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// Adds an array of strings.
    public mutating func add(_ name: String, _ values: [String]) {
        appendName(name)
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            appendString(value)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// Adds a member whose value is already JSON text, such as a nested object. The caller vouches for its syntax.
    public mutating func addRaw(_ name: String, json: String) {
        appendName(name)
        bytes.append(contentsOf: json.utf8)
    }

    /// The finished object as UTF-8 bytes.
    public var utf8: [UInt8] { bytes + [UInt8(ascii: "}")] }

    /// The finished object as text.
    public var text: String { String(decoding: utf8, as: UTF8.self) }

    private mutating func appendName(_ name: String) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        appendString(name)
        bytes.append(UInt8(ascii: ":"))
    }

    /// Appends `value` as a JSON string literal, escaping quotes, backslashes and control characters (RFC 8259
    /// section 7). Other characters pass through as UTF-8.
    private mutating func appendString(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
