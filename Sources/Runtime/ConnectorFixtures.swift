import Foundation
import Scripting

/// The layout of a connector's fixtures folder, as `connector run` reads and records it.
///
/// A folder of files (CSV exports) is handed to the connector as its `path` setting. A recorded folder contains
/// `http/0001.json`, ... (the HTTP exchanges of one live run) and `ldap/0001.json`, ... (its LDAP searches), and
/// is replayed with no network.
/// Either kind may contain a `settings.lua` with the connector's settings for that folder.
enum ConnectorFixtures {
    static let httpFolder = "http"
    static let ldapFolder = "ldap"
    static let settingsFile = "settings.lua"
    /// The value that replaces a secret setting in a recorded `settings.lua`.
    static let secretPlaceholder = "recorded-secret"

    /// The recorders or replay sources of one `connector run`.
    struct Hooks {
        var http: any HTTPExchangeHook
        var ldap: any LDAPSearchHook
    }

    /// Returns true when `folder` is a recording: it has an `http` or `ldap` folder.
    static func isRecorded(_ folder: String) -> Bool {
        [httpFolder, ldapFolder].contains { name in
            var isDirectory: ObjCBool = false
            let path = (folder as NSString).appendingPathComponent(name)
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }

    /// Returns recorders that write into `folder/http` and `folder/ldap`; throws when either has recordings.
    static func recorders(into folder: String) throws -> Hooks {
        Hooks(
            http: try HTTPRecorder(folder: (folder as NSString).appendingPathComponent(httpFolder)),
            ldap: try LDAPRecorder(folder: (folder as NSString).appendingPathComponent(ldapFolder)))
    }

    /// Returns replay sources for a recorded folder, or for a folder of HTTP exchanges recorded directly in it.
    ///
    /// Both hooks are always set, so a run that replays never reaches the network or a directory: a request with
    /// no recording fails.
    static func replays(from folder: String) throws -> Hooks {
        guard isRecorded(folder) else {
            return Hooks(
                http: try HTTPReplay(folder: folder),
                ldap: try LDAPReplay(folder: (folder as NSString).appendingPathComponent(ldapFolder)))
        }
        return Hooks(
            http: try HTTPReplay(
                folder: (folder as NSString).appendingPathComponent(httpFolder), requireRecordings: false),
            ldap: try LDAPReplay(folder: (folder as NSString).appendingPathComponent(ldapFolder)))
    }

    /// Returns the folder's `settings.lua` path when the folder is a directory that has one.
    static func settingsPath(in folder: String) -> String? {
        let path = (folder as NSString).appendingPathComponent(settingsFile)
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// Throws when `folder` has a `settings.lua`, which a recording would replace.
    static func ensureNoSettings(in folder: String) throws {
        let path = (folder as NSString).appendingPathComponent(settingsFile)
        guard !FileManager.default.fileExists(atPath: path) else {
            throw ConfigError(
                file: path,
                message: "the recording folder already contains settings.lua; choose an empty folder, or delete that "
                    + "settings.lua first")
        }
    }

    /// Writes the settings of a recorded run to `folder/settings.lua`, each secret replaced by the placeholder.
    ///
    /// Secrets that the run took from the environment are written too, so the replay passes settings checks.
    /// Throws when the file exists, so a recording never replaces settings someone wrote by hand.
    static func writeSettings(_ settings: [String: LuaValue], secrets: [String], to folder: String) throws {
        try ensureNoSettings(in: folder)
        let path = (folder as NSString).appendingPathComponent(settingsFile)
        var recorded = settings
        for name in secrets { recorded[name] = .string(secretPlaceholder) }
        recorded["path"] = nil
        var lines = [
            "-- Settings of the recorded run; secrets are replaced by \"\(secretPlaceholder)\", as a replay sends none.",
            "return {",
        ]
        for name in recorded.keys.sorted() {
            guard let value = recorded[name] else { continue }
            lines.append("    \(LuaLiteral.key(name)) = \(LuaLiteral.value(value, indent: 1)),")
        }
        lines.append("}")
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw ConfigError(
                file: path, message: "writing the recorded settings failed: \(error.localizedDescription)")
        }
    }
}

/// Lua source text for settings values: strings, numbers, booleans and nested tables.
enum LuaLiteral {
    private static let keywords: Set<String> = [
        "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in", "local",
        "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
    ]

    /// Returns `name` as a table key: bare when it is a Lua name, else `["..."]`.
    static func key(_ name: String) -> String {
        let isName =
            name.first.map { $0 == "_" || ($0.isASCII && $0.isLetter) } == true
            && name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
        return isName && !keywords.contains(name) ? name : "[\(string(Array(name.utf8)))]"
    }

    /// Returns a Lua expression for `value`; tables span lines indented by four spaces per `indent`.
    static func value(_ value: LuaValue, indent: Int) -> String {
        let inner = String(repeating: "    ", count: indent + 1)
        let outer = String(repeating: "    ", count: indent)
        switch value {
        case .nil, .null: return "nil"
        case .boolean(let flag): return flag ? "true" : "false"
        case .integer(let number): return String(number)
        case .number(let number):
            return number.isFinite ? "\(number)" : (number.isNaN ? "0/0" : (number > 0 ? "1/0" : "-1/0"))
        case .string(let text): return string(Array(text.utf8))
        case .bytes(let bytes): return string(bytes)
        case .array(let items):
            guard !items.isEmpty else { return "{}" }
            let body = items.map { inner + Self.value($0, indent: indent + 1) + "," }
            return "{\n" + body.joined(separator: "\n") + "\n" + outer + "}"
        case .map(let entries):
            guard !entries.isEmpty else { return "{}" }
            let body = entries.sorted { $0.key.value.debugText < $1.key.value.debugText }.map { entry in
                let key: String
                switch entry.key {
                case .string(let name): key = Self.key(name)
                default: key = "[\(Self.value(entry.key.value, indent: 0))]"
                }
                return inner + key + " = " + Self.value(entry.value, indent: indent + 1) + ","
            }
            return "{\n" + body.joined(separator: "\n") + "\n" + outer + "}"
        }
    }

    /// Returns a double-quoted Lua string; quotes, backslashes and control bytes are escaped, and so are bytes
    /// above 0x7F unless the whole string is UTF-8.
    static func string(_ bytes: [UInt8]) -> String {
        let keepsUTF8 = String(validating: bytes, as: UTF8.self) != nil
        var text = "\""
        var raw: [UInt8] = []
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): raw += Array("\\\"".utf8)
            case UInt8(ascii: "\\"): raw += Array("\\\\".utf8)
            case UInt8(ascii: "\n"): raw += Array("\\n".utf8)
            case 0x20..<0x7F: raw.append(byte)
            case 0x80... where keepsUTF8: raw.append(byte)
            default: raw += Array(String(format: "\\%03d", byte).utf8)
            }
        }
        text += String(decoding: raw, as: UTF8.self)
        return text + "\""
    }
}
