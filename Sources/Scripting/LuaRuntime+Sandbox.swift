import CLua

/// Lua code run once per state after the standard libraries open. It removes what reaches the
/// file system or the process (`dofile`, `loadfile`, most of `os`) and limits `load` to source
/// text compiled in the sandbox's own environment. `io`, `debug` and `package` are never opened.
private let sandboxSource = """
    local G, raw_load, type, error = _G, load, type, error
    local os_time, os_clock, os_date = os.time, os.clock, os.date
    dofile, loadfile = nil, nil
    os = { time = os_time, clock = os_clock, date = os_date }
    load = function(chunk, chunkname, mode, env)
        if type(chunk) ~= "string" then
            error("bad argument #1 to 'load' (string expected, got " .. type(chunk)
                .. "); scripts may load source text only", 2)
        end
        if env == nil then env = G end
        return raw_load(chunk, chunkname, "t", env)
    end
    """

extension LuaRuntime {
    func installSandbox() throws {
        rb_lua_push_open_libraries(state)
        try protectedCall(arguments: 0, results: 0)
        _ = try run(source: sandboxSource, name: "(sandbox)")
    }

    /// Runs `body` with the memory cap relaxed by the host slack, for Swift code that pushes values
    /// outside a host function, so that a memory error does not unwind through Swift frames.
    func withHostAllocation<T>(_ body: () throws -> T) rethrows -> T {
        host.pointee.in_host += 1
        defer { host.pointee.in_host -= 1 }
        return try body()
    }
}
