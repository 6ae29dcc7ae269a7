import OneRoster
import Testing

@testable import Scripting

/// A sink that keeps the findings a script reports with `ctx.report`.
private final class FindingSink: ConnectorSink {
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
        let sink = FindingSink()
        _ = try connector.sync(context: ConnectorContext(sink: sink))
        return sink
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
            "ctx.report: unknown field 'colour'; expected field, file, message, row, rule, severity, sourcedId, value"
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
