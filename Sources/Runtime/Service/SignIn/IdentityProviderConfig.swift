import LDAP
import SSO
import Scripting

/// One identity provider of a district, from the district's `identity` list in config.lua: where its people
/// sign in and how a first sign-in finds their roster user.
public struct IdentityProviderConfig: Sendable {
    /// The kinds of provider a district can use.
    public enum Kind: String, Sendable, CaseIterable {
        case google
        case entra
        case adfs
        case oidc
        case ldap
    }

    /// The settings of an OpenID Connect provider (google, entra, adfs, oidc).
    public struct OpenID: Sendable {
        public var clientID: String
        /// The client secret, from `env()` or `read_file()`; nil for a public client.
        public var clientSecret: String?
        /// `client_secret_basic` (the default) or `client_secret_post`.
        public var authMethod: String
        /// The issuer: required for oidc and adfs; for google an override of Google's own, for local trials.
        public var issuer: String?
        /// The discovery document's URL, when it is not below the issuer.
        public var discoveryURL: String?
        public var scopes: [String]
        /// Google Workspace domains whose accounts may sign in.
        public var hostedDomains: [String]
        /// The Entra ID directory (tenant) ID.
        public var tenant: String?
        /// Entra's issuer template; Microsoft's v2.0 template by default.
        public var issuerTemplate: String?
        /// Entra's `domain_hint`, which skips the account picker's home realm discovery.
        public var domainHint: String?
    }

    /// The provider's id, unique within its district; it appears in sign-in URLs and stored links.
    public var id: String
    public var district: String
    public var kind: Kind
    /// The text of the sign-in button, such as "Sign in with Google".
    public var label: String
    public var linking: LinkingSettings
    /// Set for every kind but ldap.
    public var openID: OpenID?
    /// Set for ldap.
    public var ldap: LDAPDirectoryConfig?

    /// Returns the default button text of a kind.
    static func defaultLabel(_ kind: Kind) -> String {
        switch kind {
        case .google: "Sign in with Google"
        case .entra: "Sign in with Microsoft"
        case .adfs: "Sign in with your district account"
        case .oidc: "Sign in with your district account"
        case .ldap: "Sign in with your district username"
        }
    }
}

extension Config {
    static let identityKeys = [
        "id", "type", "label", "client_id", "client_secret", "auth_method", "issuer", "discovery_url", "scopes",
        "hosted_domains", "tenant", "issuer_template", "domain_hint", "url", "start_tls", "ca_file", "bind_dn",
        "bind_password", "base_dn", "user_filter", "trust_email", "username_claim", "user_ids_type",
    ]
    static let openIDOnlyKeys: Set<String> = [
        "client_id", "client_secret", "auth_method", "issuer", "discovery_url", "scopes", "hosted_domains", "tenant",
        "issuer_template", "domain_hint",
    ]
    static let ldapOnlyKeys: Set<String> = [
        "url", "start_tls", "ca_file", "bind_dn", "bind_password", "base_dn", "user_filter",
    ]

    /// Reads a district's `identity` list.
    static func parseIdentity(
        _ value: LuaValue?, district: String, directory: String, fail: (String) -> ConfigError
    ) throws -> [IdentityProviderConfig] {
        let items: [LuaValue]
        switch value {
        case nil, .map([:])?: return []
        case .array(let list)?: items = list
        default:
            throw fail(
                "'identity' must be a list of provider tables, such as { { id = \"google\", type = \"google\", ... } }")
        }
        var providers: [IdentityProviderConfig] = []
        for (position, item) in items.enumerated() {
            let provider = try parseIdentityProvider(item, district: district, directory: directory) { message in
                fail("identity[\(position + 1)]: \(message)")
            }
            if providers.contains(where: { $0.id == provider.id }) {
                throw fail("identity[\(position + 1)]: provider id '\(provider.id)' is used twice in the district")
            }
            providers.append(provider)
        }
        return providers
    }

