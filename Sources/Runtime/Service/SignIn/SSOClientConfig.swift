import SSO
import Scripting

/// One relying party of an app, from the app's `sso.clients` list in config.lua: an application that signs its
/// users in through Rollbook with OpenID Connect.
///
/// A client with `secret_hash` is confidential; one without is public (a browser or mobile app) and must use
/// PKCE.
public struct SSOClientConfig: Sendable, Equatable {
    public var id: String
    public var app: String
    public var secretHash: String?
    public var redirectURIs: [String]
    /// The scopes the client may request. Without a list: openid, profile, email and roster.
    public var scopes: [String]
    /// Whether a confidential client must also use PKCE. Public clients always must.
    public var requiresPKCE: Bool
    public var postLogoutRedirectURIs: [String]
    /// The URL the portal sends a signed-in user to, to start the app (OpenID Connect third-party initiated login),
    /// or nil when the app is not listed in the portal.
    public var launchURL: String?

    static let defaultScopes = ["openid", "profile", "email", "roster"]

    /// Returns the client that the authorization server takes.
    func ssoClient() throws -> SSOClient {
        try SSOClient(
            id: id, app: app, secretHash: secretHash, redirectURIs: redirectURIs,
            allowedScopes: scopes.isEmpty ? Self.defaultScopes : scopes, requiresPKCE: requiresPKCE,
            postLogoutRedirectURIs: postLogoutRedirectURIs)
    }
}

extension Config {
    static let ssoKeys = ["clients"]
    static let ssoClientKeys = [
        "id", "secret_hash", "redirect_uris", "scopes", "require_pkce", "post_logout_redirect_uris", "launch_url",
    ]
    /// The scopes a relying party may be allowed; `offline_access` allows refresh tokens.
    static let knownSSOScopes: Set<String> = ["openid", "profile", "email", "roster", "offline_access"]

    /// Reads an app's `sso` table.
    static func parseSSOClients(_ value: LuaValue?, app: String, place: String, path: String) throws
        -> [SSOClientConfig]
    {
        let fail = { (message: String) in ConfigError(file: path, message: "\(place).sso: \(message)") }
        guard let value else { return [] }
        guard case .map(let entries) = value else { throw fail("must be a table with a 'clients' list") }
        for key in entries.keys {
            guard case .string(let name) = key, ssoKeys.contains(name) else {
                throw fail("unknown key \(describe(key))\(suggestion(for: key, among: ssoKeys))")
            }
        }
        let items: [LuaValue]
        switch value["clients"] {
        case nil, .map([:])?: return []
        case .array(let list)?: items = list
        default: throw fail("'clients' must be a list of client tables")
        }
        var clients: [SSOClientConfig] = []
        for (position, item) in items.enumerated() {
            let client = try parseSSOClient(item, app: app) { message in
                fail("clients[\(position + 1)]: \(message)")
            }
            if clients.contains(where: { $0.id == client.id }) {
                throw fail("client id '\(client.id)' is used twice")
            }
            clients.append(client)
        }
        return clients
    }

    private static func parseSSOClient(_ item: LuaValue, app: String, fail: (String) -> ConfigError) throws
        -> SSOClientConfig
    {
        guard case .map(let entries) = item else { throw fail("must be a table") }
        for key in entries.keys {
            guard case .string(let name) = key, ssoClientKeys.contains(name) else {
                throw fail("unknown key \(describe(key))\(suggestion(for: key, among: ssoClientKeys))")
            }
        }
        guard let id = item["id"]?.stringValue, !id.isEmpty else { throw fail("missing required key 'id'") }
        guard id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }) else {
            throw fail("id '\(id)' may use only printable ASCII characters other than ':' and spaces")
        }
        var secretHash: String?
        if let value = item["secret_hash"] {
            guard let text = value.stringValue, !text.isEmpty else {
                throw fail(
                    "'secret_hash' must be the text `rollbook hash-secret` prints; leave it out for a public client")
            }
            secretHash = text
        }
        let redirects = try stringList(item["redirect_uris"], name: "redirect_uris", fail: fail)
        guard !redirects.isEmpty else {
            throw fail("missing required key 'redirect_uris' (such as { \"https://app.example.com/callback\" })")
        }
        let scopes = try stringList(item["scopes"], name: "scopes", fail: fail)
        for scope in scopes where !knownSSOScopes.contains(scope) {
            throw fail(
                "'scopes' names '\(scope)'; expected some of " + knownSSOScopes.sorted().joined(separator: ", "))
        }
        var requiresPKCE = true
        if let flag = item["require_pkce"] {
            guard case .boolean(let value) = flag else { throw fail("'require_pkce' must be true or false") }
            requiresPKCE = value
        }
        var launchURL: String?
        if let value = item["launch_url"] {
            guard let text = value.stringValue, text.hasPrefix("https://") || text.hasPrefix("http://"),
                !text.contains(" ")
            else {
                throw fail("'launch_url' must be an http or https URL, such as \"https://app.example.com/login\"")
            }
            launchURL = text
        }
        let client = SSOClientConfig(
            id: id, app: app, secretHash: secretHash, redirectURIs: redirects, scopes: scopes,
            requiresPKCE: requiresPKCE,
            postLogoutRedirectURIs: try stringList(
                item["post_logout_redirect_uris"], name: "post_logout_redirect_uris", fail: fail),
            launchURL: launchURL)
        do {
            _ = try client.ssoClient()
        } catch {
            throw fail("\(error)")
        }
        return client
    }

    /// Returns the list of non-empty strings under a key, empty when the key is missing.
    static func stringList(_ value: LuaValue?, name: String, fail: (String) -> ConfigError) throws -> [String] {
        guard let value else { return [] }
        guard case .array(let items) = value else { throw fail("'\(name)' must be a list of strings") }
        return try items.map { item in
            guard let text = item.stringValue, !text.isEmpty else {
                throw fail("'\(name)' must be a list of non-empty strings")
            }
            return text
        }
    }
}
