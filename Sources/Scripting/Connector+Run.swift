import CLua

extension Connector {
    /// Calls `check(ctx)`. Throws when the script raises or returns `false` or `nil, message`.
    public func check(context: ConnectorContext) throws {
        let state = runtime.state
        let top = lua_gettop(state)
        defer { lua_settop(state, top) }
        let settings = try checkedSettings()
        try pushEntryPoint("check")
        pushContext(settings: settings, state: context.state)
        runtime.sink = context.sink
        defer { runtime.sink = nil }
        runtime.currentScript = path
        try runtime.protectedCall(arguments: 1, results: 2)
        let first = lua_type(state, -2)
        if first == LUA_TBOOLEAN, lua_toboolean(state, -2) == 0 {
            throw ScriptError.checkFailed(script: path, message: runtime.rawString(at: -1) ?? "check returned false")
        }
        if first == LUA_TNIL, lua_type(state, -1) == LUA_TSTRING {
            throw ScriptError.checkFailed(script: path, message: runtime.rawString(at: -1) ?? "")
        }
    }

    /// Calls `sync(ctx)` and returns the `ctx.state` the script left, for the host to save with
    /// the snapshot.
    public func sync(context: ConnectorContext) throws -> [String: LuaValue] {
        let state = runtime.state
        let top = lua_gettop(state)
        defer { lua_settop(state, top) }
        let settings = try checkedSettings()
        pushContext(settings: settings, state: context.state)
        let contextIndex = lua_gettop(state)
        try pushEntryPoint("sync")
        lua_pushvalue(state, contextIndex)
        runtime.sink = context.sink
        defer { runtime.sink = nil }
        runtime.currentScript = path
        try runtime.protectedCall(arguments: 1, results: 0)

        let type = runtime.withHostAllocation { Connector.rawField("state", of: contextIndex, in: runtime) }
        if type == LUA_TNIL { return [:] }
        let value = try runtime.value(at: -1, context: "ctx.state")
        switch value {
        case .map(let entries):
            var result: [String: LuaValue] = [:]
            for (key, item) in entries {
                guard case .string(let name) = key else {
                    throw ScriptError.contract(
                        script: path, message: "ctx.state keys must be strings; got '\(key.value.debugText)'")
                }
                result[name] = item
            }
            return result
        default:
            throw ScriptError.contract(
                script: path, message: "ctx.state must be a table with string keys; got \(value.typeName)")
        }
    }

    /// Calls `export(ctx)` of an export script. `ctx.records(kind)` reads the records the delivery sends from
    /// `source`. Throws when the script raises or returns `nil, message` or `false`.
    public func export(source: ExportRecordSource, fields: [String: LuaValue]) throws {
        let state = runtime.state
        let top = lua_gettop(state)
        defer { lua_settop(state, top) }
        let settings = try checkedSettings()
        try pushEntryPoint("export")
        pushContext(settings: settings, state: [:])
        runtime.withHostAllocation {
            HostAPI.pushFunction(named: "ctx.records", in: runtime)
            lua_setfield(state, -2, "records")
            for (name, value) in fields {
                runtime.push(value)
                lua_setfield(state, -2, name)
            }
        }
        runtime.exportSource = source
        defer { runtime.exportSource = nil }
        runtime.currentScript = path
        try runtime.protectedCall(arguments: 1, results: 2)
        let first = lua_type(state, -2)
        if first == LUA_TNIL || (first == LUA_TBOOLEAN && lua_toboolean(state, -2) == 0) {
            let message = runtime.rawString(at: -1) ?? "export returned \(first == LUA_TNIL ? "nil" : "false")"
            throw ScriptError.checkFailed(script: path, message: message)
        }
    }

    /// Stack: pushes one function.
    private func pushEntryPoint(_ name: String) throws {
        let state = runtime.state
        lua_rawgeti(state, rb_lua_registryindex(), Int64(reference))
        let table = lua_gettop(state)
        let type = runtime.withHostAllocation { Connector.rawField(name, of: table, in: runtime) }
        rb_lua_remove(state, table)
        guard type == LUA_TFUNCTION else {
            rb_lua_pop(state, 1)
            throw ScriptError.contract(script: path, message: "the connector table lost its '\(name)' function")
        }
    }

    /// Stack: pushes the `ctx` table.
    private func pushContext(settings: [String: LuaValue], state saved: [String: LuaValue]) {
        let state = runtime.state
        runtime.withHostAllocation {
            lua_createtable(state, 0, 7)
            runtime.push(.object(settings))
            lua_setfield(state, -2, "settings")
            runtime.push(.object(saved))
            lua_setfield(state, -2, "state")
            HostAPI.pushFunction(named: "ctx.emit", in: runtime)
            lua_setfield(state, -2, "emit")
            HostAPI.pushFunction(named: "ctx.emit_file", in: runtime)
            lua_setfield(state, -2, "emit_file")
            HostAPI.pushFunction(named: "ctx.report", in: runtime)
            lua_setfield(state, -2, "report")
            lua_getfield(state, rb_lua_registryindex(), "rollbook.api")
            runtime.pushString("log")
            lua_rawget(state, -2)
            rb_lua_remove(state, -2)
            lua_setfield(state, -2, "log")
        }
    }
}
