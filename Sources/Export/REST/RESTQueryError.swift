/// A rejected OneRoster REST query parameter, with where it was and what was expected.
///
/// `description` reads `filter: unknown field 'emial' at 0; expected one of sourcedId, status`.
/// `code` is short and stable for metrics and logs, and `codeMinor` is the imsx code minor value
/// that a 400 response body carries.
public struct RESTQueryError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: String, Sendable, Hashable {
        case unknownFilterField = "unknown_filter_field"
        case malformedFilter = "malformed_filter"
        case mixedLogicalOperators = "mixed_logical_operators"
        case tooManyPredicates = "too_many_predicates"
        case unknownSortField = "unknown_sort_field"
        case invalidOrderBy = "invalid_order_by"
        case unknownSelectionField = "unknown_selection_field"
        case blankSelectionField = "blank_selection_field"
        case invalidLimit = "invalid_limit"
        case invalidOffset = "invalid_offset"
        case repeatedParameter = "repeated_parameter"
        case unmappedField = "unmapped_field"
    }

    private let kind: Code
    /// The query parameter that was rejected, such as `filter` or `limit`.
    public let parameter: String
    /// The zero-based character offset of `text` inside the parameter value, when it is known.
    public let position: Int?
    /// The offending text.
    public let text: String
    /// The input expected in place of `text`.
    public let expected: String

    private init(_ kind: Code, _ parameter: String, at position: Int?, text: String, expected: String) {
        self.kind = kind
        self.parameter = parameter
        self.position = position
        self.text = text
        self.expected = expected
    }

    /// The short stable code, such as `unknown_filter_field`.
    public var code: String { kind.rawValue }

    /// The OneRoster imsx code minor value for a 400 response.
    public var codeMinor: String {
        switch kind {
        case .unknownFilterField, .malformedFilter, .mixedLogicalOperators, .tooManyPredicates:
            return "invalid_filter_field"
        case .unknownSelectionField, .blankSelectionField:
            return "invalid_selection_field"
        case .unknownSortField:
            return "invalid_sort_field"
        case .invalidOrderBy, .invalidLimit, .invalidOffset, .repeatedParameter:
            return "invaliddata"
        case .unmappedField:
            return "internal_server_error"
        }
    }

    public var description: String {
        let problem: String
        switch kind {
        case .unknownFilterField, .unknownSortField, .unknownSelectionField: problem = "unknown field"
        case .malformedFilter: problem = "invalid text"
        case .mixedLogicalOperators: problem = "mixed logical operator"
        case .tooManyPredicates: problem = "predicate over the limit"
        case .invalidOrderBy: problem = "invalid direction"
        case .blankSelectionField: problem = "blank field name"
        case .invalidLimit, .invalidOffset: problem = "invalid value"
        case .repeatedParameter: problem = "repeated parameter"
        case .unmappedField: problem = "field without an SQL expression"
        }
        let place = position.map { " at \($0)" } ?? ""
        return "\(parameter): \(problem) '\(text)'\(place); expected \(expected)"
    }

    static func unknownFilterField(_ name: String, at position: Int, known: [String]) -> Self {
        Self(.unknownFilterField, "filter", at: position, text: name, expected: "one of \(list(known))")
    }

    static func malformedFilter(_ text: String, at position: Int, expected: String) -> Self {
        Self(.malformedFilter, "filter", at: position, text: text, expected: expected)
    }

    static func mixedLogicalOperators(_ word: String, at position: Int, first: String) -> Self {
        Self(
            .mixedLogicalOperators, "filter", at: position, text: word,
            expected: "'\(first)' again, because one filter joins its predicates with either AND or OR")
    }

    static func tooManyPredicates(_ text: String, at position: Int, maximum: Int) -> Self {
        Self(.tooManyPredicates, "filter", at: position, text: text, expected: "at most \(maximum) predicates")
    }

    static func unknownSortField(_ name: String, known: [String]) -> Self {
        Self(.unknownSortField, "sort", at: nil, text: name, expected: "one of \(list(known))")
    }

    static func invalidOrderBy(_ value: String) -> Self {
        Self(.invalidOrderBy, "orderBy", at: nil, text: value, expected: "asc or desc (lower case)")
    }

    static func unknownSelectionField(_ name: String, at position: Int, known: [String]) -> Self {
        Self(.unknownSelectionField, "fields", at: position, text: name, expected: "one of \(list(known))")
    }

    static func blankSelectionField(_ value: String, at position: Int) -> Self {
        Self(
            .blankSelectionField, "fields", at: position, text: value,
            expected: "a comma-separated list of field names without empty items")
    }

    static func invalidLimit(_ value: String, maximum: Int) -> Self {
        Self(
            .invalidLimit, "limit", at: nil, text: value,
            expected: "a whole number of 1 or more (pages hold at most \(maximum) records)")
    }

    static func invalidOffset(_ value: String) -> Self {
        Self(.invalidOffset, "offset", at: nil, text: value, expected: "a whole number of 0 or more")
    }

    static func repeatedParameter(_ name: String) -> Self {
        Self(.repeatedParameter, name, at: nil, text: name, expected: "the parameter at most once")
    }

    static func unmappedField(_ name: String, parameter: String) -> Self {
        Self(
            .unmappedField, parameter, at: nil, text: name,
            expected: "an entry for the field in the SQL field map (a server configuration error)")
    }

    private static func list(_ names: [String]) -> String {
        names.joined(separator: ", ")
    }
}
