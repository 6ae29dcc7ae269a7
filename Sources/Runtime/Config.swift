import Foundation
import OneRoster
import Scripting

/// One district: its tenant id, its SIS connector and that connector's settings.
public struct DistrictConfig: Sendable {
    public var id: String
    public var name: String
    public var connector: String
    public var settings: [String: LuaValue]
    /// Non-standard grade codes converted while reading, such as `K` to `KG`.
    public var gradeMap: [String: String]
    /// When a run is held for a person to approve instead of being published.
    public var safety: SafetyPolicy = .standard
    /// When the service syncs the district, or nil when only a `rollbook sync` command does.
    public var schedule: SyncSchedule? = nil
    /// The identity providers the district's people sign in with, for single sign-on.
    public var identity: [IdentityProviderConfig] = []
    /// The settings file of a `connector run`, named by settings errors in place of the configuration file.
    public var settingsSource: String? = nil
}

/// The whole configuration, read from config.lua.
public struct Config: Sendable {
    /// The config file, absolute; relative paths in it are resolved from its folder.
    public var path: String
    public var storePath: String
    public var connectorsDirectory: String
    public var districts: [DistrictConfig]
    /// A folder where each sync writes its run's report as `<district>-run-<N>.html` and `.json`, or nil.
    public var reportsDirectory: String? = nil
    /// The applications districts share with, in config order.
    public var apps: [AppConfig] = []
    /// The `server` settings of `rollbook serve`: listen address, threads, limits and admin accounts.
    public var server = ServerConfig()

    /// The folder of the config file.
    public var directory: String { (path as NSString).deletingLastPathComponent }

    /// Resolves a path written in the config against the config's folder.
    public func resolve(_ path: String) -> String {
        Config.resolve(path, from: directory)
    }

    static func resolve(_ path: String, from directory: String) -> String {
        if path.hasPrefix("/") { return path }
        return ((directory as NSString).appendingPathComponent(path) as NSString).standardizingPath
    }
}

/// A configuration that cannot be used, naming the key at fault.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let message: String

    public var description: String { file.isEmpty ? message : "\(file): \(message)" }
}

extension Config {
    static let topLevelKeys = ["store", "connectors_dir", "districts", "safety", "reports_dir", "apps", "server"]
    static let districtKeys = [
        "id", "name", "connector", "settings", "grade_map", "safety", "schedule", "timezone", "identity",
    ]

    /// Reads config.lua: a Lua script that sets globals (or returns a table) in a sandbox.
    ///
    /// The script may call `env(NAME)` to read an environment variable and `read_file(PATH)` to read a
    /// secret from a file, so that secrets never sit in the file itself.
    public static func load(path: String) throws -> Config {
        let absolute = resolve(path, from: FileManager.default.currentDirectoryPath)
        guard FileManager.default.fileExists(atPath: absolute) else {
            throw ConfigError(
                file: path, message: "no such configuration file; create it, or name another with --config FILE")
        }
        guard FileManager.default.isReadableFile(atPath: absolute) else {
            throw ConfigError(file: path, message: "the configuration file is not readable by this user")
        }
        let runtime = try LuaRuntime(configuration: LuaRuntime.Configuration(allowedRoots: []))
        let table: LuaValue
        do {
            table = try runtime.loadConfiguration(path: absolute)
        } catch let error as ConfigError {
            throw error
        } catch let error as ScriptError {
            // The loader passes the config's own errors on with their file and line, as Lua wrote them.
            throw ConfigError(file: "", message: error.message)
        } catch {
            throw ConfigError(file: path, message: "\(error)")
        }
        return try parse(table, path: absolute)
    }

    static func parse(_ table: LuaValue, path: String) throws -> Config {
        let fail = { (message: String) in ConfigError(file: path, message: message) }
        guard case .map(let entries) = table else { throw fail("the file must set globals or return a table") }
        for key in entries.keys {
            guard case .string(let name) = key, topLevelKeys.contains(name) else {
                throw fail("unknown key \(describe(key))\(suggestion(for: key, among: topLevelKeys))")
            }
        }
        let directory = (path as NSString).deletingLastPathComponent
        guard let store = table["store"]?.stringValue, !store.isEmpty else {
            throw fail("missing required key 'store' (path of the SQLite file, such as \"var/rollbook.sqlite\")")
        }
        let connectors = table["connectors_dir"]?.stringValue ?? "connectors"

        var districts: [DistrictConfig] = []
        let list: [LuaValue]
        switch table["districts"] {
        case .array(let items)?: list = items
        case nil, .map([:])?: list = []
        default: throw fail("'districts' must be a list of district tables")
        }
        let safety = try SafetyPolicy.parse(table["safety"], over: .standard) { message in fail(message) }
        for (position, item) in list.enumerated() {
            districts.append(try parseDistrict(item, position: position + 1, path: path, safety: safety))
        }
        var seen: Set<String> = []
        for district in districts where !seen.insert(district.id).inserted {
            throw fail("district id '\(district.id)' is used twice; ids must be unique")
        }
        var reports: String?
        if let value = table["reports_dir"] {
            guard let folder = value.stringValue, !folder.isEmpty else {
                throw fail("'reports_dir' must be the path of a folder, such as \"var/reports\"")
            }
            reports = resolve(folder, from: directory)
        }
        var config = Config(
            path: path, storePath: resolve(store, from: directory),
            connectorsDirectory: resolve(connectors, from: directory),
            districts: districts, reportsDirectory: reports)
        config.apps = try parseApps(table["apps"], districts: districts, path: path)
        config.server = try parseServer(table["server"], path: path)
        // A destination that cannot work is a configuration error now, not a failed delivery after the next sync.
        for app in config.apps {
            for export in app.exports where export.kind == .csv {
                do {
                    _ = try Delivery.parse(export.destination, config: config)
                } catch {
                    throw fail("app '\(app.id)', export '\(export.name)': \(error)")
                }
            }
        }
        return config
    }

