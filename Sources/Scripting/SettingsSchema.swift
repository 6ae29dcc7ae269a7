/// The type of one connector setting.
enum SettingType: String, CaseIterable {
    case string
    case number
    case integer
    case boolean
    case path
    case table

    /// The type with an article, for messages: "an integer".
    var phrase: String {
        switch self {
        case .string: return "a string"
        case .number: return "a number"
        case .integer: return "an integer"
        case .boolean: return "a boolean"
        case .path: return "a path (string)"
        case .table: return "a table"
        }
    }

    /// Returns the value in this type's canonical form, or nil when it does not have this type.
    /// A float with an integral value counts as an integer, and an integer counts as a number.
    func accept(_ value: LuaValue) -> LuaValue? {
        switch (self, value) {
        case (.string, .string), (.boolean, .boolean), (.number, .integer), (.number, .number),
            (.integer, .integer), (.table, .map), (.table, .array):
            return value
        case (.path, .string(let text)) where !text.isEmpty:
            return value
        case (.integer, .number(let number)) where number.rounded() == number && abs(number) < 9.0e18:
            return .integer(Int64(number))
        default:
            return nil
        }
    }
}

/// One entry of a connector's `settings` table.
struct SettingSpec {
    let name: String
    let type: SettingType
    let required: Bool
    let defaultValue: LuaValue?
    let secret: Bool
    let summary: String?

    private static let attributes: Set<String> = ["type", "required", "default", "secret", "description"]

    /// Reads one schema entry; the errors name the setting and what is wrong with it.
    init(name: String, entry: LuaValue) throws(SchemaError) {
        self.name = name
        guard case .map(let fields) = entry else {
            throw SchemaError("setting '\(name)' must be a table such as { type = \"string\" }; got \(entry.typeName)")
        }
        for key in fields.keys {
            guard case .string(let attribute) = key, Self.attributes.contains(attribute) else {
                let known = Self.attributes.sorted().joined(separator: ", ")
                throw SchemaError("setting '\(name)' has unknown attribute '\(key.value.debugText)'; expected \(known)")
            }
        }
        guard case .string(let typeName)? = fields["type"], let type = SettingType(rawValue: typeName) else {
            let known = SettingType.allCases.map(\.rawValue).joined(separator: ", ")
            let given = fields["type"]?.debugText ?? "nil"
            throw SchemaError("setting '\(name)' has type '\(given)'; expected one of \(known)")
        }
        self.type = type
        required = try Self.flag(fields["required"], attribute: "required", setting: name)
        secret = try Self.flag(fields["secret"], attribute: "secret", setting: name)
        if secret, type != .string {
            throw SchemaError("setting '\(name)' is secret, so its type must be 'string'; got '\(type.rawValue)'")
        }
        switch fields["description"] {
        case nil: summary = nil
        case .string(let text)?: summary = text
        case let other?:
            throw SchemaError("setting '\(name)' has a description of type \(other.typeName); expected a string")
        }
        if let given = fields["default"] {
            guard let accepted = type.accept(given) else {
                throw SchemaError("setting '\(name)' has default '\(given.debugText)', which is not \(type.phrase)")
            }
            defaultValue = accepted
        } else {
            defaultValue = nil
        }
    }

    private static func flag(_ value: LuaValue?, attribute: String, setting: String) throws(SchemaError) -> Bool {
        switch value {
        case nil: return false
        case .boolean(let flag)?: return flag
        case let other?:
            throw SchemaError("setting '\(setting)' has \(attribute) = '\(other.debugText)'; expected true or false")
        }
    }
}

struct SchemaError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// One setting of a connector's schema, as `connector check` lists it.
public struct SettingDescription: Encodable, Equatable, Sendable {
    public let name: String
    /// `string`, `number`, `integer`, `boolean`, `path` or `table`.
    public let type: String
    public let required: Bool
    public let secret: Bool
    /// The default value as text (a table as JSON), or nil when the setting has none.
    public let defaultValue: String?
    public let summary: String?

    enum CodingKeys: String, CodingKey {
        case name, type, required, secret
        case defaultValue = "default"
        case summary = "description"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(type, forKey: .type)
        try container.encode(required, forKey: .required)
        try container.encode(secret, forKey: .secret)
        try container.encode(defaultValue, forKey: .defaultValue)
        try container.encode(summary, forKey: .summary)
    }
}

extension SettingSpec {
    var publicDescription: SettingDescription {
        SettingDescription(
            name: name, type: type.rawValue, required: required, secret: secret,
            defaultValue: defaultValue.map(\.debugText), summary: summary)
    }
}
