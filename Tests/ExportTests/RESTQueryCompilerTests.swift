import Export
import Testing

@Suite("REST query compiler")
struct RESTQueryCompilerTests {
    static let parser = RESTQueryParser(knownFields: SQLiteShell.userColumns)

    static func compile(_ parameters: [(name: String, value: String)]) throws -> CompiledQuery {
        let compiler = try RESTQueryCompiler(fieldMap: SQLiteShell.fieldMap, tieBreaker: "sourcedId")
        return try compiler.compile(parser.parse(parameters))
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let filter: String
        let condition: String
        let bindings: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "equal", filter: "role='student'", condition: #"("v"."role" = ?)"#, bindings: ["student"]),
        Case(name: "not equal", filter: "role!='student'", condition: #"("v"."role" IS NOT ?)"#, bindings: ["student"]),
        Case(
            name: "greater", filter: "dateLastModified>'2024-01-20T00:00:00.000Z'",
            condition: #"("v"."dateLastModified" > ?)"#, bindings: ["2024-01-20T00:00:00.000Z"]),
        Case(
            name: "greater or equal", filter: "givenName>='N'", condition: #"("v"."givenName" >= ?)"#, bindings: ["N"]),
        Case(name: "less", filter: "givenName<'N'", condition: #"("v"."givenName" < ?)"#, bindings: ["N"]),
        Case(name: "less or equal", filter: "givenName<='N'", condition: #"("v"."givenName" <= ?)"#, bindings: ["N"]),
        Case(name: "contains", filter: "email~'50%_'", condition: #"(instr("v"."email", ?) > 0)"#, bindings: ["50%_"]),
        Case(
            name: "and", filter: "role='teacher' AND status='active'",
            condition: #"("v"."role" = ? AND "v"."status" = ?)"#, bindings: ["teacher", "active"]),
        Case(
            name: "or", filter: "role='teacher' OR givenName~'O''B'",
            condition: #"("v"."role" = ? OR instr("v"."givenName", ?) > 0)"#, bindings: ["teacher", "O'B"]),
        Case(
            name: "injection stays a value", filter: "givenName='''; DROP TABLE users; --'",
            condition: #"("v"."givenName" = ?)"#, bindings: ["'; DROP TABLE users; --"]),
    ]

    @Test("condition and bindings", arguments: cases)
    func conditionAndBindings(testCase: Case) throws {
        let compiled = try Self.compile([("filter", testCase.filter)])
        #expect(compiled.condition == testCase.condition)
        #expect(compiled.bindings == testCase.bindings)
    }

    @Test func noFilterHasNoCondition() throws {
        let compiled = try Self.compile([])
        #expect(compiled.condition == nil)
        #expect(compiled.bindings.isEmpty)
        #expect(compiled.orderBy == #""v"."sourcedId" ASC"#)
        #expect(compiled.limit == 100)
        #expect(compiled.offset == 0)
        #expect(compiled.fields == nil)
    }

    @Test func sortEndsWithTieBreaker() throws {
        let ascending = try Self.compile([("sort", "familyName")])
        #expect(ascending.orderBy == #""v"."familyName" ASC, "v"."sourcedId" ASC"#)
        let descending = try Self.compile([("sort", "familyName"), ("orderBy", "desc")])
        #expect(descending.orderBy == #""v"."familyName" DESC, "v"."sourcedId" ASC"#)
    }

    @Test func sortOnTieBreakerIsOneTerm() throws {
        let compiled = try Self.compile([("sort", "sourcedId"), ("orderBy", "desc")])
        #expect(compiled.orderBy == #""v"."sourcedId" DESC"#)
    }

    @Test func orderByWithoutSortTurnsTieBreaker() throws {
        let compiled = try Self.compile([("orderBy", "desc")])
        #expect(compiled.orderBy == #""v"."sourcedId" DESC"#)
    }

    @Test func fieldsAndPagingPassThrough() throws {
        let compiled = try Self.compile([("fields", "sourcedId,email"), ("limit", "2"), ("offset", "4")])
        #expect(compiled.fields == ["sourcedId", "email"])
        #expect(compiled.limit == 2)
        #expect(compiled.offset == 4)
    }

    @Test func unmappedFieldIsRejected() throws {
        let compiler = try RESTQueryCompiler(fieldMap: ["sourcedId": #""v"."sourcedId""#], tieBreaker: "sourcedId")
        let query = RESTQuery(
            filter: FilterExpression(
                predicates: [FilterPredicate(field: #"x"; DROP TABLE users; --"#, op: .equal, value: "1")],
                logicalOperator: nil))
        do {
            _ = try compiler.compile(query)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == "unmapped_field")
            #expect(error.codeMinor == "internal_server_error")
            #expect(error.text == #"x"; DROP TABLE users; --"#)
        }
    }

    @Test func unmappedSortAndFieldsAreRejected() throws {
        let compiler = try RESTQueryCompiler(fieldMap: ["sourcedId": #""v"."sourcedId""#], tieBreaker: "sourcedId")
        #expect(throws: RESTQueryError.self) { try compiler.compile(RESTQuery(sortField: "email")) }
        #expect(throws: RESTQueryError.self) { try compiler.compile(RESTQuery(fields: ["email"])) }
    }

    @Test func missingTieBreakerIsRejected() {
        do {
            _ = try RESTQueryCompiler(fieldMap: ["email": #""v"."email""#], tieBreaker: "sourcedId")
            Issue.record("expected an error")
        } catch {
            #expect(
                error.description
                    == "tieBreaker: field without an SQL expression 'sourcedId'; expected an entry for the field in the SQL field map (a server configuration error)"
            )
        }
    }
}
