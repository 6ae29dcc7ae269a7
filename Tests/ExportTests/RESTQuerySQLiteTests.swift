import Export
import Foundation
import Testing

@Suite("REST query through SQLite", .enabled(if: SQLiteShell.isAvailable, "the sqlite3 shell is not installed"))
struct RESTQuerySQLiteTests {
    static let parser = RESTQueryParser(knownFields: SQLiteShell.userColumns)

    static func compile(_ parameters: [(name: String, value: String)]) throws -> (RESTQuery, CompiledQuery) {
        let compiler = try RESTQueryCompiler(fieldMap: SQLiteShell.fieldMap, tieBreaker: "sourcedId")
        let query = try parser.parse(parameters)
        return (query, try compiler.compile(query))
    }

    static let filters = [
        "role='teacher'",
        "role!='teacher'",
        "dateLastModified>'2024-01-20T08:00:00.000Z'",
        "dateLastModified>='2024-01-20T08:00:00.000Z'",
        "dateLastModified<'2024-01-05T00:00:00.000Z'",
        "dateLastModified<='2024-01-05T08:00:00.000Z'",
        "email~'50%'",
        "email~'_off'",
        "givenName~'Name1'",
        "givenName='Ann O''Brien'",
        "givenName='''; DROP TABLE users; --'",
        #"givenName='Back\slash "quoted"'"#,
        "role='teacher' AND status='active'",
        "role='teacher' OR status='tobedeleted'",
        "familyName='Cole' AND role!='student' AND email~'user'",
        "givenName='nobody'",
        "email~''",
    ]

    @Test("filter matches Swift reference", arguments: filters)
    func filterMatchesReference(filter: String) throws {
        let shell = try SQLiteShell()
        let (query, compiled) = try Self.compile([("filter", filter)])
        let expected = UserRow.sample.expectedIds(filter: query.filter, sort: nil, direction: .ascending)
        #expect(try shell.sourcedIds(compiled) == expected)
        #expect(try shell.rowCount() == 30)
    }

    @Test func pinnedFilterResults() throws {
        let shell = try SQLiteShell()
        #expect(try shell.sourcedIds(Self.compile([("filter", "email~'50%'")]).1) == ["u-11"])
        #expect(try shell.sourcedIds(Self.compile([("filter", "givenName='Ann O''Brien'")]).1) == ["u-07"])
        #expect(try shell.sourcedIds(Self.compile([("filter", "givenName='''; DROP TABLE users; --'")]).1) == ["u-13"])
        let late = try shell.sourcedIds(Self.compile([("filter", "dateLastModified>'2024-01-27T08:00:00.000Z'")]).1)
        #expect(late == ["u-28", "u-29", "u-30"])
    }

    @Test("sort matches Swift reference", arguments: ["asc", "desc"])
    func sortMatchesReference(direction: String) throws {
        let shell = try SQLiteShell()
        let (query, compiled) = try Self.compile([("sort", "familyName"), ("orderBy", direction), ("limit", "100")])
        let expected = UserRow.sample.expectedIds(
            filter: nil, sort: "familyName", direction: query.sortDirection)
        #expect(try shell.sourcedIds(compiled) == expected)
    }

    @Test("pages neither overlap nor skip", arguments: ["asc", "desc"])
    func pagingIsStable(direction: String) throws {
        let shell = try SQLiteShell()
        let all = try shell.sourcedIds(
            Self.compile([("sort", "familyName"), ("orderBy", direction), ("filter", "status='active'")]).1)
        #expect(all.count == 24)

        var paged: [String] = []
        for page in 0..<20 {
            let compiled = try Self.compile([
                ("sort", "familyName"), ("orderBy", direction), ("filter", "status='active'"),
                ("limit", "5"), ("offset", String(page * 5)),
            ]).1
            let ids = try shell.sourcedIds(compiled)
            paged += ids
            if ids.count < 5 {
                break
            }
        }
        #expect(paged == all)
        #expect(Set(paged).count == paged.count)
    }

    @Test func limitAndOffsetEdges() throws {
        let shell = try SQLiteShell()
        #expect(try shell.sourcedIds(Self.compile([("limit", "1")]).1) == ["u-01"])
        #expect(try shell.sourcedIds(Self.compile([("limit", "10000")]).1).count == 30)
        #expect(try shell.sourcedIds(Self.compile([("offset", "29")]).1) == ["u-30"])
        #expect(try shell.sourcedIds(Self.compile([("offset", "30")]).1).isEmpty)
        #expect(try shell.sourcedIds(Self.compile([("offset", "1000000")]).1).isEmpty)
        #expect(try shell.sourcedIds(Self.compile([]).1).count == 30)
    }

    /// The users file of the shared paging case, in the shared folder next to the package root.
    static let pagingCaseUsers = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/cases/B06/users.csv")
        .path

    @Test(
        .enabled(
            if: FileManager.default.fileExists(atPath: pagingCaseUsers),
            "the shared paging case is absent next to the package root"))
    func usersCasePagesInSourcedIdOrder() throws {
        let csv = Self.pagingCaseUsers
        let shell = try SQLiteShell(usersCSV: csv)
        var pages: [[String]] = []
        for offset in [0, 2, 4, 6] {
            pages.append(try shell.sourcedIds(Self.compile([("limit", "2"), ("offset", String(offset))]).1))
        }
        #expect(pages == [["u-601", "u-602"], ["u-603", "u-604"], ["u-605"], []])
        let students = try shell.sourcedIds(Self.compile([("filter", "role='student'"), ("limit", "100")]).1)
        #expect(students.count == 4)
    }
}