    private static func parseDistrict(
        _ item: LuaValue, position: Int, path: String, safety: SafetyPolicy
    ) throws -> DistrictConfig {
        let place = "districts[\(position)]"
        let fail = { (message: String) in ConfigError(file: path, message: "\(place): \(message)") }
        guard case .map(let entries) = item else { throw fail("must be a table") }
        for key in entries.keys {
            guard case .string(let name) = key, districtKeys.contains(name) else {
                throw fail("unknown key \(describe(key))\(suggestion(for: key, among: districtKeys))")
            }
        }
        guard let id = item["id"]?.stringValue, !id.isEmpty else { throw fail("missing required key 'id'") }
        guard id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
            throw fail("id '\(id)' may use only letters, digits, '-', '_' and '.'")
        }
        guard let connector = item["connector"]?.stringValue, !connector.isEmpty else {
            throw fail("missing required key 'connector' (a script name in connectors/sis, such as \"oneroster_csv\")")
        }
        let settings = try parseSettings(item["settings"], fail: fail)
        let gradeMap = try parseGradeMap(item["grade_map"], fail: fail)
        return DistrictConfig(
            id: id, name: item["name"]?.stringValue ?? id, connector: connector, settings: settings, gradeMap: gradeMap,
            safety: try SafetyPolicy.parse(item["safety"], over: safety, fail: fail),
            schedule: try parseSchedule(item, fail: fail),
            identity: try parseIdentity(
                item["identity"], district: id, directory: (path as NSString).deletingLastPathComponent, fail: fail))
    }

    /// Reads `schedule` (such as "daily 02:30") in the district's `timezone` (an IANA name; UTC without one).
    private static func parseSchedule(_ item: LuaValue, fail: (String) -> ConfigError) throws -> SyncSchedule? {
        var zone = TimeZone.gmt
        if let value = item["timezone"] {
            guard let name = value.stringValue, let named = TimeZone(identifier: name) else {
                throw fail("'timezone' must be an IANA time zone name, such as \"America/Chicago\"")
            }
            zone = named
        }
        guard let value = item["schedule"] else { return nil }
        guard let text = value.stringValue else {
            throw fail("'schedule' must be a string, such as \"daily 02:30\"")
        }
        do {
            return try SyncSchedule(parsing: text, timeZone: zone)
        } catch {
            throw fail("\(error)")
        }
    }

    private static func parseSettings(_ value: LuaValue?, fail: (String) -> ConfigError) throws -> [String: LuaValue] {
        var settings: [String: LuaValue] = [:]
        switch value {
        case nil:
            break
        case .map(let values)?:
            for (key, value) in values {
                guard case .string(let name) = key else { throw fail("settings keys must be strings") }
                settings[name] = value
            }
        default:
            throw fail("'settings' must be a table")
        }
        return settings
    }

    private static func parseGradeMap(_ value: LuaValue?, fail: (String) -> ConfigError) throws -> [String: String] {
        var gradeMap: [String: String] = [:]
        switch value {
        case nil, .map([:])?:
            break
        case .map(let values)?:
            for (key, value) in values {
                guard case .string(let from) = key, let to = value.stringValue else {
                    throw fail("grade_map must map grade codes to grade codes, such as { K = \"KG\" }")
                }
                gradeMap[from] = to
            }
        default:
            throw fail("'grade_map' must be a table")
        }
        return gradeMap
    }

    static func describe(_ key: LuaKey) -> String {
        if case .string(let name) = key { return "'\(name)'" }
        return "\(key.value)"
    }

    static func suggestion(for key: LuaKey, among names: [String]) -> String {
        guard case .string(let name) = key else { return "" }
        let close = names.min { editDistance($0, name) < editDistance($1, name) }
        if let close, editDistance(close, name) <= 2 { return "; did you mean '\(close)'?" }
        return "; expected one of " + names.joined(separator: ", ")
    }
}
