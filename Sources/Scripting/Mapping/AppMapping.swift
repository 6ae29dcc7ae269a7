import CLua
import OneRoster

/// An application's vendor mapping, loaded from a Lua script in connectors/apps.
///
/// The script returns a table with an optional `share` table (the sharing scope and field allow-lists), an
/// optional `mask` table, and optional per-entity functions named by the singular entity: `org`,
/// `academicSession`, `course`, `class`, `user`, `userProfile`, `role`, `enrollment` and `demographic`.
/// Each function takes a record as a table and returns the reshaped table, or nil to leave the record out.
public final class AppMapping {
    public let runtime: LuaRuntime
    /// The script's path, as given to `load`.
    public let path: String
    public let name: String
    public let share: SharePolicy
    /// Masked fields per entity and how each is masked.
    public let masks: [Entity: [(column: Int, style: MaskStyle)]]
    /// Registry references of the per-entity functions the script defines.
    let functions: [Entity: Int32]
    /// Registry references of the `share` predicates, by the name of the key that holds each.
    let predicates: [SharePolicy.Predicate: Int32]

    private init(
        runtime: LuaRuntime, path: String, name: String, share: SharePolicy,
        masks: [Entity: [(column: Int, style: MaskStyle)]], functions: [Entity: Int32],
        predicates: [SharePolicy.Predicate: Int32]
    ) {
        self.runtime = runtime
        self.path = path
        self.name = name
        self.share = share
        self.masks = masks
        self.functions = functions
        self.predicates = predicates
    }

    deinit {
        for reference in functions.values { luaL_unref(runtime.state, rb_lua_registryindex(), reference) }
        for reference in predicates.values { luaL_unref(runtime.state, rb_lua_registryindex(), reference) }
    }

    /// The name of an entity's mapping function in the script, such as `user` or `academicSession`.
    public static func functionName(of entity: Entity) -> String {
        entity.singularName
    }

    /// Whether the script defines a mapping function for the entity.
    public func hasFunction(for entity: Entity) -> Bool { functions[entity] != nil }

    /// Returns whether the script defines the predicate.
    public func hasPredicate(_ predicate: SharePolicy.Predicate) -> Bool { predicates[predicate] != nil }

    /// Runs the script at `path` and reads the mapping table it returns.
    public static func load(path: String, runtime: LuaRuntime) throws -> AppMapping {
        let state = runtime.state
        let top = lua_gettop(state)
        defer { lua_settop(state, top) }
        var bytes = try runtime.readScript(path: path)
        try runtime.load(bytes: &bytes, name: path)
        runtime.currentScript = path
        try runtime.protectedCall(arguments: 0, results: 1)
        func contract(_ message: String) -> ScriptError { ScriptError.contract(script: path, message: message) }

        guard lua_type(state, -1) == LUA_TTABLE else {
            let got = String(cString: rb_lua_typename(state, -1))
            throw contract("the script must return a table describing the mapping; got \(got)")
        }
        let table = lua_gettop(state)
        try checkKeys(of: table, runtime: runtime, path: path)

        let nameType = runtime.withHostAllocation { Connector.rawField("name", of: table, in: runtime) }
        let name = nameType == LUA_TSTRING ? runtime.rawString(at: -1) ?? "" : ""
        rb_lua_pop(state, 1)
        guard !name.isEmpty else { throw contract("the mapping table must have 'name' (non-empty string)") }

        var functions: [Entity: Int32] = [:]
        for entity in Entity.allCases {
            let key = functionName(of: entity)
            let type = runtime.withHostAllocation { Connector.rawField(key, of: table, in: runtime) }
            if type == LUA_TNIL {
                rb_lua_pop(state, 1)
                continue
            }
            guard type == LUA_TFUNCTION else {
                let got = String(cString: lua_typename(state, type))
                rb_lua_pop(state, 1)
                throw contract("'\(key)' must be a function that takes a record and returns it or nil; got \(got)")
            }
            functions[entity] = luaL_ref(state, rb_lua_registryindex())
        }

        let shareType = runtime.withHostAllocation { Connector.rawField("share", of: table, in: runtime) }
        var share = SharePolicy()
        var predicates: [SharePolicy.Predicate: Int32] = [:]
        if shareType == LUA_TTABLE {
            (share, predicates) = try SharePolicy.read(at: lua_gettop(state), runtime: runtime, path: path)
        } else if shareType != LUA_TNIL {
            throw contract("'share' must be a table; got \(String(cString: lua_typename(state, shareType)))")
        }
        rb_lua_pop(state, 1)

        let maskType = runtime.withHostAllocation { Connector.rawField("mask", of: table, in: runtime) }
        var masks: [Entity: [(column: Int, style: MaskStyle)]] = [:]
        if maskType != LUA_TNIL {
            let value = try runtime.value(at: -1, context: "mask")
            masks = try MaskStyle.parse(value, path: path)
        }
        rb_lua_pop(state, 1)

        return AppMapping(
            runtime: runtime, path: path, name: name, share: share, masks: masks, functions: functions,
            predicates: predicates)
    }

    private static let topLevelKeys: Set<String> =
        Set(["name", "description", "version", "share", "mask"]).union(Entity.allCases.map(functionName(of:)))

    /// Rejects keys the contract does not define, so that a misspelt `users = function` is not silently ignored.
    ///
    /// Stack: unchanged.
    private static func checkKeys(of table: Int32, runtime: LuaRuntime, path: String) throws {
        let state = runtime.state
        lua_pushnil(state)
        while lua_next(state, table) != 0 {
            let key = lua_type(state, -2) == LUA_TSTRING ? runtime.rawString(at: -2) ?? "" : "(not a string)"
            rb_lua_pop(state, 1)
            if !topLevelKeys.contains(key) {
                rb_lua_pop(state, 1)
                let expected = topLevelKeys.sorted().joined(separator: ", ")
                throw ScriptError.contract(
                    script: path, message: "unknown key '\(key)' in the mapping table; expected one of \(expected)")
            }
        }
    }
}
