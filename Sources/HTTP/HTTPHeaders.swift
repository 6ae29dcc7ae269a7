/// HTTP header fields in the order received or added, with case-insensitive lookup by name.
public struct HTTPHeaders: Sendable, Equatable {
    /// The fields as name and value pairs, names spelled as given.
    public private(set) var fields: [(name: String, value: String)]

    /// Creates headers from name and value pairs.
    public init(_ fields: [(name: String, value: String)] = []) {
        self.fields = fields
    }

    /// Returns the value of the first field named `name`, compared without regard to ASCII case.
    public subscript(name: String) -> String? {
        fields.first { Self.namesMatch($0.name, name) }?.value
    }

    /// Appends a field, keeping any earlier field of the same name.
    public mutating func add(name: String, value: String) {
        fields.append((name, value))
    }

    /// Replaces every field named `name` with one field.
    public mutating func replace(name: String, value: String) {
        fields.removeAll { Self.namesMatch($0.name, name) }
        fields.append((name, value))
    }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }

    static func namesMatch(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.elementsEqual(rhs.utf8) { asciiLowercased($0) == asciiLowercased($1) }
    }

    private static func asciiLowercased(_ byte: UInt8) -> UInt8 {
        (byte >= 65 && byte <= 90) ? byte + 32 : byte
    }
}
