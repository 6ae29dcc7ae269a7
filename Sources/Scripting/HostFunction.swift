import CLua

/// One function of the host API, registered once with what the reference documentation shows.
struct HostFunction: Sendable {
    /// The place scripts reach the function from.
    enum Scope: Sendable {
        /// Under the global `rollbook` table, at `rollbook.<name>`.
        case rollbook
        /// On the `ctx` table given to `check` and `sync`, at `ctx.<name>`.
        case context
        /// Not reachable by name: `print`, iterators and other functions the host hands out.
        case hidden
    }

    /// The dotted name inside its scope, such as `csv.rows` or `emit`.
    let name: String
    let scope: Scope
    /// The Lua call form with its results, such as `rollbook.json.decode(text) -> value | nil, err`.
    let signature: String
    /// A one-line description.
    let summary: String
    /// The implementation. It reads its arguments from the stack, pushes its results and returns
    /// their count. It throws `LuaRaise` (or any error) to raise a Lua error in the calling script.
    let body: @Sendable (HostCall) throws -> Int32

    /// The name as scripts write it.
    var qualifiedName: String {
        switch scope {
        case .rollbook: return "rollbook." + name
        case .context: return "ctx." + name
        case .hidden: return name
        }
    }
}

/// A Lua error raised on purpose by a host function: a caller mistake such as a wrong argument.
struct LuaRaise: Error, CustomStringConvertible {
    let description: String

    init(_ message: String) {
        description = message
    }
}

/// The C entry point of every host function, called by the trampoline in the CLua shim.
///
/// Returns the number of results, or -1 after pushing an error message that the trampoline
/// raises once this Swift frame is gone.
let luaHostDispatch: @convention(c) (OpaquePointer?, Int32) -> Int32 = { state, index in
    guard let state, let host = rb_lua_host_of(state), let owner = host.pointee.owner else { return 0 }
    let runtime = Unmanaged<LuaRuntime>.fromOpaque(owner).takeUnretainedValue()
    let functions = HostAPI.functions
    guard index >= 0, Int(index) < functions.count else { return 0 }
    let function = functions[Int(index)]
    let call = HostCall(runtime: runtime, function: function)
    let top = lua_gettop(state)
    do {
        return try function.body(call)
    } catch {
        lua_settop(state, top)
        luaL_where(state, 1)
        runtime.pushString("\(error)")
        lua_concat(state, 2)
        return -1
    }
}
