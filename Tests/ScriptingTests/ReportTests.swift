import OneRoster
import Testing

@testable import Scripting

/// A sink that keeps the findings a script reports with `ctx.report`.
private final class FindingSink: ConnectorSink {
    var findings: [Diagnostic] = []
    /// The entity of each finding that reached `reportRejected`, in order.
    var rejected: [Entity] = []

    func emit(kind: String, record: LuaValue) throws {}
    func emitFile(kind: String, path: String, options: LuaValue) throws {}

    func report(_ diagnostics: [Diagnostic]) {
        findings.append(contentsOf: diagnostics)
    }

    func reportRejected(_ diagnostic: Diagnostic, entity: Entity) {
        findings.append(diagnostic)
        rejected.append(entity)
    }
}

/// A sink that implements only `report`, as sinks written before `reportRejected` existed do.
private final class PlainSink: ConnectorSink {
    var findings: [Diagnostic] = []

    func emit(kind: String, record: LuaValue) throws {}
    func emitFile(kind: String, path: String, options: LuaValue) throws {}

    func report(_ diagnostics: [Diagnostic]) {
        findings.append(contentsOf: diagnostics)
    }
}

@Suite struct ReportTests {
    /// Runs a connector whose `sync` body is `body` and returns the sink it reported to.
    private func sync(_ body: String) throws -> FindingSink {
        let sink = FindingSink()
        try sync(body, into: sink)
        return sink
    }

    /// Runs a connector whose `sync` body is `body` with `sink` as its sink.
    private func sync(_ body: String, into sink: ConnectorSink) throws {
        let directory = try TemporaryDirectory()
        let source = """
            return { name = 'reporting', version = '1', description = 'd', settings = {},
                check = function() return true end,
                sync = function(ctx)
                    \(body)
                end }
            """
        let path = try directory.write("connectors/sis/reporting.lua", source)
        let connector = try Connector.load(path: path, runtime: try LuaRuntime(configuration: .init()))
        connector.validateSettings([:])
        _ = try connector.sync(context: ConnectorContext(sink: sink))
    }

    @Test func reportReachesSinkWithAllFields() throws {
        let sink = try sync(
            """
            ctx.report { rule = "ref.missing", file = "Section.csv", row = 5, field = "School SIS ID",
                value = "20099", sourcedId = "21004", message = "school '20099' is not in School.csv" }
            """)
        let expected = Diagnostic(
            .error, rule: "ref.missing", file: "Section.csv", row: 5, field: "School SIS ID", value: "20099",
            sourcedId: "21004", message: "school '20099' is not in School.csv")
        #expect(sink.findings == [expected])
    }

    @Test func reportTakesWarningSeverity() throws {
        let sink = try sync(#"ctx.report { rule = "term.conflict", severity = "warning", message = "m" }"#)
        #expect(sink.findings.first?.severity == .warning)
        #expect(sink.findings.first?.row == nil)
    }

    @Test(arguments: [
        (
            #"ctx.report { rule = "r", message = "m", severity = "fatal" }"#,
            "ctx.report: 'severity' is 'fatal'; expected error, warning or info"
        ),
        (
            #"ctx.report { rule = "r", message = "m", row = 0 }"#,
            "ctx.report: 'row' is '0'; expected an integer of 1 or more"
        ),
        (
            #"ctx.report { message = "m" }"#,
            "ctx.report: 'rule' is missing; give a stable rule id such as 'ref.missing'"
        ),
        (
            #"ctx.report { rule = "r", message = "m", colour = "red" }"#,
            "ctx.report: unknown field 'colour'; expected entity, field, file, message, row, rule, severity, "
                + "sourcedId, value"
        ),
        (
            #"ctx.report { rule = "r", message = "m", entity = "pupils" }"#,
            "ctx.report: 'entity' is 'pupils'; expected one of orgs, academicSessions, courses, classes, users, "
                + "userProfiles, roles, enrollments, demographics"
        ),
        (
            #"ctx.report { rule = "r", message = "m", entity = "user" }"#,
            "ctx.report: 'entity' is 'user'; expected one of orgs, academicSessions, courses, classes, users, "
                + "userProfiles, roles, enrollments, demographics (did you mean 'users'?)"
        ),
        (
            #"ctx.report { rule = "r", message = "m", entity = "Enrollments" }"#,
            "ctx.report: 'entity' is 'Enrollments'; expected one of orgs, academicSessions, courses, classes, users, "
                + "userProfiles, roles, enrollments, demographics (did you mean 'enrollments'?)"
        ),
        (
            #"ctx.report { rule = "r", message = "m", entity = 3 }"#,
            "ctx.report: 'entity' is a number; expected a string"
        ),
        (
            #"ctx.report("text")"#,
            "bad argument #1 to 'ctx.report' (table expected, got string)"
        ),
    ])
    func reportRejectsBadFinding(body: String, message: String) throws {
        #expect {
            _ = try sync(body)
        } throws: { error in
            (error as? ScriptError)?.message == message
        }
    }

    @Test func errorWithEntityCountsAsRejected() throws {
        let sink = try sync(
            """
            ctx.report { rule = "ref.missing", entity = "users", file = "Student.csv", row = 4, sourcedId = "7003",
                message = "school '3009' is not in School.csv; the student is rejected" }
            ctx.report { rule = "id.duplicate", entity = "enrollments", severity = "error", message = "again" }
            """)
        #expect(sink.rejected == [.users, .enrollments])
        #expect(sink.findings.map(\.sourcedId) == ["7003", nil])
        #expect(sink.findings.map(\.severity) == [.error, .error])
    }

    @Test(arguments: ["warning", "info"])
    func nonErrorWithEntityIsNotCounted(severity: String) throws {
        let sink = try sync(
            #"ctx.report { rule = "r", entity = "users", severity = "\#(severity)", message = "m" }"#)
        #expect(sink.rejected.isEmpty)
        #expect(sink.findings.map(\.severity.rawValue) == [severity])
    }

    @Test func errorWithoutEntityIsNotCounted() throws {
        let sink = try sync(#"ctx.report { rule = "r", message = "m" }"#)
        #expect(sink.rejected.isEmpty)
        #expect(sink.findings.count == 1)
    }

    @Test func plainSinkStillGetsCountedFinding() throws {
        let sink = PlainSink()
        try sync(#"ctx.report { rule = "r", entity = "classes", message = "m" }"#, into: sink)
        #expect(sink.findings.map(\.rule) == ["r"])
    }

    @Test func rowsRejectsRepeatedHeaderColumn() throws {
        let directory = try TemporaryDirectory()
        try directory.write("Teacher.csv", "SIS ID,Username,Name,Username\n1,a,Ann,b\n")
        let results = try LuaRuntime(configuration: .init(allowedRoots: [directory.path])).run(
            source: "return rollbook.csv.rows('Teacher.csv')", name: "csv.lua")
        let message =
            "'Teacher.csv': column 'Username' appears twice in the header (columns 2 and 4); "
            + "rename or remove one of them"
        #expect(results == [.nil, .string(message)])
    }

    @Test func rowsAllowsRepeatedEmptyHeaderCells() throws {
        let directory = try TemporaryDirectory()
        try directory.write("padded.csv", "id,role,,\n1,student,,\n")
        let results = try LuaRuntime(configuration: .init(allowedRoots: [directory.path])).run(
            source: "for row in rollbook.csv.rows('padded.csv') do return row.role end", name: "csv.lua")
        #expect(results == ["student"])
    }
}
