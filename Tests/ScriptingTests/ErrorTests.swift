import Testing

@testable import Scripting

@Suite struct ErrorTests {
    @Test func runtimeErrorHasScriptLineAndTraceback() throws {
        let runtime = try LuaRuntime()
        let source = """
            local config = {}

            local function count(c)
                return #c.users.list
            end
            local total = count(config)
            return total
            """
        var caught: ScriptError?
        do {
            _ = try runtime.run(source: source, name: "connectors/sis/x.lua")
        } catch let error as ScriptError {
            caught = error
        }
        #expect(caught?.codeName == "runtime")
        #expect(caught?.line == 4)
        #expect(caught?.description == "connectors/sis/x.lua:4: attempt to index a nil value (field 'users')")
        #expect(caught?.traceback?.contains("connectors/sis/x.lua:6: in main chunk") == true)
        #expect(caught?.traceback?.contains("connectors/sis/x.lua:4: in local 'count'") == true)
    }

    @Test func syntaxErrorHasLine() throws {
        let error = scriptError("local a = 1\nlocal b = = 2\n")
        #expect(error?.codeName == "syntax")
        #expect(error?.line == 2)
        #expect(error?.description == "test.lua:2: unexpected symbol near '='")
    }

    @Test func errorWithTableValue() throws {
        let error = scriptError("error({ code = 1 })")
        #expect(error?.message == "(error object is a table value)")
        #expect(error?.line == 1)
    }

    @Test func errorLevelZeroFindsLineInTraceback() throws {
        let error = scriptError("local x = 1\nerror('plain message', 0)")
        #expect(error?.message == "plain message")
        #expect(error?.line == 2)
    }

    @Test func longScriptPathKeepsLine() throws {
        let name = "/very/long/path/to/a/district/folder/with/many/levels/connectors/sis/example.lua"
        let runtime = try LuaRuntime()
        var caught: ScriptError?
        do {
            _ = try runtime.run(source: "\n\nlocal x = nil + 1", name: name)
        } catch let error as ScriptError {
            caught = error
        }
        #expect(caught?.script == name)
        #expect(caught?.line == 3)
        #expect(caught?.message == "attempt to perform arithmetic on a nil value")
    }

    @Test func hostRaiseNamesScriptLine() throws {
        let error = scriptError("local a = 1\nrollbook.json.decode(42)")
        #expect(error?.line == 2)
        #expect(error?.message == "bad argument #1 to 'rollbook.json.decode' (string expected, got number)")
    }

    @Test func missingScriptFileIsIOError() throws {
        let runtime = try LuaRuntime()
        #expect(throws: ScriptError.self) { try runtime.run(path: "/nonexistent/rollbook/x.lua") }
    }
}
