import Testing

@testable import Scripting

@Suite struct LimitTests {
    @Test func endlessLoopStopsAtBudget() throws {
        let error = scriptError("while true do end", configuration: .init(instructionLimit: 5_000_000))
        #expect(error?.codeName == "instruction_budget")
        #expect(error?.description.hasPrefix("test.lua: script exceeded its instruction budget of 5000000") == true)
    }

    @Test func budgetSurvivesPcall() throws {
        let source = """
            while true do
                pcall(function() while true do end end)
            end
            """
        let error = scriptError(source, configuration: .init(instructionLimit: 5_000_000))
        #expect(error?.codeName == "instruction_budget")
    }

    @Test func growingTableStopsAtMemoryLimit() throws {
        let runtime = try LuaRuntime(configuration: .init(memoryLimit: 16 << 20))
        var caught: ScriptError?
        do {
            _ = try runtime.run(
                source: "local t = {} local i = 0 while true do i = i + 1 t[i] = ('x'):rep(100) .. i end",
                name: "connectors/sis/x.lua")
        } catch let error as ScriptError {
            caught = error
        }
        #expect(caught?.codeName == "memory")
        #expect(caught?.description == "connectors/sis/x.lua: script exceeded its memory limit of 16 MiB")
        #expect(runtime.memoryInUse <= 16 << 20)
        // The state is still usable once the table is garbage.
        let after = try runtime.run(source: "collectgarbage() return 1 + 1", name: "after.lua")
        #expect(after == [.integer(2)])
    }

    @Test func defaultLimitsAreGenerous() throws {
        let configuration = LuaRuntime.Configuration()
        #expect(configuration.memoryLimit == 256 << 20)
        #expect(configuration.instructionLimit == 2_000_000_000)
    }
}
