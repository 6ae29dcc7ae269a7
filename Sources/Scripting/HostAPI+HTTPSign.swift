import CLua
import HTTP

/// The `sign` function of one `rollbook.http.request` call, which computes the headers of each attempt.
///
/// A request signed once repeats its OAuth 1.0a nonce on every retry, and a provider that stored the nonce of the
/// failed attempt may reject the repeat as a replay. The function therefore runs before every attempt.
struct HTTPSignFunction {
    let runtime: LuaRuntime
    /// The absolute stack slot of the function, inside the frame of the host function call.
    let stackIndex: Int32

    /// Returns `request` with the headers that the function returns for `attempt` (from 1), each replacing the
    /// headers of the same name in any letter case.
    ///
    /// Raises when the function raises, or returns something other than a table of header strings.
    /// Stack: unchanged.
    func signed(_ request: HTTPClientRequest, attempt: Int) throws -> HTTPClientRequest {
        let state = runtime.state
        let top = lua_gettop(state)
        defer { lua_settop(state, top) }
        guard lua_checkstack(state, 4) != 0 else {
            throw LuaRaise("rollbook.http.request: the Lua stack cannot grow to call field 'sign'")
        }

        lua_pushvalue(state, stackIndex)
        lua_createtable(state, 0, 3)
        runtime.pushString(request.method)
        lua_setfield(state, -2, "method")
        runtime.pushString(request.url)
        lua_setfield(state, -2, "url")
        lua_pushinteger(state, Int64(attempt))
        lua_setfield(state, -2, "attempt")
        do {
            try runtime.protectedCall(arguments: 1, results: 1)
        } catch {
            throw LuaRaise("rollbook.http.request: field 'sign' raised an error on attempt \(attempt): \(error)")
        }

        guard lua_type(state, -1) == LUA_TTABLE else {
            let type = String(cString: rb_lua_typename(state, -1))
            throw LuaRaise(
                "rollbook.http.request: field 'sign' returned a \(type) on attempt \(attempt); "
                    + "expected a table of header name = value strings")
        }
        let result: LuaValue
        do {
            result = try runtime.value(at: -1)
        } catch {
            throw LuaRaise("rollbook.http.request: the table returned by field 'sign' cannot be read: \(error)")
        }
        let headers = try HostAPI.headerFields(result, source: "the result of field 'sign'")

        var signed = request
        if !headers.isEmpty {
            let replaced = Set(headers.map { $0.name.lowercased() })
            signed.headers.removeAll { replaced.contains($0.name.lowercased()) }
            signed.headers.append(contentsOf: headers)
            signed.headers.sort { $0.name < $1.name }
        }
        return signed
    }
}
