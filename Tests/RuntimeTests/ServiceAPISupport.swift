import Foundation
import Testing

/// One API client of an app, written into config.lua.
struct APIClientSpec {
    var id: String
    var secretHash: String?
    var oauth1Secret: String?
    /// Scope names. With nil, `scopes` is left out and the client gets the default set.
    var scopes: [String]?

    var lua: String {
        var fields = ["id = \(luaQuoted(id))"]
        if let secretHash { fields.append("secret_hash = \(luaQuoted(secretHash))") }
        if let oauth1Secret { fields.append("oauth1_secret = \(luaQuoted(oauth1Secret))") }
        if let scopes { fields.append("scopes = { " + scopes.map(luaQuoted).joined(separator: ", ") + " }") }
        return "{ " + fields.joined(separator: ", ") + " }"
    }
}

/// One app of district `d` with its mapping script name and API clients.
struct APIAppSpec {
    var id: String
    var mapping: String
    var clients: [APIClientSpec]

    var lua: String {
        let clientList = clients.map(\.lua).joined(separator: ",\n            ")
        return """
            { id = \(luaQuoted(id)), districts = { "d" }, mapping = \(luaQuoted(mapping)),
                    api = { clients = {
                        \(clientList)
                    } } }
            """
    }
}

/// Returns `text` as a Lua string literal.
func luaQuoted(_ text: String) -> String {
    "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
}

/// A temporary Rollbook setup for the service API tests: one district `d` read from a OneRoster package, the
/// mapping scripts of its apps, a config.lua with a `server` table, and a store that `sync()` fills.
final class APIServiceSetup {
    let directory: TemporaryDirectory
    let connectors: String
    /// The district's OneRoster CSV package.
    let package: String

    /// Uses the package at `package`, or writes the small `AppFixtureDistrict` when it is nil.
    init(package: String? = nil) throws {
        directory = try TemporaryDirectory()
        connectors = directory.file("connectors")
        try FileManager.default.createDirectory(atPath: connectors + "/apps", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: connectors + "/sis", withDestinationPath: Paths.root + "/connectors/sis")
        if let package {
            self.package = package
        } else {
            self.package = directory.file("package")
            try AppFixtureDistrict().write(to: self.package)
        }
    }

    var config: String { directory.file("config.lua") }
    var store: String { directory.file("rollbook.sqlite") }
    var logFile: String { directory.file("service.log") }

    /// Writes the mapping script `apps/<name>.lua`.
    func writeMapping(_ source: String, name: String) throws {
        try source.write(toFile: "\(connectors)/apps/\(name).lua", atomically: true, encoding: .utf8)
    }

    /// Writes config.lua. `server` is Lua for the keys of the `server` table after `listen`, and `package`
    /// replaces the district's package folder.
    func writeConfig(apps: [APIAppSpec], server: String = "", districtID: String = "d", package: String? = nil) throws {
        let appList = apps.map { $0.lua.replacingOccurrences(of: "\"d\"", with: luaQuoted(districtID)) }
        let text = """
            store = "\(store)"
            connectors_dir = "\(connectors)"
            safety = { removed = 1.0 }
            server = { listen = "127.0.0.1:0", \(server) }
            districts = {
                { id = \(luaQuoted(districtID)), connector = "oneroster_csv", settings = { path = "\(package ?? self.package)" } },
            }
            apps = {
                \(appList.joined(separator: ",\n    "))
            }
            """
        try text.write(toFile: config, atomically: true, encoding: .utf8)
    }

    /// Runs `rollbook sync` once and requires it to succeed.
    func sync() throws {
        let output = try runRollbook(["sync", "--config", config, "--json"])
        try #require(output.status == 0, "the sync failed: \(output)")
    }

    func start() throws -> ServiceProcess {
        try ServiceProcess(config: config, logFile: logFile)
    }
}

