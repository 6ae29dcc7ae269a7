import Foundation
import OneRoster
import Scripting

/// One application a district shares its roster with: its mapping script and export adapters.
public struct AppConfig: Sendable {
    public var id: String
    public var name: String
    /// The ids of the districts that share with the app.
    public var districts: [String]
    /// The mapping script's name in connectors/apps, without `.lua`.
    public var mapping: String
    public var exports: [ExportConfig]
    /// The clients of the app's OneRoster REST API.
    public var apiClients: [APIClientConfig] = []
    /// The app's OpenID Connect relying parties.
    public var ssoClients: [SSOClientConfig] = []
}

/// One export adapter of an app: what it writes and where it delivers.
public struct ExportConfig: Sendable {
    /// The kind of file or call an export produces.
    public enum Kind: String, Sendable {
        /// A zipped OneRoster CSV package.
        case csv
        /// A Lua export script in connectors/exports.
        case lua
    }

    /// How much a CSV export sends each time.
    public enum Mode: String, Sendable {
        /// The whole view every time.
        case bulk
        /// The changes since the last successful delivery; the first delivery, and the first after the
        /// mapping changed, is bulk.
        case delta
    }

    /// The export's name, unique within its app; it names the delivery log and audit channel.
    public var name: String
    public var kind: Kind
    public var version: OneRosterVersion
    public var mode: Mode
    /// For a CSV export: the destination table as written in config.lua (`type` = folder, sftp or https).
    public var destination: [String: LuaValue]
    /// For a Lua export: the script's name in connectors/exports, without `.lua`.
    public var script: String?
    /// For a Lua export: the settings given to the script.
    public var settings: [String: LuaValue]
    /// For a CSV export: the deflate level of the zip, from 0 (stored) to 9. The default, 1, compresses a
    /// roster's CSV text about ten to one at several times the speed of level 6, which saves another 20% or so.
    public var compressionLevel: Int = 1
}

extension Config {
    static let appKeys = ["id", "name", "districts", "mapping", "exports", "api", "sso"]
    static let exportKeys = ["name", "type", "version", "mode", "destination", "script", "settings", "compression"]

    static func parseApps(_ value: LuaValue?, districts: [DistrictConfig], path: String) throws -> [AppConfig] {
        let list: [LuaValue]
        switch value {
        case .array(let items)?: list = items
        case nil, .map([:])?: list = []
        default: throw ConfigError(file: path, message: "'apps' must be a list of app tables")
        }
        var apps: [AppConfig] = []
        for (position, item) in list.enumerated() {
            let app = try parseApp(item, place: "apps[\(position + 1)]", districts: districts, path: path)
            if apps.contains(where: { $0.id == app.id }) {
                throw ConfigError(file: path, message: "app id '\(app.id)' is used twice; ids must be unique")
            }
            let taken = Set(apps.flatMap { $0.apiClients.map(\.id) })
            if let client = app.apiClients.first(where: { taken.contains($0.id) }) {
                throw ConfigError(
                    file: path, message: "API client id '\(client.id)' is used by two apps; ids must be unique")
            }
            let takenSSO = Set(apps.flatMap { $0.ssoClients.map(\.id) })
            if let client = app.ssoClients.first(where: { takenSSO.contains($0.id) }) {
                throw ConfigError(
                    file: path, message: "SSO client id '\(client.id)' is used by two apps; ids must be unique")
            }
            apps.append(app)
        }
        return apps
    }

    private static func parseApp(_ item: LuaValue, place: String, districts: [DistrictConfig], path: String) throws
        -> AppConfig
    {
        let fail = { (message: String) in ConfigError(file: path, message: "\(place): \(message)") }
        guard case .map(let entries) = item else { throw fail("must be a table") }
        for key in entries.keys {
            guard case .string(let name) = key, appKeys.contains(name) else {
                throw fail("unknown key \(describe(key))\(suggestion(for: key, among: appKeys))")
            }
        }

        guard let id = item["id"]?.stringValue, !id.isEmpty else { throw fail("missing required key 'id'") }
        guard id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
            throw fail("id '\(id)' may use only letters, digits, '-', '_' and '.'")
        }
        guard let mapping = item["mapping"]?.stringValue, !mapping.isEmpty else {
            throw fail("missing required key 'mapping' (a script name in connectors/apps, such as \"\(id)\")")
        }

