import Foundation
import LDAP

/// One district's upstream identity provider: how its logins are checked and how they are linked to roster users.
public struct UpstreamProvider: Sendable, Equatable {
    /// The kind of provider and the settings its identity checks need.
    public enum Kind: Sendable, Equatable {
        /// Generic OpenID Connect; `iss` must equal `issuer` exactly.
        case oidc(issuer: String)
        /// Google Workspace; the `hd` claim must equal one of the allowed hosted domains, ignoring case.
        case google(allowedHostedDomains: [String])
        /// Microsoft Entra ID; `tid` must be the tenant and `iss` the issuer template filled in with `tid`.
        case entra(tenantID: String, issuerTemplate: String)
        /// Active Directory Federation Services; `iss` must equal `issuer` exactly.
        case adfs(issuer: String)
        /// An LDAP directory or Active Directory domain reached at `directoryURL`.
        case ldap(directoryURL: String)
    }

    /// The v2.0 issuer template of Microsoft Entra ID discovery for multi-tenant apps.
    public static let entraIssuerTemplate = "https://login.microsoftonline.com/{tenantid}/v2.0"
    /// The issuer Google documents for id_tokens; Google also documents the legacy form without `https://`.
    public static let googleIssuer = "https://accounts.google.com"
    static let tenantPlaceholder = "{tenantid}"

    /// A name for this provider that is unique within the district, such as `maple-entra`.
    public let id: String
    /// The district whose roster users this provider signs in.
    public let district: String
    /// The kind of provider with its settings.
    public let kind: Kind
    /// The rules that link a first login to a roster user.
    public let linking: LinkingSettings

    /// Creates a provider and checks its settings, throwing `sso.invalid_config` for a bad value.
    public init(id: String, district: String, kind: Kind, linking: LinkingSettings = LinkingSettings())
        throws(UpstreamError)
    {
        guard !id.isEmpty else { throw .invalidConfig(district: district, field: "id", value: id, expected: "a name") }
        guard !district.isEmpty else {
            throw .invalidConfig(district: district, field: "district", value: district, expected: "a district name")
        }
        try Self.check(kind, district: district)
        self.id = id
        self.district = district
        self.kind = kind
        self.linking = linking
    }

    private static func check(_ kind: Kind, district: String) throws(UpstreamError) {
        switch kind {
        case .oidc(let issuer), .adfs(let issuer):
            guard isAllowedURL(issuer), !issuer.contains("{") else {
                throw .invalidConfig(
                    district: district, field: "issuer", value: issuer,
                    expected: "an https URL without placeholders (http only for 127.0.0.1 and localhost)")
            }
        case .google(let domains):
            guard !domains.isEmpty else {
                throw .invalidConfig(
                    district: district, field: "allowedHostedDomains", value: "",
                    expected: "at least one Workspace domain such as 'example.org'")
            }
            for domain in domains where domain.isEmpty || domain.contains("@") || domain.hasPrefix(".") {
                throw .invalidConfig(
                    district: district, field: "allowedHostedDomains", value: domain,
                    expected: "a whole domain name such as 'example.org'")
            }
        case .entra(let tenantID, let template):
            guard isTenantID(tenantID) else {
                throw .invalidConfig(
                    district: district, field: "tenantID", value: tenantID,
                    expected: "the directory (tenant) ID, a GUID such as '5e0c1f2a-7b3d-4c8e-9a61-3f2b7c9d0a11'")
            }
            guard template.hasPrefix("https://"), template.components(separatedBy: tenantPlaceholder).count == 2 else {
                throw .invalidConfig(
                    district: district, field: "issuerTemplate", value: template,
                    expected: "an https URL that contains '\(tenantPlaceholder)' once")
            }
        case .ldap(let url):
            let lowered = url.lowercased()
            guard lowered.hasPrefix("ldap://") || lowered.hasPrefix("ldaps://") else {
                throw .invalidConfig(
                    district: district, field: "directoryURL", value: url, expected: "an ldap:// or ldaps:// URL")
            }
        }
    }

    /// Checks that `url` is an https URL, or an http URL whose host is 127.0.0.1 or localhost, as a provider on this
    /// machine (a test IdP) may serve plain HTTP.
    static func isAllowedURL(_ url: String) -> Bool {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty,
            components.user == nil, components.password == nil
        else { return false }
        switch components.scheme?.lowercased() {
        case "https": return true
        case "http": return host == "127.0.0.1" || host.lowercased() == "localhost"
        default: return false
        }
    }

    /// Checks that `value` is shaped like a GUID: 36 characters of hex digits and hyphens at the usual places.
    static func isTenantID(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                let isHex =
                    (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                    || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
                    || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
                guard isHex else { return false }
            }
        }
        return true
    }
}

/// The rules that link a login to a roster user when no link is stored yet.
public struct LinkingSettings: Sendable, Equatable {
    /// Whether a verified e-mail address may link a first login to the roster user with that address.
    public var trustEmail: Bool
    /// The claim (or LDAP attribute) whose value is matched to the roster username, ignoring case. Nil turns the
    /// rule off. Only member accounts are matched this way, never guests.
    public var usernameClaim: String?
    /// The type of the `userIds` entry that contains the account's link subject, such as `idp` for
    /// `{idp:77c1-0401}`: `sub` for OpenID Connect, Google and ADFS, `oid` for Entra ID. Nil turns the rule off.
    public var userIdsType: String?

    /// Creates linking settings. By default only stored links sign a user in.
    public init(trustEmail: Bool = false, usernameClaim: String? = nil, userIdsType: String? = nil) {
        self.trustEmail = trustEmail
        self.usernameClaim = usernameClaim
        self.userIdsType = userIdsType
    }
}
