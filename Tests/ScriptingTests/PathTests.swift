import Foundation
import Testing

@testable import Scripting

@Suite struct PathTests {
    /// A root `data/` with `users.csv`, a file outside it, and a link inside that points out.
    private func makeTree() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try directory.write("data/users.csv", "sourcedId\nu1\n")
        try directory.write("outside.csv", "secret\n")
        try FileManager.default.createSymbolicLink(
            atPath: directory.path + "/data/escape.csv", withDestinationPath: directory.path + "/outside.csv")
        return directory
    }

    private func runEmitFile(_ argument: String, in directory: TemporaryDirectory) throws -> (RecordingSink, [LuaValue])
    {
        let source = """
            return { name = 'x', version = '1', description = 'd', settings = {},
                check = function() end,
                sync = function(ctx)
                    local ok, err = ctx.emit_file("users", \(argument), { header_map = { id = "sourcedId" } })
                    ctx.state.ok = ok or false
                    ctx.state.err = err
                end }
            """
        let path = try directory.write("connector.lua", source)
        let runtime = try LuaRuntime(configuration: .init(allowedRoots: [directory.path + "/data"]))
        let connector = try Connector.load(path: path, runtime: runtime)
        let sink = RecordingSink()
        let state = try connector.sync(context: ConnectorContext(sink: sink))
        return (sink, [state["ok"] ?? .nil, state["err"] ?? .nil])
    }

    @Test func fileInsideRootIsForwarded() throws {
        let directory = try makeTree()
        let (sink, results) = try runEmitFile("'users.csv'", in: directory)
        #expect(results == [true, .nil])
        #expect(sink.files.count == 1)
        #expect(sink.files.first?.kind == "users")
        #expect(sink.files.first?.path == realPath(directory.path + "/data/users.csv"))
        #expect(sink.files.first?.options == .map(["header_map": .map(["id": "sourcedId"])]))
    }

    @Test func dotDotEscapeIsRejected() throws {
        let directory = try makeTree()
        #expect {
            _ = try runEmitFile("'../outside.csv'", in: directory)
        } throws: { error in
            let message = (error as? ScriptError)?.message ?? ""
            return message.hasPrefix("path '../outside.csv' is outside the allowed roots")
        }
    }

    @Test func symlinkEscapeIsRejected() throws {
        let directory = try makeTree()
        #expect {
            _ = try runEmitFile("'escape.csv'", in: directory)
        } throws: { error in
            let error = error as? ScriptError
            return error?.line == 4
                && error?.message.hasPrefix("path 'escape.csv' is outside the allowed roots") == true
        }
    }

    @Test func missingFileReturnsNilAndMessage() throws {
        let directory = try makeTree()
        let (sink, results) = try runEmitFile("'missing.csv'", in: directory)
        #expect(sink.files.isEmpty)
        #expect(results == [false, "cannot open 'missing.csv': No such file or directory"])
    }

    @Test func noRootsRejectsEveryPath() throws {
        let policy = try PathPolicy(roots: [])
        #expect(throws: PathPolicy.Failure.self) { try policy.resolve("/etc/hosts") }
    }
}
