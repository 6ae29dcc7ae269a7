import CLua
import OneRoster

/// A mapping function that failed on one record: the script, the line, and the record's entity and sourcedId.
///
/// `description` reads `connectors/apps/x.lua:12: user 'u-1': attempt to index a nil value`.
public struct MappingError: Error, Sendable, CustomStringConvertible {
    public let script: String
    public let line: Int?
    public let entity: Entity
    public let sourcedId: String
    public let message: String

    public init(script: String, line: Int?, entity: Entity, sourcedId: String, message: String) {
        self.script = script
        self.line = line
        self.entity = entity
        self.sourcedId = sourcedId
        self.message = message
    }

    public var description: String {
        let place = line.map { "\(script):\($0)" } ?? script
        return "\(place): \(entity.singular) '\(sourcedId)': \(message)"
    }
}

extension AppMapping {
    /// Calls a `share` predicate with the record; a missing predicate lets every record through.
    public func test(_ predicate: SharePolicy.Predicate, _ record: Record) throws(MappingError) -> Bool {
        guard let reference = predicates[predicate] else { return true }
        let state = runtime.state
        let top = lua_gettop(state)
        defer { lua_settop(state, top) }
        try call(reference, with: record)
        return lua_toboolean(state, -1) != 0
    }

    /// Calls the entity's mapping function and returns the reshaped record, or nil when the function left it out.
    /// Without a function the record comes back as it is.
    public func map(_ record: Record) throws(MappingError) -> Record? {
        guard let reference = functions[record.entity] else { return record }
        let state = runtime.state
        let top = lua_gettop(state)
        defer { lua_settop(state, top) }
        try call(reference, with: record)
        switch lua_type(state, -1) {
        case LUA_TNIL:
            return nil
        case LUA_TTABLE:
            return try readRecord(at: lua_gettop(state), like: record)
        default:
            let got = String(cString: rb_lua_typename(state, -1))
            throw failure(record, line: nil, "the function must return the record table or nil; got \(got)")
        }
    }

    /// Stack: pushes one result.
    private func call(_ reference: Int32, with record: Record) throws(MappingError) {
        let state = runtime.state
        lua_rawgeti(state, rb_lua_registryindex(), Int64(reference))
        runtime.pushRecord(record)
        runtime.currentScript = path
        do {
            try runtime.protectedCall(arguments: 1, results: 1)
        } catch let error as ScriptError {
            throw failure(record, line: error.line, error.message)
        } catch {
            throw failure(record, line: nil, "\(error)")
        }
    }

    private func failure(_ record: Record, line: Int?, _ message: String) -> MappingError {
        MappingError(script: path, line: line, entity: record.entity, sourcedId: record.sourcedId, message: message)
    }

    /// Reads the table a mapping function returned into a record of the same entity.
    ///
    /// Values may be strings, numbers, booleans or lists of strings, which are joined with commas.
    /// Stack: unchanged.
    private func readRecord(at index: Int32, like original: Record) throws(MappingError) -> Record {
        let entity = original.entity
        let value: LuaValue
        do {
            value = try runtime.value(at: index, context: "the returned \(entity.singular)")
        } catch {
            throw failure(original, line: nil, "\(error)")
        }
        guard case .map(let entries) = value else {
            throw failure(original, line: nil, "the function must return a table with field names as keys")
        }
        var values = [String?](repeating: nil, count: Schema.columns(of: entity).count)
        var extensions: [Extension] = []
        for (key, item) in entries {
            guard case .string(let name) = key else {
                throw failure(original, line: nil, "the returned record has a key that is not a field name")
            }
            if name == "metadata" {
                extensions = try readMetadata(item, of: original)
                continue
            }
            guard let column = Schema.index(of: name, in: entity) else {
                throw failure(original, line: nil, "the returned record has an unknown field '\(name)'")
            }
            values[column] = try text(of: item, field: name, record: original)
        }
        guard values[0] == original.sourcedId else {
            let shown = values[0] ?? ""
            throw failure(
                original, line: nil,
                "the function changed sourcedId to '\(shown)'; a mapping may reshape fields but not the identity")
        }
        return Record(entity: entity, values: values, extensions: extensions.sorted { $0.name < $1.name })
    }

    private func text(of value: LuaValue, field: String, record: Record) throws(MappingError) -> String? {
        switch value {
        case .string(let text): return text.isEmpty ? nil : text
        case .integer(let number): return String(number)
        case .number(let number): return String(number)
        case .boolean(let flag): return flag ? "true" : "false"
        case .array(let items):
            var parts: [String] = []
            for item in items {
                guard let part = try text(of: item, field: field, record: record) else { continue }
                parts.append(part)
            }
            return parts.isEmpty ? nil : parts.joined(separator: ",")
        case .map(let entries) where entries.isEmpty:
            return nil
        default:
            throw failure(record, line: nil, "field '\(field)' must be a string, number, boolean or list of strings")
        }
    }

    private func readMetadata(_ value: LuaValue, of record: Record) throws(MappingError) -> [Extension] {
        guard case .map(let entries) = value else {
            if case .array(let items) = value, items.isEmpty { return [] }
            throw failure(record, line: nil, "'metadata' must be a table of name = value")
        }
        var result: [Extension] = []
        for (key, item) in entries {
            guard case .string(let name) = key,
                let text = try text(of: item, field: "metadata." + "\(key.value)", record: record)
            else { continue }
            result.append(Extension(name: name, value: text))
        }
        return result
    }
}
