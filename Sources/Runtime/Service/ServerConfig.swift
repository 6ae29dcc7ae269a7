import Foundation
import SSO
import Scripting

/// The `server` table of config.lua: where `rollbook serve` listens and how it serves.
public struct ServerConfig: Sendable, Equatable {
    /// The IPv4 address the HTTP server binds.
    public var host = "127.0.0.1"
    public var port: UInt16 = 8080
    /// The URL clients reach the service at, without a trailing slash: the start of `Link` headers, GUIDRef
    /// hrefs and the URL that OAuth 1.0a signatures cover. Without one it is `http://host:port` with the port
    /// the server bound.
    public var publicURL: String?
    /// Threads that handle requests, one per processor (at least 2) by default. Requests read a local store
    /// file and wait on nothing remote, so more threads than processors mostly add context switches.
    public var threads = max(2, ProcessInfo.processInfo.activeProcessorCount)
    /// The maximum `limit` a REST client may request. A larger one is capped to it.
    public var maxLimit = 10_000
    /// Seconds an access token of the token endpoint stays valid.
    public var tokenLifetime = 3600
    /// The accounts of the admin pages.
    public var admins: [AdminAccount] = []
    /// The OpenID provider's settings.
    public var sso = SSOSettings()

    public init() {}
}

/// One account of the admin pages: a name and the hash of its password (`rollbook hash-secret`).
public struct AdminAccount: Sendable, Equatable {
    public var name: String
    public var passwordHash: String
}

extension Config {
    static let serverKeys = ["listen", "public_url", "threads", "max_limit", "token_lifetime", "admins", "sso"]

    static func parseServer(_ value: LuaValue?, path: String) throws -> ServerConfig {
        let fail = { (message: String) in ConfigError(file: path, message: "server: \(message)") }
        var server = ServerConfig()
        guard let value else { return server }
        guard case .map(let entries) = value else { throw fail("must be a table") }
        for key in entries.keys {
            guard case .string(let name) = key, serverKeys.contains(name) else {
                throw fail("unknown key \(describe(key))\(suggestion(for: key, among: serverKeys))")
            }
        }

        if let listen = value["listen"] {
            guard let text = listen.stringValue, let (host, port) = parseListen(text) else {
                throw fail("'listen' must be an IPv4 address and port, such as \"127.0.0.1:8080\"")
            }
            server.host = host
            server.port = port
        }
        if let url = value["public_url"] {
            guard let text = url.stringValue, text.hasPrefix("http://") || text.hasPrefix("https://"),
                URL(string: text)?.host != nil
            else {
                throw fail("'public_url' must be an http or https URL, such as \"https://roster.example.org\"")
            }
            server.publicURL = String(text.reversed().drop { $0 == "/" }.reversed())
        }

        server.threads = try whole(value["threads"], name: "threads", range: 1...256, fail: fail) ?? server.threads
        server.maxLimit =
            try whole(value["max_limit"], name: "max_limit", range: 100...1_000_000, fail: fail) ?? server.maxLimit
        server.tokenLifetime =
            try whole(value["token_lifetime"], name: "token_lifetime", range: 1...86_400, fail: fail)
            ?? server.tokenLifetime
        server.admins = try parseAdmins(value["admins"], fail: fail)
        server.sso = try parseSSOSettings(value["sso"], path: path)
        return server
    }

    private static func parseAdmins(_ value: LuaValue?, fail: (String) -> ConfigError) throws -> [AdminAccount] {
        let items: [LuaValue]
        switch value {
        case nil, .map([:])?: return []
        case .array(let list)?: items = list
        default: throw fail("'admins' must be a list of { name = ..., password_hash = ... } tables")
        }
        var admins: [AdminAccount] = []
        for (position, item) in items.enumerated() {
            let place = "admins[\(position + 1)]"
            guard let name = item["name"]?.stringValue, !name.isEmpty else {
                throw fail("\(place): missing required key 'name'")
            }
            guard let hash = item["password_hash"]?.stringValue, !hash.isEmpty else {
                throw fail("\(place): missing required key 'password_hash' (make one with `rollbook hash-secret`)")
            }
            do {
                try SecretHash.validate(hash)
            } catch {
                throw fail("\(place): 'password_hash' is invalid: \(error)")
            }
            if admins.contains(where: { $0.name == name }) {
                throw fail("\(place): admin name '\(name)' is used twice")
            }
            admins.append(AdminAccount(name: name, passwordHash: hash))
        }
        return admins
    }

    static func whole(_ value: LuaValue?, name: String, range: ClosedRange<Int>, fail: (String) -> ConfigError)
        throws -> Int?
    {
        guard let value else { return nil }
        guard case .integer(let integer) = value, let number = Int(exactly: integer), range.contains(number) else {
            throw fail("'\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// Splits `host:port` into an IPv4 address and a port from 0 to 65535 (0 picks a free port).
    static func parseListen(_ text: String) -> (String, UInt16)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        let host = String(text[..<colon])
        guard let port = UInt16(text[text.index(after: colon)...]) else { return nil }
        var address = in_addr()
        guard inet_pton(AF_INET, host, &address) == 1 else { return nil }
        return (host, port)
    }
}