        var shared: [String] = []
        switch item["districts"] {
        case .array(let names)?:
            for name in names {
                guard let district = name.stringValue else { throw fail("'districts' must list district ids") }
                guard districts.contains(where: { $0.id == district }) else {
                    let known = districts.map(\.id).joined(separator: ", ")
                    throw fail(
                        "'districts' names '\(district)', which is not a configured district; configured: \(known)")
                }
                shared.append(district)
            }
        case nil:
            throw fail("missing required key 'districts' (the ids of the districts that share with the app)")
        default:
            throw fail("'districts' must be a list of district ids, such as { \"lakeview\" }")
        }

        var exports: [ExportConfig] = []
        switch item["exports"] {
        case nil, .map([:])?:
            break
        case .array(let items)?:
            for (position, entry) in items.enumerated() {
                let export = try parseExport(entry, place: "\(place).exports[\(position + 1)]", path: path)
                if exports.contains(where: { $0.name == export.name }) {
                    throw fail("export name '\(export.name)' is used twice; names must be unique within an app")
                }
                exports.append(export)
            }
        default:
            throw fail("'exports' must be a list of export tables")
        }
        var app = AppConfig(
            id: id, name: item["name"]?.stringValue ?? id, districts: shared, mapping: mapping, exports: exports)
        app.apiClients = try parseAPIClients(item["api"], app: id, districts: shared, place: place, path: path)
        app.ssoClients = try parseSSOClients(item["sso"], app: id, place: place, path: path)
        return app
    }

    private static func parseExport(_ item: LuaValue, place: String, path: String) throws -> ExportConfig {
        let fail = { (message: String) in ConfigError(file: path, message: "\(place): \(message)") }
        guard case .map(let entries) = item else { throw fail("must be a table") }
        for key in entries.keys {
            guard case .string(let name) = key, exportKeys.contains(name) else {
                throw fail("unknown key \(describe(key))\(suggestion(for: key, among: exportKeys))")
            }
        }

        guard let name = item["name"]?.stringValue, !name.isEmpty,
            name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        else {
            throw fail("missing or invalid 'name' (letters, digits, '-' and '_', such as \"nightly\")")
        }
        guard let typeName = item["type"]?.stringValue, let kind = ExportConfig.Kind(rawValue: typeName) else {
            throw fail("'type' must be \"csv\" (a OneRoster CSV package) or \"lua\" (an export script)")
        }

        let versionText = item["version"]?.stringValue ?? "1.1"
        guard let version = OneRosterVersion(manifestValue: versionText) else {
            throw fail("'version' is '\(versionText)'; expected \"1.1\" or \"1.2\"")
        }
        let modeText = item["mode"]?.stringValue ?? "delta"
        guard let mode = ExportConfig.Mode(rawValue: modeText) else {
            throw fail("'mode' is '\(modeText)'; expected \"bulk\" or \"delta\"")
        }

        var destination: [String: LuaValue] = [:]
        var script: String?
        switch kind {
        case .csv:
            guard case .map(let values)? = item["destination"] else {
                throw fail("a csv export needs 'destination', such as { type = \"folder\", path = \"var/exports\" }")
            }
            for (key, value) in values {
                guard case .string(let field) = key else { throw fail("destination keys must be strings") }
                destination[field] = value
            }
        case .lua:
            guard let name = item["script"]?.stringValue, !name.isEmpty else {
                throw fail("a lua export needs 'script' (a script name in connectors/exports)")
            }
            script = name
        }

        var settings: [String: LuaValue] = [:]
        if case .map(let values)? = item["settings"] {
            for (key, value) in values {
                guard case .string(let field) = key else { throw fail("settings keys must be strings") }
                settings[field] = value
            }
        }

        var level = 1
        if let value = item["compression"] {
            guard let number = value.doubleValue, number >= 0, number <= 9, number.rounded() == number else {
                throw fail("'compression' must be a deflate level from 0 (none) to 9 (smallest); the default is 1")
            }
            level = Int(number)
        }
        return ExportConfig(
            name: name, kind: kind, version: version, mode: mode, destination: destination, script: script,
            settings: settings, compressionLevel: level)
    }
}
