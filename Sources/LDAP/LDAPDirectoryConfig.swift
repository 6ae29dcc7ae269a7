import Foundation

/// The connection settings for one district's LDAP directory or Active Directory domain.
///
/// Referral chasing is always off: referrals and search references are reported, never followed.
public struct LDAPDirectoryConfig: Sendable, CustomStringConvertible {
    /// The server URL, `ldap://host:port` or `ldaps://host:port`.
    public let url: String
    /// Whether an `ldap://` connection is upgraded with StartTLS before anything is sent.
    public let startTLS: Bool
    /// A PEM file with the district's private CA, or nil to trust only the system store.
    public let caCertificateFile: String?
    /// The DN of the service account that searches for users.
    public let bindDN: String
    /// The service account's password. It is masked in `description` and never included in an error message.
    public let bindPassword: String
    /// The entry under which users and listings are searched, with subtree scope.
    public let baseDN: String
    /// The filter that finds one account by username.
    public let userFilter: LDAPUserFilter
    /// The attributes returned for each entry. Binary ones such as `objectGUID` arrive as bytes.
    public let attributes: [String]
    /// The number of entries requested in each page of a paged search (RFC 2696).
    public let pageSize: Int
    /// The limit on establishing a TCP connection.
    public let connectTimeout: Duration
    /// The limit on each request: a TLS handshake, a bind or one page of a search.
    public let operationTimeout: Duration

    /// Creates a configuration and checks each field, throwing `ldap.config` for a bad value.
    public init(
        url: String, startTLS: Bool = false, caCertificateFile: String? = nil, bindDN: String, bindPassword: String,
        baseDN: String, userFilter: LDAPUserFilter = .sAMAccountName,
        attributes: [String] = ["mail", "employeeID", "uid", "sAMAccountName", "objectGUID"], pageSize: Int = 500,
        connectTimeout: Duration = .seconds(5), operationTimeout: Duration = .seconds(15)
    ) throws(LDAPError) {
        let lowered = url.lowercased()
        let isLDAPS = lowered.hasPrefix("ldaps://")
        guard (lowered.hasPrefix("ldap://") || isLDAPS) && Self.host(of: url) != nil else {
            throw .invalidConfig(
                field: "url", value: url, expected: "'ldap://host:port' or 'ldaps://host:port'")
        }
        if startTLS && isLDAPS {
            throw .invalidConfig(
                field: "startTLS", value: "true",
                expected: "false with an 'ldaps://' URL, which is already TLS; use 'ldap://' for StartTLS")
        }
        if let caCertificateFile, !FileManager.default.isReadableFile(atPath: caCertificateFile) {
            throw .invalidConfig(
                field: "caCertificateFile", value: caCertificateFile, expected: "a readable PEM file with the CA")
        }
        guard !bindDN.isEmpty else {
            throw .invalidConfig(field: "bindDN", value: bindDN, expected: "the DN of the service account")
        }
        guard !bindPassword.isEmpty else {
            // An empty password turns a simple bind into an unauthenticated bind, which servers accept.
            throw .invalidConfig(
                field: "bindPassword", value: "", expected: "the service account's password, which must not be empty")
        }
        guard !baseDN.isEmpty else {
            throw .invalidConfig(field: "baseDN", value: baseDN, expected: "the DN under which users are searched")
        }
        guard (1...100_000).contains(pageSize) else {
            throw .invalidConfig(field: "pageSize", value: "\(pageSize)", expected: "a number from 1 to 100000")
        }
        for (field, value) in [("connectTimeout", connectTimeout), ("operationTimeout", operationTimeout)]
        where value <= .zero {
            throw .invalidConfig(field: field, value: "\(value)", expected: "a positive duration")
        }
        self.url = url
        self.startTLS = startTLS
        self.caCertificateFile = caCertificateFile
        self.bindDN = bindDN
        self.bindPassword = bindPassword
        self.baseDN = baseDN
        self.userFilter = userFilter
        self.attributes = attributes
        self.pageSize = pageSize
        self.connectTimeout = connectTimeout
        self.operationTimeout = operationTimeout
    }

    /// Reads a secret such as the service account's password from the environment variable `name`.
    public static func secret(fromEnvironment name: String) throws(LDAPError) -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw .invalidConfig(
                field: "bindPassword", value: "$" + name,
                expected: "an environment variable '\(name)' that is set and not empty")
        }
        return value
    }

    /// Whether the connection is TLS from the first byte (`ldaps://`).
    var usesLDAPS: Bool { url.lowercased().hasPrefix("ldaps://") }

    /// The `host:port` part of the URL, for messages.
    var hostAndPort: String { Self.host(of: url) ?? url }

    public var description: String {
        "LDAPDirectoryConfig(url: '\(url)', startTLS: \(startTLS), caCertificateFile: '\(caCertificateFile ?? "none")', "
            + "bindDN: '\(bindDN)', bindPassword: '***', baseDN: '\(baseDN)', userFilter: '\(userFilter)')"
    }

    private static func host(of url: String) -> String? {
        guard let separator = url.range(of: "://") else { return nil }
        let rest = url[separator.upperBound...].prefix { $0 != "/" && $0 != "?" }
        return rest.isEmpty ? nil : String(rest)
    }
}