    private static func parseIdentityProvider(
        _ item: LuaValue, district: String, directory: String, fail: (String) -> ConfigError
    ) throws -> IdentityProviderConfig {
        guard case .map(let entries) = item else { throw fail("must be a table") }
        for key in entries.keys {
            guard case .string(let name) = key, identityKeys.contains(name) else {
                throw fail("unknown key \(describe(key))\(suggestion(for: key, among: identityKeys))")
            }
        }
        guard let id = item["id"]?.stringValue, !id.isEmpty,
            id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        else {
            throw fail("missing or invalid 'id' (letters, digits, '-' and '_', such as \"google\")")
        }
        let kinds = IdentityProviderConfig.Kind.allCases.map(\.rawValue)
        guard let typeName = item["type"]?.stringValue, let kind = IdentityProviderConfig.Kind(rawValue: typeName)
        else {
            throw fail("'type' must be one of " + kinds.map { "\"\($0)\"" }.joined(separator: ", "))
        }
        let foreign = kind == .ldap ? openIDOnlyKeys : ldapOnlyKeys
        for case .string(let name) in entries.keys where foreign.contains(name) {
            throw fail("key '\(name)' does not apply to a provider of type \"\(typeName)\"")
        }

        var linking = LinkingSettings()
        if let flag = item["trust_email"] {
            guard case .boolean(let trust) = flag else { throw fail("'trust_email' must be true or false") }
            linking.trustEmail = trust
        }
        linking.usernameClaim = try optionalString(item, "username_claim", fail: fail)
        linking.userIdsType = try optionalString(item, "user_ids_type", fail: fail)

        var provider = IdentityProviderConfig(
            id: id, district: district, kind: kind,
            label: try optionalString(item, "label", fail: fail) ?? IdentityProviderConfig.defaultLabel(kind),
            linking: linking)
        if kind == .ldap {
            provider.ldap = try parseLDAP(item, directory: directory, fail: fail)
        } else {
            provider.openID = try parseOpenID(item, kind: kind, fail: fail)
        }
        // The same checks as at service start, so that a bad provider stops the load, and a reload keeps the old file.
        do {
            _ = try SignInService.signInProvider(provider)
        } catch {
            throw fail("\(error)")
        }
        return provider
    }

    private static func parseOpenID(_ item: LuaValue, kind: IdentityProviderConfig.Kind, fail: (String) -> ConfigError)
        throws -> IdentityProviderConfig.OpenID
    {
        guard let clientID = try optionalString(item, "client_id", fail: fail) else {
            throw fail("missing required key 'client_id' (the id the district's identity provider gave Rollbook)")
        }
        let method = try optionalString(item, "auth_method", fail: fail) ?? "client_secret_basic"
        guard ["client_secret_basic", "client_secret_post"].contains(method) else {
            throw fail("'auth_method' is '\(method)'; expected \"client_secret_basic\" or \"client_secret_post\"")
        }
        let openID = IdentityProviderConfig.OpenID(
            clientID: clientID, clientSecret: try optionalString(item, "client_secret", fail: fail),
            authMethod: method, issuer: try optionalString(item, "issuer", fail: fail),
            discoveryURL: try optionalString(item, "discovery_url", fail: fail),
            scopes: try stringList(item["scopes"], name: "scopes", fail: fail),
            hostedDomains: try stringList(item["hosted_domains"], name: "hosted_domains", fail: fail),
            tenant: try optionalString(item, "tenant", fail: fail),
            issuerTemplate: try optionalString(item, "issuer_template", fail: fail),
            domainHint: try optionalString(item, "domain_hint", fail: fail))
        switch kind {
        case .oidc, .adfs:
            guard openID.issuer != nil else {
                throw fail("missing required key 'issuer' (such as \"https://sts.example.org/adfs\")")
            }
        case .google:
            guard !openID.hostedDomains.isEmpty else {
                throw fail("missing required key 'hosted_domains' (the district's Workspace domains)")
            }
        case .entra:
            guard openID.tenant != nil else { throw fail("missing required key 'tenant' (the directory ID)") }
        case .ldap:
            break
        }
        return openID
    }

    private static func parseLDAP(_ item: LuaValue, directory: String, fail: (String) -> ConfigError) throws
        -> LDAPDirectoryConfig
    {
        guard let url = try optionalString(item, "url", fail: fail) else {
            throw fail("missing required key 'url' (such as \"ldaps://dc1.example.org:636\")")
        }
        var startTLS = false
        if let flag = item["start_tls"] {
            guard case .boolean(let value) = flag else { throw fail("'start_tls' must be true or false") }
            startTLS = value
        }
        var filter = LDAPUserFilter.sAMAccountName
        if let text = try optionalString(item, "user_filter", fail: fail) {
            switch text {
            case "sAMAccountName": filter = .sAMAccountName
            case "uid": filter = .uid
            case "mail": filter = .mail
            case "userPrincipalName": filter = .userPrincipalName
            default:
                do {
                    filter = try LDAPUserFilter(text)
                } catch {
                    throw fail("\(error)")
                }
            }
        }
        do {
            return try LDAPDirectoryConfig(
                url: url, startTLS: startTLS,
                caCertificateFile: try optionalString(item, "ca_file", fail: fail).map { resolve($0, from: directory) },
                bindDN: try optionalString(item, "bind_dn", fail: fail) ?? "",
                bindPassword: try optionalString(item, "bind_password", fail: fail) ?? "",
                baseDN: try optionalString(item, "base_dn", fail: fail) ?? "", userFilter: filter)
        } catch {
            throw fail("\(error)")
        }
    }

    /// Returns the non-empty string under `key`, or nil when the key is missing.
    static func optionalString(_ item: LuaValue, _ key: String, fail: (String) -> ConfigError) throws -> String? {
        guard let value = item[key] else { return nil }
        guard let text = value.stringValue, !text.isEmpty else { throw fail("'\(key)' must be a non-empty string") }
        return text
    }
}
