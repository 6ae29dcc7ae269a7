/// A comparison operator of the OneRoster `filter` parameter.
public enum FilterOperator: String, Sendable, Hashable, CaseIterable {
    case equal = "="
    case notEqual = "!="
    case greater = ">"
    case greaterOrEqual = ">="
    case less = "<"
    case lessOrEqual = "<="
    /// Substring match: the field contains the value, compared case-sensitively.
    case contains = "~"
}

/// One `field op 'value'` term of a filter.
public struct FilterPredicate: Sendable, Hashable {
    /// The OneRoster field name, possibly dotted such as `metadata.x`.
    public var field: String
    public var op: FilterOperator
    /// The value with its quotes removed and doubled quotes collapsed.
    public var value: String

    public init(field: String, op: FilterOperator, value: String) {
        self.field = field
        self.op = op
        self.value = value
    }
}

/// The word that joins the predicates of a filter.
public enum LogicalOperator: String, Sendable, Hashable {
    case and = "AND"
    case or = "OR"
}

/// A parsed filter: one or more predicates joined by a single logical operator.
public struct FilterExpression: Sendable, Hashable {
    public var predicates: [FilterPredicate]
    /// The joining operator, or nil when there is one predicate.
    public var logicalOperator: LogicalOperator?

    public init(predicates: [FilterPredicate], logicalOperator: LogicalOperator?) {
        self.predicates = predicates
        self.logicalOperator = logicalOperator
    }
}

/// A sort direction from the `orderBy` parameter.
public enum SortDirection: String, Sendable, Hashable {
    case ascending = "asc"
    case descending = "desc"
}

/// The parsed query parameters of a OneRoster collection request.
public struct RESTQuery: Sendable, Hashable {
    public var filter: FilterExpression?
    /// The `sort` field, or nil when the request names none.
    public var sortField: String?
    public var sortDirection: SortDirection
    /// The `fields` selection in request order without repeats, or nil for all fields.
    public var fields: [String]?
    public var limit: Int
    public var offset: Int

    public init(
        filter: FilterExpression? = nil, sortField: String? = nil, sortDirection: SortDirection = .ascending,
        fields: [String]? = nil, limit: Int = 100, offset: Int = 0
    ) {
        self.filter = filter
        self.sortField = sortField
        self.sortDirection = sortDirection
        self.fields = fields
        self.limit = limit
        self.offset = offset
    }
}

/// Limits that a server applies to collection requests.
public struct RESTQueryLimits: Sendable, Hashable {
    /// The page size when a request has no `limit`.
    public var defaultLimit: Int
    /// The maximum page size. A larger `limit` is cut to it. The response's `X-Total-Count` and `Link`
    /// headers then show that more records remain, so a client that reads them does not stop early.
    public var maximumLimit: Int
    /// The largest number of predicates in one filter.
    public var maximumPredicates: Int

    public init(defaultLimit: Int = 100, maximumLimit: Int = 10_000, maximumPredicates: Int = 20) {
        self.defaultLimit = defaultLimit
        self.maximumLimit = maximumLimit
        self.maximumPredicates = maximumPredicates
    }
}
