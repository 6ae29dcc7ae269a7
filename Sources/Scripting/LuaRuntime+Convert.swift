import CLua

/// Maximum nesting of tables converted between Lua and Swift.
let maximumTableDepth = 100

extension LuaRuntime {
    /// Copies the Lua value at `index` into Swift.
    ///
    /// Stack: leaves it as found, also when it throws.
    func value(at index: Int32) throws(ConversionError) -> LuaValue {
        let absolute = lua_absindex(state, index)
        let top = lua_gettop(state)
        defer { lua_settop(state, top) }
        conversionPath.removeAll(keepingCapacity: true)
        return try convert(at: absolute, depth: 0)
    }

    /// Copies the Lua value at `index`, reporting a failure as a runtime error of the current script.
    func value(at index: Int32, context: String) throws -> LuaValue {
        do {
            return try value(at: index)
        } catch {
            throw ScriptError.contract(script: currentScript, message: "\(context): \(error)")
        }
    }

    /// Stack: pushes nothing on return; may leave key/value pairs behind when it throws.
    private func convert(at index: Int32, depth: Int) throws(ConversionError) -> LuaValue {
        switch lua_type(state, index) {
        case LUA_TNIL:
            return .nil
        case LUA_TBOOLEAN:
            return .boolean(lua_toboolean(state, index) != 0)
        case LUA_TNUMBER:
            if lua_isinteger(state, index) != 0 {
                return .integer(lua_tointegerx(state, index, nil))
            }
            return .number(lua_tonumberx(state, index, nil))
        case LUA_TSTRING:
            return stringOrBytes(at: index)
        case LUA_TTABLE:
            return try table(at: index, depth: depth)
        case LUA_TUSERDATA where lua_touserdata(state, index) == nullSentinel:
            return .null
        default:
            let name = String(cString: rb_lua_typename(state, index))
            throw ConversionError(problem: "a \(name) value cannot be converted")
        }
    }

    /// Stack: unchanged.
    private func stringOrBytes(at index: Int32) -> LuaValue {
        var length = 0
        guard let pointer = lua_tolstring(state, index, &length) else { return .nil }
        let bytes = UnsafeRawBufferPointer(start: pointer, count: length).bindMemory(to: UInt8.self)
        // ASCII needs no validation, and String(decoding:) on a byte buffer is the specialized fast
        // path; String(validating:) is generic and showed up as a hot spot in the emit benchmark.
        if bytes.allSatisfy({ $0 < 0x80 }) {
            return .string(String(decoding: bytes, as: UTF8.self))
        }
        if let text = String(validating: bytes, as: UTF8.self) {
            return .string(text)
        }
        return .bytes(Array(bytes))
    }

    /// Stack: unchanged on return.
    private func key(at index: Int32) throws(ConversionError) -> LuaKey {
        switch lua_type(state, index) {
        case LUA_TSTRING:
            switch stringOrBytes(at: index) {
            case .string(let text): return .string(text)
            case .bytes(let bytes): return .bytes(bytes)
            default: return .string("")
            }
        case LUA_TNUMBER:
            if lua_isinteger(state, index) != 0 {
                return .integer(lua_tointegerx(state, index, nil))
            }
            return .number(lua_tonumberx(state, index, nil))
        case LUA_TBOOLEAN:
            return .boolean(lua_toboolean(state, index) != 0)
        default:
            let name = String(cString: rb_lua_typename(state, index))
            throw ConversionError(problem: "a table key of type \(name) cannot be converted")
        }
    }

