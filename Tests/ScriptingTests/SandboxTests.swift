import Testing

@testable import Scripting

@Suite struct SandboxTests {
    @Test(arguments: ["io", "debug", "package", "require", "dofile", "loadfile"])
    func globalIsAbsent(name: String) throws {
        let results = try evaluate("return type(\(name))")
        #expect(results == [.string("nil")])
    }

    @Test func osKeepsOnlyTimeClockAndDate() throws {
        let results = try evaluate(
            """
            local names = {}
            for name in pairs(os) do names[#names + 1] = name end
            table.sort(names)
            return table.concat(names, ","), type(os.execute), type(os.getenv)
            """)
        #expect(results == [.string("clock,date,time"), .string("nil"), .string("nil")])
    }

    @Test func allowedLibrariesArePresent() throws {
        let results = try evaluate(
            "return type(string.format), type(table.concat), type(math.floor), type(utf8.char), type(coroutine.wrap)")
        #expect(results == Array(repeating: .string("function"), count: 5))
    }

    @Test func loadCompilesTextInSandbox() throws {
        let results = try evaluate("local f = load('return type(io), 1 + 1'); return f()")
        #expect(results == [.string("nil"), .integer(2)])
    }

    @Test func loadRejectsBinaryChunk() throws {
        let results = try evaluate(
            """
            local binary = string.dump(function() return 1 end)
            local f, err = load(binary, "chunk", "b")
            return f == nil, err
            """)
        #expect(results.first == .boolean(true))
        let message = results.last?.stringValue ?? ""
        #expect(message.contains("attempt to load a binary chunk"))
    }

    @Test func loadRejectsFunctionReader() throws {
        let error = scriptError("return load(function() return nil end)")
        #expect(error?.codeName == "runtime")
        #expect(error?.message.contains("scripts may load source text only") == true)
    }

    @Test func printGoesToLogger() throws {
        let logger = RecordingLogger()
        _ = try evaluate("print('hello', 42, nil, true, rollbook.json.null)", configuration: .init(logger: logger))
        #expect(logger.lines.count == 1)
        #expect(logger.lines.first?.level == .info)
        #expect(logger.lines.first?.message == "hello\t42\tnil\ttrue\tnull")
    }

    @Test func apiVersionIsOne() throws {
        #expect(try evaluate("return rollbook.api_version") == [.integer(1)])
    }

    @Test func runtimesShareNoGlobals() throws {
        let first = try LuaRuntime()
        let second = try LuaRuntime()
        _ = try first.run(source: "leaked = 1", name: "a.lua")
        #expect(try second.run(source: "return leaked", name: "b.lua") == [.nil])
    }
}
