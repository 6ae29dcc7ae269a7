import CLua
import OneRoster

/// The part of the roster a mapping's `share` table lets an application see: its orgs, user roles, academic sessions,
/// the optional entities it opts into, and per entity the optional fields it may read.
///
/// Predicates (`orgs.where`, `courses`, `classes`, `users`, `enrollments`) stay in Lua; everything else is
/// plain data that the host applies natively.
public struct SharePolicy: Sendable {
    /// A `share` key that may hold a Lua predicate.
    public enum Predicate: String, Sendable, CaseIterable {
        case orgs
        case courses
        case classes
        case users
        case enrollments
    }

    /// The org types shared, such as `school`; nil shares every type.
    public var orgTypes: Set<String>?
    /// The org sourcedIds shared; nil shares every org.
    public var orgIds: Set<String>?
    /// The user roles shared, such as `student` and `teacher`; nil shares every role.
    public var roles: Set<String>?
    /// Whether only academic sessions current today (and the classes in them) are shared.
    public var currentSessionsOnly = false
    /// Whether users are shared only when they have a shared enrollment.
    public var onlyEnrolledUsers = false
    /// Whether demographics of shared users are shared; off unless the mapping sets it.
    public var demographics = false
    /// Whether user profiles (which can carry credentials) are shared; off unless the mapping sets it.
    public var userProfiles = false
    /// Per entity, the indexes in `Schema.columns(of:)` of the optional columns the app may read. An entity
    /// without a list keeps all its columns. Required columns are always kept, because the records would not
    /// be valid without them; a mapping hides those with `mask` instead.
    public var fields: [Entity: Set<Int>] = [:]

    public init() {}

    /// Returns whether a column of an entity is disclosed under the field allow-list.
    public func allows(column: Int, of entity: Entity) -> Bool {
        guard let allowed = fields[entity] else { return true }
        return allowed.contains(column) || Schema.columns(of: entity)[column].requirement != .optional
    }

    static let keys = [
        "orgs", "roles", "sessions", "courses", "classes", "users", "enrollments", "only_enrolled", "demographics",
        "user_profiles", "fields",
    ]

    /// Reads the `share` table at `index`, keeping references to its predicates in the registry.
    ///
    /// Stack: unchanged.
    static func read(at index: Int32, runtime: LuaRuntime, path: String) throws -> (SharePolicy, [Predicate: Int32]) {
        let state = runtime.state
        var policy = SharePolicy()
        var predicates: [Predicate: Int32] = [:]
        func fail(_ message: String) -> ScriptError { ScriptError.contract(script: path, message: "share." + message) }

        var names: [String] = []
        lua_pushnil(state)
        while lua_next(state, index) != 0 {
            rb_lua_pop(state, 1)
            guard lua_type(state, -1) == LUA_TSTRING, let name = runtime.rawString(at: -1), keys.contains(name) else {
                let shown = runtime.displayText(at: -1)
                rb_lua_pop(state, 1)
                throw ScriptError.contract(
                    script: path,
                    message: "unknown key '\(shown)' in 'share'; expected one of \(keys.joined(separator: ", "))")
            }
            names.append(name)
        }

        for name in names {
            let type = runtime.withHostAllocation { Connector.rawField(name, of: index, in: runtime) }
            if type == LUA_TFUNCTION, let predicate = Predicate(rawValue: name) {
                predicates[predicate] = luaL_ref(state, rb_lua_registryindex())
                continue
            }
            defer { rb_lua_pop(state, 1) }
            if name == "orgs", type == LUA_TTABLE {
                predicates[.orgs] = try policy.readOrgs(at: lua_gettop(state), runtime: runtime, fail: fail)
                continue
            }
            let value = try runtime.value(at: -1, context: "share.\(name)")
            try policy.apply(name, value, fail: fail)
        }
        return (policy, predicates)
    }

