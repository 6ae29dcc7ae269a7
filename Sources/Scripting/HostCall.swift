import CLua

/// The arguments and result helpers of one host function call.
///
/// Argument checks raise a Lua error in the script (a caller mistake); `failure(_:)` returns
/// `nil, message` for a runtime failure.
struct HostCall {
    let runtime: LuaRuntime
    let function: HostFunction

    var state: OpaquePointer { runtime.state }

    /// The number of arguments.
    var count: Int32 { lua_gettop(state) }

    func isAbsent(_ position: Int32) -> Bool {
        rb_lua_isnoneornil(state, position) != 0
    }

    /// Builds the error for a wrong argument, in the wording of Lua's own `bad argument` errors.
    func badArgument(_ position: Int32, expected: String) -> LuaRaise {
        let actual = String(cString: rb_lua_typename(state, position))
        return LuaRaise(
            "bad argument #\(position) to '\(function.qualifiedName)' (\(expected) expected, got \(actual))")
    }

    /// Returns the string argument at `position`. Numbers are not accepted.
    func string(_ position: Int32) throws -> String {
        guard lua_type(state, position) == LUA_TSTRING, let text = runtime.rawString(at: position) else {
            throw badArgument(position, expected: "string")
        }
        return text
    }

    func optionalString(_ position: Int32) throws -> String? {
        isAbsent(position) ? nil : try string(position)
    }

    /// Copies the argument at `position` into Swift. A conversion failure raises.
    func value(_ position: Int32) throws -> LuaValue {
        do {
            return try runtime.value(at: position)
        } catch {
            throw LuaRaise("bad argument #\(position) to '\(function.qualifiedName)' (\(error))")
        }
    }

    /// Copies the table argument at `position` into Swift, or returns nil when it is absent.
    func optionalTable(_ position: Int32) throws -> LuaValue? {
        if isAbsent(position) { return nil }
        guard lua_type(state, position) == LUA_TTABLE else { throw badArgument(position, expected: "table") }
        return try value(position)
    }

    /// Pushes `nil, message` and returns 2.
    func failure(_ message: String) -> Int32 {
        lua_pushnil(state)
        runtime.pushString(message)
        return 2
    }

    /// Pushes one value and returns 1.
    func result(_ value: LuaValue) -> Int32 {
        runtime.push(value)
        return 1
    }

    /// Resolves a path from a script. Raises when it leads outside the allowed roots
    /// (a caller mistake) and returns the failure when the file cannot be opened (a runtime failure).
    func resolvePath(_ path: String) throws -> Result<String, PathPolicy.Failure> {
        do throws(PathPolicy.Failure) {
            return .success(try runtime.paths.resolve(path))
        } catch {
            if case .outsideRoots = error { throw LuaRaise(error.description) }
            return .failure(error)
        }
    }
}
