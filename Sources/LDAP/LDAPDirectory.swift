import CLDAP

/// Signs people in against a district's LDAP directory or Active Directory, and lists its entries.
///
/// Every call opens its own connection and closes it before returning, because a libldap handle must not be
/// used by two threads at once. Calls block: run them off Swift's cooperative thread pool.
public struct LDAPDirectory: Sendable {
    /// The maximum username length in UTF-8 bytes. Longer input is rejected before any connection is opened.
    public static let maximumUsernameLength = 256

    /// The directory's settings.
    public let config: LDAPDirectoryConfig

    /// Creates a directory client. No connection is opened until the first call.
    public init(config: LDAPDirectoryConfig) {
        self.config = config
    }

    /// Checks a username and password: binds as the service account, finds exactly one entry with the user
    /// filter, then binds as that entry with `password`. Returns the entry with the configured attributes.
    public func authenticate(username: String, password: String) throws(LDAPError) -> LDAPUser {
        try Self.check(username: username)
        guard !password.isEmpty else { throw .emptyPassword(username: username) }

        let connection = try LDAPConnection(config: config)
        try connection.bindServiceAccount()
        let filter = config.userFilter.filter(for: username)
        var matches = 0
        var found: LDAPEntry?
        _ = try connection.pagedSearch(
            baseDN: config.baseDN, filter: filter, attributes: config.attributes, pageSize: config.pageSize
        ) { entry in
            matches += 1
            if found == nil { found = entry }
            return true
        }
        guard let found else {
            throw .noAccount(server: config.url, username: username, filter: filter, baseDN: config.baseDN)
        }
        guard matches == 1 else {
            throw .ambiguousAccount(server: config.url, username: username, count: matches, baseDN: config.baseDN)
        }

        let status = connection.bind(dn: found.dn, password: password)
        guard status == LDAP_SUCCESS else {
            try connection.throwIfConnectionLost(status, operation: "bind as '\(found.dn)'")
            if status == LDAP_INVALID_CREDENTIALS {
                throw .invalidCredentials(server: config.url, username: username)
            }
            throw .operationFailed(
                server: config.url, operation: "bind as '\(found.dn)'", result: status,
                message: connection.describe(status, connection.diagnosticMessage()))
        }
        return LDAPUser(username: username, entry: found)
    }

    /// Lists every entry under the base DN that matches `filter`, across as many pages as the server sends.
    ///
    /// `filter` is used as written, so it must come from configuration, never from a person's input.
    public func search(filter: String) throws(LDAPError) -> LDAPSearchResult {
        let connection = try LDAPConnection(config: config)
        try connection.bindServiceAccount()
        var entries: [LDAPEntry] = []
        let (references, pages) = try connection.pagedSearch(
            baseDN: config.baseDN, filter: filter, attributes: config.attributes, pageSize: config.pageSize
        ) { entry in
            entries.append(entry)
            return true
        }
        return LDAPSearchResult(entries: entries, skippedReferences: references, pages: pages)
    }

    private static func check(username: String) throws(LDAPError) {
        if username.isEmpty { throw .invalidUsername(username, reason: "it is empty") }
        if username.utf8.count > maximumUsernameLength {
            let shown = String(username.prefix(40)) + "..."
            throw .invalidUsername(shown, reason: "it is longer than \(maximumUsernameLength) bytes")
        }
        if username.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw .invalidUsername(username, reason: "it contains a control character")
        }
    }
}
