/// Parses the `filter`, `sort`, `orderBy`, `fields`, `limit` and `offset` parameters of a collection request.
public struct RESTQueryParser: Sendable {
    /// Field names a request may filter and sort on, in the order error messages list them.
    public let knownFields: [String]
    /// Field names a request may select with `fields`, in the order error messages list them.
    public let selectableFields: [String]
    public let limits: RESTQueryLimits
    private let knownSet: Set<String>
    private let selectableSet: Set<String>

    /// Creates a parser. `selectableFields` defaults to `knownFields`.
    public init(knownFields: [String], selectableFields: [String]? = nil, limits: RESTQueryLimits = RESTQueryLimits()) {
        self.knownFields = knownFields
        self.selectableFields = selectableFields ?? knownFields
        self.limits = limits
        self.knownSet = Set(knownFields)
        self.selectableSet = Set(selectableFields ?? knownFields)
    }

    /// Parses percent-decoded query parameters. Names other than the six query parameters are ignored.
    public func parse(_ parameters: [(name: String, value: String)]) throws(RESTQueryError) -> RESTQuery {
        var values: [String: String] = [:]
        for (name, value) in parameters where Self.parameterNames.contains(name) {
            if values[name] != nil {
                throw .repeatedParameter(name)
            }
            values[name] = value
        }

        var query = RESTQuery(limit: limits.defaultLimit)
        if let filter = values["filter"] {
            query.filter = try parseFilter(filter)
        }
        if let sort = values["sort"] {
            guard knownSet.contains(sort) else {
                throw .unknownSortField(sort, known: knownFields)
            }
            query.sortField = sort
        }
        if let orderBy = values["orderBy"] {
            guard let direction = SortDirection(rawValue: orderBy) else {
                throw .invalidOrderBy(orderBy)
            }
            query.sortDirection = direction
        }
        if let fields = values["fields"] {
            query.fields = try parseFields(fields)
        }
        if let limit = values["limit"] {
            // A number too large for Int is still a valid request for "as many as allowed".
            guard limit.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), limit.utf8.contains(where: { $0 != 0x30 })
            else {
                throw .invalidLimit(limit, maximum: limits.maximumLimit)
            }
            query.limit = min(Self.wholeNumber(limit) ?? Int.max, limits.maximumLimit)
        }
        if let offset = values["offset"] {
            guard let number = Self.wholeNumber(offset) else {
                throw .invalidOffset(offset)
            }
            query.offset = number
        }
        return query
    }

    /// Parses one `filter` value such as `role='student' AND status='active'`.
    public func parseFilter(_ filter: String) throws(RESTQueryError) -> FilterExpression {
        var parser = FilterParser(filter, knownFields: knownFields, maximumPredicates: limits.maximumPredicates)
        return try parser.parse()
    }

    /// Parses a `fields` value. Spaces around names are ignored, and a repeated name is kept once.
    public func parseFields(_ fields: String) throws(RESTQueryError) -> [String] {
        var selected: [String] = []
        var position = 0
        for item in fields.split(separator: ",", omittingEmptySubsequences: false) {
            let name = item.trimmingCharacters(in: " ")
            if name.isEmpty {
                throw .blankSelectionField(fields, at: position)
            }
            guard selectableSet.contains(name) else {
                throw .unknownSelectionField(
                    name, at: position + item.prefix { $0 == " " }.count, known: selectableFields)
            }
            if !selected.contains(name) {
                selected.append(name)
            }
            position += item.count + 1
        }
        return selected
    }

    private static let parameterNames: Set<String> = ["filter", "sort", "orderBy", "fields", "limit", "offset"]

    /// Returns the value of ASCII digits only, so signs, spaces, decimals and overflow are all nil.
    private static func wholeNumber(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return nil
        }
        return Int(text)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        String(drop { $0 == character }.reversed().drop { $0 == character }.reversed())
    }
}
