import OneRoster

/// The way a mapping's `mask` hides a field's value.
public enum MaskStyle: String, Sendable, CaseIterable {
    /// Keeps the first character of each word and stars the rest: `Jane Smith` becomes `J*** S****`.
    case initial
    /// Replaces the whole value with `***`, so not even its length shows.
    case redact

    /// Masks one value; blank values stay blank.
    public func apply(to value: String) -> String {
        switch self {
        case .redact:
            return value.isEmpty ? value : "***"
        case .initial:
            var result = ""
            var atWordStart = true
            for character in value {
                if character == " " || character == "-" {
                    result.append(character)
                    atWordStart = true
                } else if atWordStart {
                    result.append(character)
                    atWordStart = false
                } else {
                    result.append("*")
                }
            }
            return result
        }
    }

    /// Reads `mask = { users = { givenName = "initial" } }` or the list form `{ users = { "givenName" } }`,
    /// where each field gets the `initial` style.
    static func parse(_ value: LuaValue, path: String) throws -> [Entity: [(column: Int, style: MaskStyle)]] {
        func fail(_ message: String) -> ScriptError { ScriptError.contract(script: path, message: "mask: " + message) }
        guard case .map(let entries) = value else {
            throw fail("must map entity names to fields, such as { users = { givenName = \"initial\" } }")
        }
        var masks: [Entity: [(column: Int, style: MaskStyle)]] = [:]
        for (key, fields) in entries {
            guard case .string(let entityName) = key, let entity = Entity(rawValue: entityName) else {
                throw fail("unknown entity '\(key.value.debugText)'")
            }
            var pairs: [(String, String)] = []
            switch fields {
            case .array(let names):
                for name in names {
                    guard let text = name.stringValue else { throw fail("\(entityName) must list field names") }
                    pairs.append((text, MaskStyle.initial.rawValue))
                }
            case .map(let styles):
                for (field, style) in styles {
                    guard case .string(let name) = field, let text = style.stringValue else {
                        throw fail("\(entityName) must map field names to a style name")
                    }
                    pairs.append((name, text))
                }
            default:
                throw fail("\(entityName) must be a list of field names or a table of field = style")
            }
            var columns: [(column: Int, style: MaskStyle)] = []
            for (name, styleName) in pairs.sorted(by: { $0.0 < $1.0 }) {
                guard let column = Schema.index(of: name, in: entity) else {
                    throw fail("\(entityName): unknown field '\(name)'")
                }
                guard column > 2, Schema.columns(of: entity)[column].type == .string else {
                    throw fail(
                        "\(entityName).\(name) cannot be masked: only free-text fields can, not identifiers, "
                            + "references, codes or dates")
                }
                guard let style = MaskStyle(rawValue: styleName) else {
                    let known = MaskStyle.allCases.map(\.rawValue).joined(separator: ", ")
                    throw fail("\(entityName).\(name): unknown style '\(styleName)'; expected one of \(known)")
                }
                columns.append((column, style))
            }
            masks[entity] = columns
        }
        return masks
    }
}
