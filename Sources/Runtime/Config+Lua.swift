import Foundation
import Scripting

extension LuaRuntime {
    /// Runs config.lua in this sandbox and returns the table it builds: the globals it sets, or the table it
    /// returns. The script may call `env(NAME [, DEFAULT])`, which returns an environment variable, or the
    /// default, and raises naming the variable when it is unset and there is no default.
    func loadConfiguration(path: String) throws -> LuaValue {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, message: "cannot read the configuration file")
        }
        guard let source = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, message: "the configuration file is not valid UTF-8")
        }
        _ = try run(source: Self.configurationLoader, name: "(config loader)")
        var environment: [LuaKey: LuaValue] = [:]
        for (name, value) in ProcessInfo.processInfo.environment { environment[.string(name)] = .string(value) }
        let results = try call("rollbook_load_config", [.string(source), .string(path), .map(environment)])
        return results.first ?? .nil
    }

    /// Lua that runs a config chunk with its own global table, so that its assignments can be collected.
    private static let configurationLoader = """
        function rollbook_load_config(source, name, environment)
            local helpers = {
                env = function(variable, default)
                    if type(variable) ~= "string" then
                        error("env() takes the name of an environment variable", 2)
                    end
                    local value = environment[variable]
                    if value == nil then
                        if default ~= nil then return default end
                        error("environment variable '" .. variable .. "' is not set; set it, or give env() "
                            .. "a default as its second argument", 2)
                    end
                    return value
                end,
            }
            local settings = {}
            local scope = setmetatable({}, {
                __index = function(_, key)
                    if helpers[key] ~= nil then return helpers[key] end
                    if settings[key] ~= nil then return settings[key] end
                    return _G[key]
                end,
                __newindex = function(_, key, value) settings[key] = value end,
            })
            local chunk, problem = load(source, "@" .. name, "t", scope)
            if not chunk then error(problem, 0) end
            local returned = chunk()
            if type(returned) == "table" then return returned end
            return settings
        end
        """
}