/// Returns the folder of a shared case, or nil when it is absent. The shared folder is `../shared` beside the
/// package, or `../../shared` when the package is a git worktree one folder deeper.
func sharedCase(_ name: String) -> String? {
    if let path = Paths.sharedPath("cases/\(name)") { return path }
    let path = ((Paths.root as NSString).appendingPathComponent("../../shared/cases/\(name)") as NSString)
        .standardizingPath
    return FileManager.default.fileExists(atPath: path) ? path : nil
}

/// A mapping that shares every entity but demographics and user profiles, unchanged.
let shareAllMapping = #"return { name = "all" }"#

/// Runs `rollbook hash-secret` with `secret` on its standard input and returns the hash it prints.
func hashSecret(_ secret: String) throws -> String {
    let output = try runProgram(Paths.executable, ["hash-secret"], input: secret, timeout: 30)
    let hash = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    guard output.status == 0, !hash.isEmpty else {
        throw ServiceTestError("rollbook hash-secret failed: \(output)")
    }
    return hash
}

/// Posts a client credentials grant with HTTP Basic authentication, with `scope` only when it is given.
func requestToken(_ base: String, client: String, secret: String, scope: String? = nil) throws -> CurlResponse {
    var arguments = ["-u", "\(client):\(secret)", "--data-urlencode", "grant_type=client_credentials"]
    if let scope { arguments += ["--data-urlencode", "scope=\(scope)"] }
    return try curl(base + "/token", arguments)
}

/// Requests a token and returns its `access_token`, failing the test when there is none.
func accessToken(_ base: String, client: String, secret: String, scope: String? = nil) throws -> String {
    let response = try requestToken(base, client: client, secret: secret, scope: scope)
    try #require(response.status == 200, "the token request failed: \(response)")
    return try #require(response.json?["access_token"] as? String, "no access_token in \(response.body)")
}

/// GETs `path` of the service with a bearer token.
func bearerGET(_ base: String, _ path: String, token: String) throws -> CurlResponse {
    try curl(base + path, ["-H", "Authorization: Bearer \(token)"])
}

extension CurlResponse {
    /// Returns the sourcedIds of the records under `key` in the JSON body, in order.
    func sourcedIds(_ key: String) -> [String]? {
        guard let records = json?[key] as? [[String: Any]] else { return nil }
        return records.compactMap { $0["sourcedId"] as? String }
    }

    /// Returns the imsx status object of an error body: the body itself (1.2) or the first element of its
    /// `statusInfoSet` (1.1), or nil when the body is neither.
    var imsxStatus: [String: Any]? {
        if let set = json?["statusInfoSet"] as? [[String: Any]] { return set.first }
        return json?["imsx_codeMajor"] == nil ? nil : json
    }

    /// Returns the URL of the `Link` header's relation, such as `next`, or nil.
    func link(_ relation: String) -> String? {
        guard let header = headers["link"] else { return nil }
        for part in header.split(separator: ",") {
            guard part.contains("rel=\"\(relation)\""),
                let start = part.firstIndex(of: "<"), let end = part.firstIndex(of: ">")
            else { continue }
            return String(part[part.index(after: start)..<end])
        }
        return nil
    }
}

/// Returns the first python3 on PATH that can import every module in `modules`, or nil.
func pythonWithModules(_ modules: [String]) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
    for folder in path.split(separator: ":") {
        let candidate = "\(folder)/python3"
        guard FileManager.default.isExecutableFile(atPath: candidate) else { continue }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: candidate)
        process.arguments = ["-c", modules.map { "import \($0)" }.joined(separator: "; ")]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { continue }
        process.waitUntilExit()
        if process.terminationStatus == 0 { return candidate }
    }
    return nil
}

/// Runs a Python script with arguments and waits at most `timeout` seconds.
func runPython(_ python: String, script: String, arguments: [String], timeout: TimeInterval = 60) throws
    -> ProcessOutput
{
    try runProgram(python, ["-c", script] + arguments, timeout: timeout)
}

/// Parses the standard output of a Python client as one JSON object, or returns nil.
func pythonJSON(_ output: ProcessOutput) -> [String: Any]? {
    try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
}
