/// A column that the OneRoster binding does not define (`metadata.*` or a vendor's own), kept as given.
public struct Extension: Sendable, Hashable, Codable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// Where a record came from: a file and its 1-based row (the header is row 1), or a connector's emit call.
public struct Origin: Sendable, Hashable, Codable {
    public var file: String
    public var row: Int

    public init(file: String, row: Int) {
        self.file = file
        self.row = row
    }
}

/// One accepted OneRoster record in canonical text form.
///
/// `values` is aligned with `Schema.columns(of: entity)`, the union of the 1.1 and 1.2 columns;
/// `nil` means the column is blank. Values are canonical: lists are joined by `,` with no spaces,
/// booleans are `true`/`false`, and everything else is kept exactly as the source gave it.
public struct Record: Sendable, Hashable {
    public let entity: Entity
    public var values: [String?]
    public var extensions: [Extension]

    public init(entity: Entity, values: [String?], extensions: [Extension] = []) {
        precondition(values.count == Schema.columns(of: entity).count, "values must match the entity's columns")
        self.entity = entity
        self.values = values
        self.extensions = extensions
    }

    /// An empty record of an entity.
    public init(entity: Entity) {
        self.entity = entity
        self.values = Array(repeating: nil, count: Schema.columns(of: entity).count)
        self.extensions = []
    }

    /// The record's `sourcedId`, never empty for an accepted record.
    public var sourcedId: String { values[0] ?? "" }

    /// The value of a column by name, or of an extension column when the schema has no such column.
    public subscript(_ name: String) -> String? {
        get {
            if let index = Schema.index(of: name, in: entity) { return values[index] }
            return extensions.first { $0.name == name }?.value
        }
        set {
            if let index = Schema.index(of: name, in: entity) {
                values[index] = newValue
            } else if let position = extensions.firstIndex(where: { $0.name == name }) {
                if let newValue { extensions[position].value = newValue } else { extensions.remove(at: position) }
            } else if let newValue {
                extensions.append(Extension(name: name, value: newValue))
            }
        }
    }

    /// The items of a list column (`grades`, `orgSourcedIds`, ...), empty when blank.
    public func list(_ name: String) -> [String] {
        guard let text = self[name], !text.isEmpty else { return [] }
        return text.split(separator: ",", omittingEmptySubsequences: true).map(String.init)
    }
}
