/// SQL text and bound values for one collection request.
///
/// The caller builds `SELECT … FROM … WHERE <condition> ORDER BY <orderBy> LIMIT ? OFFSET ?`, binds
/// `bindings` as text in order, then `limit` and `offset` as integers.
public struct CompiledQuery: Sendable, Hashable {
    /// A parenthesized condition with `?` placeholders, or nil when the request has no filter.
    public var condition: String?
    /// The filter values in placeholder order.
    public var bindings: [String]
    /// The ORDER BY terms without the keywords, always ending with the tie-breaker.
    public var orderBy: String
    public var limit: Int
    public var offset: Int
    /// The selected fields, or nil for all fields.
    public var fields: [String]?
}

/// Compiles a parsed query to SQL using only the caller's field map for identifiers.
///
/// Every operator compares TEXT with SQLite's default BINARY collation, so `>` and `<` order by code
/// point. That is right for ISO 8601 UTC dates such as `dateLastModified` only while every stored and
/// requested value uses the same layout, for example `2024-01-01T00:00:00.000Z`.
/// `~` compiles to `instr(field, ?) > 0`: a case-sensitive substring test that needs no escaping of
/// `%` or `_`. `!=` compiles to `IS NOT`, so a NULL field counts as different from every value.
/// NOTE: the binding asks for Unicode collation in sorts, but BINARY orders by code point, so accented
/// and mixed-case names sort differently from a locale-aware order. `=''` does not match NULL fields.
public struct RESTQueryCompiler: Sendable {
    private let fieldMap: [String: String]
    private let tieBreaker: String

    /// Creates a compiler from OneRoster field names to trusted SQL expressions such as `"v"."givenName"`.
    ///
    /// `tieBreaker` is a field of the map whose values are unique, such as `sourcedId`. It ends every
    /// ORDER BY, so equal sort keys still give one fixed order and pages neither overlap nor skip.
    public init(fieldMap: [String: String], tieBreaker: String) throws(RESTQueryError) {
        guard fieldMap[tieBreaker] != nil else {
            throw .unmappedField(tieBreaker, parameter: "tieBreaker")
        }
        self.fieldMap = fieldMap
        self.tieBreaker = tieBreaker
    }

    /// Compiles `query`; a field missing from the map is an error rather than raw SQL.
    public func compile(_ query: RESTQuery) throws(RESTQueryError) -> CompiledQuery {
        var condition: String?
        var bindings: [String] = []
        if let filter = query.filter {
            var terms: [String] = []
            for predicate in filter.predicates {
                let expression = try expression(for: predicate.field, parameter: "filter")
                terms.append(Self.term(expression, predicate.op))
                bindings.append(predicate.value)
            }
            let joiner = " \((filter.logicalOperator ?? .and).rawValue) "
            condition = "(" + terms.joined(separator: joiner) + ")"
        }

        let tieExpression = try expression(for: tieBreaker, parameter: "tieBreaker")
        let orderBy: String
        if let sortField = query.sortField, sortField != tieBreaker {
            let sortExpression = try expression(for: sortField, parameter: "sort")
            orderBy = "\(sortExpression) \(Self.keyword(query.sortDirection)), \(tieExpression) ASC"
        } else {
            // NOTE: without a sort field, orderBy sets the direction of the tie-breaker itself.
            orderBy = "\(tieExpression) \(Self.keyword(query.sortDirection))"
        }

        if let fields = query.fields {
            for field in fields {
                _ = try expression(for: field, parameter: "fields")
            }
        }
        return CompiledQuery(
            condition: condition, bindings: bindings, orderBy: orderBy, limit: query.limit, offset: query.offset,
            fields: query.fields)
    }

    private func expression(for field: String, parameter: String) throws(RESTQueryError) -> String {
        guard let expression = fieldMap[field] else {
            throw .unmappedField(field, parameter: parameter)
        }
        return expression
    }

    private static func term(_ expression: String, _ op: FilterOperator) -> String {
        switch op {
        case .equal: return "\(expression) = ?"
        case .notEqual: return "\(expression) IS NOT ?"
        case .greater: return "\(expression) > ?"
        case .greaterOrEqual: return "\(expression) >= ?"
        case .less: return "\(expression) < ?"
        case .lessOrEqual: return "\(expression) <= ?"
        case .contains: return "instr(\(expression), ?) > 0"
        }
    }

    private static func keyword(_ direction: SortDirection) -> String {
        direction == .ascending ? "ASC" : "DESC"
    }
}
