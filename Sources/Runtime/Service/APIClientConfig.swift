import SSO
import Scripting

/// One client of an app's OneRoster REST API, from the app's `api.clients` list in config.lua.
///
/// A client reads one district's view of its app. It authenticates with OAuth 2.0 client credentials
/// (`secret_hash`, made by `rollbook hash-secret`), with OAuth 1.0a request signing (`oauth1_secret`, which
/// must be the secret itself because a signature check needs it: take it from `env()`), or with either.
public struct APIClientConfig: Sendable, Equatable {
    public var id: String
    public var app: String
    public var district: String
    /// Scope names or URIs the client may be granted, such as `roster-core.readonly`. An empty list grants every
    /// rostering scope but demographics.
    public var scopes: [String]
    public var secretHash: String?
    public var oauth1Secret: String?
    /// Whether OAuth 1.0a signatures made with HMAC-SHA1 are accepted, for consumers too old for HMAC-SHA256.
    public var allowsSHA1: Bool
}

extension Config {
    static let apiKeys = ["clients"]
    static let apiClientKeys = ["id", "district", "scopes", "secret_hash", "oauth1_secret", "allow_hmac_sha1"]

    /// Reads an app's `api` table.
    static func parseAPIClients(
        _ value: LuaValue?, app: String, districts: [String], place: String, path: String
    ) throws -> [APIClientConfig] {
        let fail = { (message: String) in ConfigError(file: path, message: "\(place).api: \(message)") }
        guard let value else { return [] }
        guard case .map(let entries) = value else { throw fail("must be a table with a 'clients' list") }
        for key in entries.keys {
            guard case .string(let name) = key, apiKeys.contains(name) else {
                throw fail("unknown key \(describe(key))\(suggestion(for: key, among: apiKeys))")
            }
        }
        let items: [LuaValue]
        switch value["clients"] {
        case nil, .map([:])?: return []
        case .array(let list)?: items = list
        default: throw fail("'clients' must be a list of client tables")
        }
        var clients: [APIClientConfig] = []
        for (position, item) in items.enumerated() {
            let client = try parseAPIClient(
                item, app: app, districts: districts,
                fail: { message in fail("clients[\(position + 1)]: \(message)") })
            if clients.contains(where: { $0.id == client.id }) {
                throw fail("client id '\(client.id)' is used twice")
            }
            clients.append(client)
        }
        return clients
    }

    private static func parseAPIClient(
        _ item: LuaValue, app: String, districts: [String], fail: (String) -> ConfigError
    ) throws -> APIClientConfig {
        guard case .map(let entries) = item else { throw fail("must be a table") }
        for key in entries.keys {
            guard case .string(let name) = key, apiClientKeys.contains(name) else {
                throw fail("unknown key \(describe(key))\(suggestion(for: key, among: apiClientKeys))")
            }
        }

        guard let id = item["id"]?.stringValue, !id.isEmpty else { throw fail("missing required key 'id'") }
        guard id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }) else {
            throw fail("id '\(id)' may use only printable ASCII characters other than ':' and spaces")
        }

        let secretHash = try nonEmptyString(
            item, "secret_hash", fail: fail, example: "the text `rollbook hash-secret` prints")
        let oauth1Secret = try nonEmptyString(
            item, "oauth1_secret", fail: fail, example: "env(\"CODEYARD_OAUTH1_SECRET\")")
        guard secretHash != nil || oauth1Secret != nil else {
            throw fail("missing key 'secret_hash' (OAuth 2.0) or 'oauth1_secret' (OAuth 1.0a); give one or both")
        }

        var allowsSHA1 = false
        if let flag = item["allow_hmac_sha1"] {
            guard case .boolean(let value) = flag else { throw fail("'allow_hmac_sha1' must be true or false") }
            allowsSHA1 = value
        }

        let client = APIClientConfig(
            id: id, app: app, district: try clientDistrict(item, districts: districts, fail: fail),
            scopes: try scopeNames(item, fail: fail), secretHash: secretHash, oauth1Secret: oauth1Secret,
            allowsSHA1: allowsSHA1)
        do {
            _ = try client.apiClient()
        } catch {
            throw fail("\(error)")
        }
        return client
    }

    /// Returns the district a client reads: the one it names, or the app's only district.
    private static func clientDistrict(_ item: LuaValue, districts: [String], fail: (String) -> ConfigError) throws
        -> String
    {
        guard let named = item["district"] else {
            guard districts.count == 1 else {
                throw fail("missing key 'district': the app has several districts, and a client reads one")
            }
            return districts[0]
        }
        guard let text = named.stringValue, districts.contains(text) else {
            throw fail("'district' must be one of the app's districts: \(districts.joined(separator: ", "))")
        }
        return text
    }

    /// Returns the client's `scopes` list, empty when the key is missing.
    private static func scopeNames(_ item: LuaValue, fail: (String) -> ConfigError) throws -> [String] {
        guard let value = item["scopes"] else { return [] }
        guard case .array(let names) = value else {
            throw fail("'scopes' must be a list of scope names, such as { \"roster-core.readonly\" }")
        }
        return try names.map { name in
            guard let text = name.stringValue, !text.isEmpty else {
                throw fail("'scopes' must list scope names, such as \"roster-core.readonly\"")
            }
            return text
        }
    }

    /// Returns the non-empty string under `key`, nil when the key is missing, or throws naming an example.
    private static func nonEmptyString(
        _ item: LuaValue, _ key: String, fail: (String) -> ConfigError, example: String
    ) throws -> String? {
        guard let value = item[key] else { return nil }
        guard let text = value.stringValue, !text.isEmpty else {
            throw fail("'\(key)' must be a non-empty string, such as \(example)")
        }
        return text
    }
}

extension APIClientConfig {
    /// The scopes a client gets when config.lua lists none: every rostering read but demographics.
    static let defaultScopes = ["roster-core.readonly", "roster.readonly"]

    /// Returns the client as the token endpoint and the authenticator know it.
    func apiClient() throws -> APIClient {
        try APIClient(
            id: id, app: app, district: district, scopes: scopes.isEmpty ? Self.defaultScopes : scopes,
            secretHash: secretHash, consumerSecret: oauth1Secret, allowsHMACSHA1: allowsSHA1)
    }
}