    /// Stack: unchanged on return.
    private func table(at index: Int32, depth: Int) throws(ConversionError) -> LuaValue {
        guard depth < maximumTableDepth else {
            throw ConversionError(problem: "tables are nested more than \(maximumTableDepth) levels deep")
        }
        guard let identity = lua_topointer(state, index) else {
            throw ConversionError(problem: "a table could not be read")
        }
        if conversionPath.contains(identity) {
            throw ConversionError(problem: "a table contains itself (a cycle)")
        }
        guard lua_checkstack(state, 4) != 0 else {
            throw ConversionError(problem: "the Lua stack cannot grow")
        }
        conversionPath.append(identity)
        defer { conversionPath.removeLast() }

        var items: [LuaValue] = []
        var entries: [LuaKey: LuaValue] = [:]
        var isSequence = true
        lua_pushnil(state)
        while lua_next(state, index) != 0 {
            let valueIndex = lua_gettop(state)
            let keyIndex = valueIndex - 1
            if isSequence, lua_isinteger(state, keyIndex) != 0,
                lua_tointegerx(state, keyIndex, nil) == Int64(items.count + 1)
            {
                do {
                    items.append(try convert(at: valueIndex, depth: depth + 1))
                } catch {
                    throw error.inside("[\(items.count + 1)]")
                }
            } else {
                if isSequence {
                    isSequence = false
                    entries.reserveCapacity(max(items.count + 4, 8))
                    for (offset, item) in items.enumerated() {
                        entries[.integer(Int64(offset + 1))] = item
                    }
                    items = []
                }
                let key = try key(at: keyIndex)
                do {
                    entries[key] = try convert(at: valueIndex, depth: depth + 1)
                } catch {
                    throw error.inside(label(key))
                }
            }
            rb_lua_pop(state, 1)
        }
        if isSequence {
            return items.isEmpty ? .map([:]) : .array(items)
        }
        return sequence(from: entries) ?? .map(entries)
    }

    /// Returns the entries as an array when their keys are exactly the integers 1...n in any order.
    private func sequence(from entries: [LuaKey: LuaValue]) -> LuaValue? {
        var items = [LuaValue](repeating: .nil, count: entries.count)
        for (key, value) in entries {
            guard case .integer(let position) = key, position >= 1, position <= Int64(entries.count) else {
                return nil
            }
            items[Int(position - 1)] = value
        }
        return .array(items)
    }

    private func label(_ key: LuaKey) -> String {
        switch key {
        case .string(let text): return text
        case .integer(let number): return "[\(number)]"
        case .number(let number): return "[\(number)]"
        case .boolean(let flag): return "[\(flag)]"
        case .bytes: return "[(bytes)]"
        }
    }

    /// Pushes a Swift value onto the Lua stack as a new Lua value.
    ///
    /// Stack: pushes exactly one value.
    func push(_ value: LuaValue) {
        _ = lua_checkstack(state, 4)
        switch value {
        case .nil:
            lua_pushnil(state)
        case .null:
            pushNull()
        case .boolean(let flag):
            lua_pushboolean(state, flag ? 1 : 0)
        case .integer(let number):
            lua_pushinteger(state, number)
        case .number(let number):
            lua_pushnumber(state, number)
        case .string(let text):
            pushString(text)
        case .bytes(let bytes):
            bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { chars in
                    _ = lua_pushlstring(state, chars.baseAddress, chars.count)
                }
            }
        case .array(let items):
            lua_createtable(state, Int32(clamping: items.count), 0)
            for (offset, item) in items.enumerated() {
                push(item)
                lua_rawseti(state, -2, Int64(offset + 1))
            }
        case .map(let entries):
            lua_createtable(state, 0, Int32(clamping: entries.count))
            for (key, item) in entries {
                // Lua rejects a NaN key with an error, so such an entry cannot exist in a table.
                if case .number(let number) = key, number.isNaN { continue }
                push(key.value)
                push(item)
                lua_rawset(state, -3)
            }
        }
    }

    /// Stack: pushes one string.
    func pushString(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                _ = lua_pushlstring(state, chars.baseAddress, chars.count)
            }
        }
    }

    /// Stack: pushes `rollbook.json.null`.
    func pushNull() {
        lua_getfield(state, rb_lua_registryindex(), "rollbook.json.null")
    }
}

extension ConversionError {
    /// Returns the same error with `component` prepended to its path.
    func inside(_ component: String) -> ConversionError {
        var copy = self
        copy.path.insert(component, at: 0)
        return copy
    }
}
