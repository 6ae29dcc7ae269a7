import CLua
import Foundation

/// A SIS connector script loaded into a runtime: its description, settings schema and entry points.
///
/// The script returns a table with `name`, `version`, `description` (strings), `settings` (a schema
/// table) and the functions `check(ctx)` and `sync(ctx)`.
public final class Connector {
    public let runtime: LuaRuntime
    /// The script's path, as given to `load`.
    public let path: String
    public let name: String
    public let version: String
    public let summary: String
    let schema: [SettingSpec]
    /// The settings of the schema, sorted by name.
    public var settingDescriptions: [SettingDescription] {
        schema.map(\.publicDescription).sorted { $0.name < $1.name }
    }
    /// Names of the settings the schema marks secret, sorted.
    public var secretSettingNames: [String] { schema.filter(\.secret).map(\.name).sorted() }
    /// Registry reference of the table the script returned.
    let reference: Int32
    /// The validated settings with defaults, without secrets; nil until `validateSettings` ran.
    public internal(set) var settings: [String: LuaValue]?
    var settingsProblems: [String] = []

    private init(
        runtime: LuaRuntime, path: String, name: String, version: String, summary: String, schema: [SettingSpec],
        reference: Int32
    ) {
        self.runtime = runtime
        self.path = path
        self.name = name
        self.version = version
        self.summary = summary
        self.schema = schema
        self.reference = reference
    }

    deinit {
        luaL_unref(runtime.state, rb_lua_registryindex(), reference)
    }

    /// Runs the script at `path` and reads the connector table it returns. `entryPoints` are the functions the
    /// table must have: `check` and `sync` for a SIS connector, `export` for an export script.
    public static func load(path: String, runtime: LuaRuntime, entryPoints: [String] = ["check", "sync"]) throws
        -> Connector
    {
        let state = runtime.state
        let top = lua_gettop(state)
        defer { lua_settop(state, top) }
        var bytes = try runtime.readScript(path: path)
        let scriptFolder = (path as NSString).deletingLastPathComponent
        runtime.libraryFolder = ((scriptFolder as NSString).deletingLastPathComponent as NSString)
            .appendingPathComponent("lib")
        try runtime.load(bytes: &bytes, name: path)
        try runtime.protectedCall(arguments: 0, results: 1)

        func contract(_ message: String) -> ScriptError {
            ScriptError.contract(script: path, message: message)
        }
        guard lua_type(state, -1) == LUA_TTABLE else {
            let got = String(cString: rb_lua_typename(state, -1))
            throw contract("the script must return a table describing the connector; got \(got)")
        }
        let table = lua_gettop(state)
        let name = try runtime.withHostAllocation { try stringField("name", of: table, runtime: runtime, path: path) }
        let version = try runtime.withHostAllocation {
            try stringField("version", of: table, runtime: runtime, path: path)
        }
        let summary = try runtime.withHostAllocation {
            try stringField("description", of: table, runtime: runtime, path: path)
        }
        for function in entryPoints {
            let type = runtime.withHostAllocation { rawField(function, of: table, in: runtime) }
            if type != LUA_TFUNCTION {
                let got = String(cString: lua_typename(state, type))
                throw contract("the connector table must have '\(function)' (function); got \(got)")
            }
            rb_lua_pop(state, 1)
        }
        let schema = try readSchema(of: table, runtime: runtime, path: path)
        lua_pushvalue(state, table)
        let reference = luaL_ref(state, rb_lua_registryindex())
        runtime.declaredSecrets = Set(schema.filter(\.secret).map(\.name))
        return Connector(
            runtime: runtime, path: path, name: name, version: version, summary: summary, schema: schema,
            reference: reference)
    }

    /// Pushes `table[name]` without metamethods and returns its type.
    ///
    /// Stack: pushes one value.
    static func rawField(_ name: String, of table: Int32, in runtime: LuaRuntime) -> Int32 {
        runtime.pushString(name)
        return lua_rawget(runtime.state, table)
    }

    /// Stack: unchanged.
    private static func stringField(_ name: String, of table: Int32, runtime: LuaRuntime, path: String) throws -> String
    {
        defer { rb_lua_pop(runtime.state, 1) }
        let type = rawField(name, of: table, in: runtime)
        guard type == LUA_TSTRING, let text = runtime.rawString(at: -1), !text.isEmpty else {
            let got = String(cString: lua_typename(runtime.state, type))
            throw ScriptError.contract(
                script: path, message: "the connector table must have '\(name)' (non-empty string); got \(got)")
        }
        return text
    }

    /// Stack: unchanged.
    private static func readSchema(of table: Int32, runtime: LuaRuntime, path: String) throws -> [SettingSpec] {
        let type = runtime.withHostAllocation { rawField("settings", of: table, in: runtime) }
        defer { rb_lua_pop(runtime.state, 1) }
        guard type == LUA_TTABLE else {
            let got = String(cString: lua_typename(runtime.state, type))
            throw ScriptError.contract(
                script: path, message: "the connector table must have 'settings' (table, may be empty); got \(got)")
        }
        let value = try runtime.value(at: -1, context: "settings")
        guard case .map(let entries) = value else {
            throw ScriptError.contract(
                script: path, message: "'settings' must map setting names to tables such as { type = \"string\" }")
        }
        var schema: [SettingSpec] = []
        for (key, entry) in entries {
            guard case .string(let name) = key else {
                throw ScriptError.contract(
                    script: path, message: "setting names must be strings; got '\(key.value.debugText)'")
            }
            do {
                schema.append(try SettingSpec(name: name, entry: entry))
            } catch {
                throw ScriptError.contract(script: path, message: error.description)
            }
        }
        return schema.sorted { $0.name < $1.name }
    }
}
