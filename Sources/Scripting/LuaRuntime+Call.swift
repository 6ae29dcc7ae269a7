import CLua

extension LuaRuntime {
    /// Calls the function below `arguments` values on the stack through the traceback handler.
    ///
    /// Stack: expects `[function, arg1 ... argN]` on top. On success leaves the results
    /// (`results` of them, or all with `LUA_MULTRET`) where the function was; on failure pops
    /// the function and arguments and throws a `ScriptError`.
    func protectedCall(arguments: Int32, results: Int32) throws {
        let functionIndex = lua_gettop(state) - arguments
        rb_lua_push_message_handler(state)
        rb_lua_insert(state, functionIndex)
        let status = rb_lua_pcall(state, arguments, results, functionIndex)
        if status == LUA_OK {
            rb_lua_remove(state, functionIndex)
            return
        }
        let error = scriptError(status: status)
        lua_settop(state, functionIndex - 1)
        throw error
    }

    /// Builds the error for a failed call from the message on top of the stack and the stored traceback.
    ///
    /// Stack: reads the top, leaves it as found.
    private func scriptError(status: Int32) -> ScriptError {
        let script = currentScript
        let traceback = takeTraceback()
        if host.pointee.budget_exceeded != 0 {
            return .instructionBudget(script: script, limit: configuration.instructionLimit, traceback: traceback)
        }
        let raw = rawString(at: -1) ?? "(error object is not a string)"
        if status == LUA_ERRMEM || raw == "not enough memory" {
            return .memory(script: script, limit: configuration.memoryLimit)
        }
        var (line, message) = splitLocation(raw, script: script)
        if line == nil, let traceback {
            line = firstLine(in: traceback, script: script)
        }
        return .runtime(script: script, line: line, message: message, traceback: traceback)
    }

    /// Stack: unchanged.
    private func takeTraceback() -> String? {
        lua_getfield(state, rb_lua_registryindex(), "rollbook.traceback")
        let traceback = rawString(at: -1)
        rb_lua_pop(state, 1)
        lua_pushnil(state)
        lua_setfield(state, rb_lua_registryindex(), "rollbook.traceback")
        return traceback
    }

    /// Returns the string at `index` decoded as UTF-8 with repairs, or nil when it is not a string.
    ///
    /// Stack: unchanged (numbers are not converted in place).
    func rawString(at index: Int32) -> String? {
        guard lua_type(state, index) == LUA_TSTRING else { return nil }
        var length = 0
        guard let pointer = lua_tolstring(state, index, &length) else { return nil }
        let bytes = UnsafeRawBufferPointer(start: pointer, count: length)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Splits `script:12: message` into the line and the message when the prefix is this script.
    func splitLocation(_ raw: String, script: String) -> (Int?, String) {
        let prefix = chunkIdentifier(script) + ":"
        guard raw.hasPrefix(prefix) else { return (nil, raw) }
        let rest = raw.dropFirst(prefix.count)
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard let line = Int(digits), rest.dropFirst(digits.count).hasPrefix(": ") else { return (nil, raw) }
        return (line, String(rest.dropFirst(digits.count + 2)))
    }

    /// Returns the line of the first traceback frame inside `script`.
    private func firstLine(in traceback: String, script: String) -> Int? {
        let prefix = "\t" + chunkIdentifier(script) + ":"
        for frame in traceback.split(separator: "\n") where frame.hasPrefix(prefix) {
            let digits = frame.dropFirst(prefix.count).prefix { $0.isASCII && $0.isNumber }
            if let line = Int(digits) { return line }
        }
        return nil
    }
}

/// Returns the name Lua prints for a chunk loaded as `@name`: the whole name when it fits in LUA_IDSIZE
/// (60 bytes with the `@`), otherwise `...` followed by its last 56 bytes (Lua 5.4 `luaO_chunkid`).
func chunkIdentifier(_ name: String) -> String {
    let bytes = Array(name.utf8)
    if bytes.count + 1 <= 60 { return name }
    return "..." + String(decoding: bytes.suffix(56), as: UTF8.self)
}

extension LuaRuntime {
    /// Formats the value at `index` as `tostring` does, without calling `__tostring` or `__name`
    /// metamethods, so no Lua code runs inside Swift.
    ///
    /// Stack: unchanged.
    func displayText(at index: Int32) -> String {
        switch lua_type(state, index) {
        case LUA_TSTRING:
            return rawString(at: index) ?? ""
        case LUA_TNUMBER:
            lua_pushvalue(state, index)
            defer { rb_lua_pop(state, 1) }
            return rawString(atNumber: -1)
        case LUA_TBOOLEAN:
            return lua_toboolean(state, index) != 0 ? "true" : "false"
        case LUA_TNIL, LUA_TNONE:
            return "nil"
        case LUA_TUSERDATA where lua_touserdata(state, index) == nullSentinel:
            return "null"
        default:
            let name = String(cString: rb_lua_typename(state, index))
            let address = lua_topointer(state, index).map { String(UInt(bitPattern: $0), radix: 16) } ?? "0"
            return "\(name): 0x\(address)"
        }
    }

    /// Converts the number at `index` to text in place (the caller pushes a copy first).
    private func rawString(atNumber index: Int32) -> String {
        var length = 0
        guard let pointer = lua_tolstring(state, index, &length) else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }
}
