import CLua

/// The registry of the `rollbook` host API that scripts call, and the source of its reference.
public enum HostAPI {
    /// The value of `rollbook.api_version`; it grows when a function changes incompatibly.
    public static let version = 1

    /// Every host function, in reference order. The position is the function's id in Lua.
    static let functions: [HostFunction] =
        csvFunctions + csvHeaderFunctions + zipFunctions + onerosterFunctions + jsonFunctions + httpFunctions
        + logFunctions
        + secretsFunctions + ldapFunctions
        + timeFunctions + libraryFunctions + cryptoFunctions + contextFunctions + reportFunctions + hiddenFunctions

    private static let indexByName: [String: Int] = {
        var index: [String: Int] = [:]
        for (position, function) in functions.enumerated() {
            index[function.qualifiedName] = position
        }
        return index
    }()

    /// Generates the Markdown reference of the host API from the registry.
    public static func referenceMarkdown() -> String {
        var lines = ["# Connector host API (version \(version))", ""]
        lines.append("Scripts reach the host through the global table `rollbook` and the `ctx` table that")
        lines.append("`check(ctx)` and `sync(ctx)` receive. `rollbook.api_version` is \(version).")
        lines.append("Caller mistakes, such as an argument of the wrong type, raise a Lua error; runtime")
        lines.append("failures, such as an unreachable server or a missing file, return `nil, message`.")
        var currentSection = ""
        for function in functions where function.scope != .hidden {
            let section = sectionName(of: function)
            if section != currentSection {
                currentSection = section
                lines.append(contentsOf: ["", "## `\(section)`", ""])
            }
            lines.append("- `\(function.signature)`: \(function.summary)")
        }
        lines.append(contentsOf: ["", "## Values", ""])
        lines.append("- `rollbook.json.null`: the JSON `null` value, kept where `nil` would drop a key.")
        lines.append("- `ctx.settings`: the validated settings with defaults filled in; secrets are not in it.")
        lines.append(
            "- `ctx.state`: a table kept between runs, such as a cursor for incremental fetches. What `sync` "
                + "leaves in it is saved only when the run's snapshot is published (or its held run approved); a "
                + "failed, discarded, expired or superseded run leaves the saved state as it was.")
        lines.append("- `ctx.log`: the same functions as `rollbook.log`.")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func sectionName(of function: HostFunction) -> String {
        let namespace = function.name.split(separator: ".").dropLast().joined(separator: ".")
        switch function.scope {
        case .rollbook: return namespace.isEmpty ? "rollbook" : "rollbook.\(namespace)"
        case .context: return "ctx"
        case .hidden: return ""
        }
    }

    /// Creates the `rollbook` global, the `json.null` sentinel and `print` in a new state.
    ///
    /// Stack: leaves it as found.
    static func install(in runtime: LuaRuntime) throws {
        let state = runtime.state
        runtime.withHostAllocation {
            let top = lua_gettop(state)
            defer { lua_settop(state, top) }
            installNull(in: runtime)

            lua_createtable(state, 0, 8)
            lua_pushinteger(state, Int64(version))
            lua_setfield(state, -2, "api_version")
            for (position, function) in functions.enumerated() where function.scope == .rollbook {
                let parts = function.name.split(separator: ".").map(String.init)
                lua_pushvalue(state, -1)
                for part in parts.dropLast() {
                    if lua_getfield(state, -1, part) != LUA_TTABLE {
                        rb_lua_pop(state, 1)
                        lua_createtable(state, 0, 4)
                        lua_pushvalue(state, -1)
                        lua_setfield(state, -3, part)
                    }
                    rb_lua_remove(state, -2)
                }
                rb_lua_push_host_function(state, Int32(position), 0)
                lua_setfield(state, -2, parts.last ?? function.name)
                rb_lua_pop(state, 1)
            }
            lua_getfield(state, -1, "json")
            runtime.pushNull()
            lua_setfield(state, -2, "null")
            rb_lua_pop(state, 1)
            lua_pushvalue(state, -1)
            lua_setfield(state, rb_lua_registryindex(), "rollbook.api")
            lua_setglobal(state, "rollbook")

            pushFunction(named: "print", in: runtime)
            lua_setglobal(state, "print")
        }
    }

    /// Stack: unchanged.
    private static func installNull(in runtime: LuaRuntime) {
        let state = runtime.state
        runtime.nullSentinel = lua_newuserdatauv(state, 1, 0)
        lua_createtable(state, 0, 3)
        lua_pushstring(state, "rollbook.json.null")
        lua_setfield(state, -2, "__name")
        pushFunction(named: "null.__tostring", in: runtime)
        lua_setfield(state, -2, "__tostring")
        lua_pushboolean(state, 0)
        lua_setfield(state, -2, "__metatable")
        lua_setmetatable(state, -2)
        lua_setfield(state, rb_lua_registryindex(), "rollbook.json.null")
    }

    /// Pushes the host function registered under `name` (its qualified name), closing over the
    /// `extra` values on top of the stack.
    ///
    /// Stack: pops `extra` values, pushes one function.
    static func pushFunction(named name: String, in runtime: LuaRuntime, extra: Int32 = 0) {
        guard let position = indexByName[name] else {
            preconditionFailure("host function '\(name)' is not registered")
        }
        rb_lua_push_host_function(runtime.state, Int32(position), extra)
    }

    static let hiddenFunctions: [HostFunction] = [
        HostFunction(
            name: "print", scope: .hidden, signature: "print(...)",
            summary: "Writes its arguments to the log at info level.",
            body: { call in
                var parts: [String] = []
                for position in 1...max(call.count, 1) where position <= call.count {
                    parts.append(call.runtime.displayText(at: position))
                }
                call.runtime.configuration.logger.log(
                    level: .info, message: parts.joined(separator: "\t"), fields: ["script": call.runtime.currentScript]
                )
                return 0
            }),
        HostFunction(
            name: "null.__tostring", scope: .hidden, signature: "tostring(rollbook.json.null)",
            summary: "Returns 'null'.",
            body: { call in
                call.runtime.pushString("null")
                return 1
            }),
    ]
}