    /// Reads `share.orgs = { types = ..., ids = ..., where = function }` and returns the reference of `where`.
    ///
    /// Stack: unchanged.
    private mutating func readOrgs(at index: Int32, runtime: LuaRuntime, fail: (String) -> ScriptError) throws
        -> Int32?
    {
        let state = runtime.state
        lua_pushnil(state)
        while lua_next(state, index) != 0 {
            rb_lua_pop(state, 1)
            let key = lua_type(state, -1) == LUA_TSTRING ? runtime.rawString(at: -1) ?? "" : ""
            guard ["types", "ids", "where"].contains(key) else {
                let shown = runtime.displayText(at: -1)
                rb_lua_pop(state, 1)
                throw fail("orgs takes the keys types, ids and where; got '\(shown)'")
            }
        }
        for key in ["types", "ids"] {
            let type = runtime.withHostAllocation { Connector.rawField(key, of: index, in: runtime) }
            defer { rb_lua_pop(state, 1) }
            if type == LUA_TNIL { continue }
            let names = Set(try Self.strings(try runtime.value(at: -1, context: key), name: "orgs.\(key)", fail: fail))
            if key == "types" { orgTypes = names } else { orgIds = names }
        }
        let whereType = runtime.withHostAllocation { Connector.rawField("where", of: index, in: runtime) }
        if whereType == LUA_TFUNCTION { return luaL_ref(state, rb_lua_registryindex()) }
        rb_lua_pop(state, 1)
        if whereType != LUA_TNIL { throw fail("orgs.where must be a function that takes an org") }
        return nil
    }

    private mutating func apply(_ name: String, _ value: LuaValue, fail: (String) -> ScriptError) throws {
        switch name {
        case "orgs":
            throw fail("orgs must be a table such as { types = { \"school\" } } or a function")
        case "roles":
            roles = Set(try Self.strings(value, name: "roles", fail: fail))
        case "sessions":
            switch value.stringValue {
            case "all": currentSessionsOnly = false
            case "current": currentSessionsOnly = true
            default: throw fail("sessions must be \"all\" or \"current\"; got '\(value.debugText)'")
            }
        case "only_enrolled", "demographics", "user_profiles":
            guard case .boolean(let flag) = value else {
                throw fail("\(name) must be true or false; got '\(value.debugText)'")
            }
            switch name {
            case "only_enrolled": onlyEnrolledUsers = flag
            case "demographics": demographics = flag
            default: userProfiles = flag
            }
        case "fields":
            try readFields(value, fail: fail)
        default:
            throw fail("\(name) must be a function; got \(value.typeName)")
        }
    }

    private mutating func readFields(_ value: LuaValue, fail: (String) -> ScriptError) throws {
        guard case .map(let entries) = value else {
            throw fail("fields must map entity names to lists of field names, such as { users = { \"email\" } }")
        }
        for (key, list) in entries {
            guard case .string(let entityName) = key, let entity = Entity(rawValue: entityName) else {
                let known = Entity.allCases.map(\.rawValue).joined(separator: ", ")
                throw fail("fields: unknown entity '\(key.value.debugText)'; expected one of \(known)")
            }
            var indexes: Set<Int> = []
            for field in try Self.strings(list, name: "fields.\(entityName)", fail: fail) {
                guard let index = Schema.index(of: field, in: entity) else {
                    let known = Schema.columns(of: entity).map(\.name).joined(separator: ", ")
                    throw fail("fields.\(entityName): unknown field '\(field)'; expected one of \(known)")
                }
                indexes.insert(index)
            }
            fields[entity] = indexes
        }
    }

    private static func strings(_ value: LuaValue, name: String, fail: (String) -> ScriptError) throws -> [String] {
        switch value {
        case .array(let items):
            return try items.map { item in
                guard let text = item.stringValue else { throw fail("\(name) must list strings; got \(item.typeName)") }
                return text
            }
        case .map(let entries) where entries.isEmpty:
            return []
        case .string(let text):
            return [text]
        default:
            throw fail("\(name) must be a list of strings; got \(value.typeName)")
        }
    }
}
