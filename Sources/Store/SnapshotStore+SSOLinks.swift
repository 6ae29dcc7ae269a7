import Foundation

/// One stored link from an upstream sign-in account to a roster user, as a row of the `sso_links` table.
public struct StoredSSOLink: Sendable, Equatable {
    /// The district whose roster user is linked.
    public var district: String
    /// The id of the provider configuration that the account signs in with.
    public var provider: String
    /// The issuer, tenant or directory that assigns `subject`.
    public var namespace: String
    /// The account's identifier within `namespace`.
    public var subject: String
    /// The linked roster user's `sourcedId`.
    public var userSourcedId: String
    /// The time the link was stored.
    public var createdAt: Date
    /// The time of the last sign-in through the link that was recorded, or nil when none was.
    public var lastUsedAt: Date?

    /// Creates a row value.
    public init(
        district: String, provider: String, namespace: String, subject: String, userSourcedId: String,
        createdAt: Date, lastUsedAt: Date? = nil
    ) {
        self.district = district
        self.provider = provider
        self.namespace = namespace
        self.subject = subject
        self.userSourcedId = userSourcedId
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }
}

/// The error `insertSSOLink` throws when a link with the same account, or for the same provider and user, exists.
public struct SSOLinkConflict: Error, Sendable, CustomStringConvertible {
    fileprivate enum Kind: Sendable {
        case accountLinked
        case userLinked
    }

    private let kind: Kind
    /// The stored link that the new one clashes with.
    public let existing: StoredSSOLink
    /// The roster user the rejected link was for.
    public let requestedUser: String

    /// A short stable code: `store.sso_account_linked` when the upstream account already has a link in the
    /// district, `store.sso_user_linked` when the user already has a link for the provider.
    public var code: String {
        switch kind {
        case .accountLinked: return "store.sso_account_linked"
        case .userLinked: return "store.sso_user_linked"
        }
    }

    /// Whether the upstream account already has a link in the district, rather than the user a link for the provider.
    public var isAccountLinked: Bool { kind == .accountLinked }

    public var description: String {
        let link = existing
        switch kind {
        case .accountLinked where link.userSourcedId == requestedUser:
            return "District '\(link.district)': the account '\(link.subject)' at '\(link.namespace)' is already "
                + "linked to user '\(link.userSourcedId)'. Look the link up instead of storing it again"
        case .accountLinked:
            return "District '\(link.district)': the account '\(link.subject)' at '\(link.namespace)' is already "
                + "linked to user '\(link.userSourcedId)', so it cannot be linked to '\(requestedUser)'. "
                + "Delete the stored link first to move the account"
        case .userLinked:
            return "District '\(link.district)': user '\(link.userSourcedId)' is already linked to the account "
                + "'\(link.subject)' at '\(link.namespace)' for provider '\(link.provider)'. "
                + "Delete the stored link first to link another account"
        }
    }

    fileprivate init(_ kind: Kind, existing: StoredSSOLink, requestedUser: String) {
        self.kind = kind
        self.existing = existing
        self.requestedUser = requestedUser
    }
}

extension SnapshotStore {
    private static let linkColumns =
        "district, provider, namespace, subject, user_sourced_id, created_at, last_used_at"

    /// Returns the link of the upstream account (`namespace`, `subject`) in `district`, or nil.
    public func ssoLink(district: String, namespace: String, subject: String) throws -> StoredSSOLink? {
        let statement = try database.prepare(
            "SELECT \(Self.linkColumns) FROM sso_links WHERE district = ?1 AND namespace = ?2 AND subject = ?3")
        defer { statement.reset() }
        try statement.bind(district, at: 1)
        try statement.bind(namespace, at: 2)
        try statement.bind(subject, at: 3)
        return try statement.step() ? try Self.link(from: statement) : nil
    }

    /// Returns the link of roster user `userSourcedId` for provider `provider` in `district`, or nil.
    public func ssoLink(district: String, provider: String, userSourcedId: String) throws -> StoredSSOLink? {
        let statement = try database.prepare(
            "SELECT \(Self.linkColumns) FROM sso_links "
                + "WHERE district = ?1 AND provider = ?2 AND user_sourced_id = ?3")
        defer { statement.reset() }
        try statement.bind(district, at: 1)
        try statement.bind(provider, at: 2)
        try statement.bind(userSourcedId, at: 3)
        return try statement.step() ? try Self.link(from: statement) : nil
    }

    /// Returns every link of roster user `userSourcedId` in `district`, for all providers, oldest first.
    public func ssoLinks(district: String, userSourcedId: String) throws -> [StoredSSOLink] {
        try links(district: district, userSourcedId: userSourcedId, provider: nil, order: "created_at, provider")
    }

    /// Stores a new link with `createdAt` as its creation time and no recorded use.
    ///
    /// Throws `SSOLinkConflict` when the district already has a link for the account (`namespace`, `subject`) or
    /// for (`provider`, `userSourcedId`). The check and the insert run in one IMMEDIATE transaction, and the
    /// table's unique keys back them, so of two concurrent inserts with the same account or user only one stores.
    public func insertSSOLink(
        district: String, provider: String, namespace: String, subject: String, userSourcedId: String,
        createdAt: Date = Date()
    ) throws {
        try database.transaction {
            if let existing = try ssoLink(district: district, namespace: namespace, subject: subject) {
                throw SSOLinkConflict(.accountLinked, existing: existing, requestedUser: userSourcedId)
            }
            if let existing = try ssoLink(district: district, provider: provider, userSourcedId: userSourcedId) {
                throw SSOLinkConflict(.userLinked, existing: existing, requestedUser: userSourcedId)
            }
            let insert = try database.prepare(
                "INSERT INTO sso_links (\(Self.linkColumns)) VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL)")
            try insert.bind(district, at: 1)
            try insert.bind(provider, at: 2)
            try insert.bind(namespace, at: 3)
            try insert.bind(subject, at: 4)
            try insert.bind(userSourcedId, at: 5)
            try insert.bind(Self.timestamp(createdAt), at: 6)
            try insert.run()
        }
    }

    /// Records `time` as the last sign-in through the account's link. Returns false when the account has no link.
    @discardableResult
    public func touchSSOLink(district: String, namespace: String, subject: String, at time: Date = Date()) throws
        -> Bool
    {
        let statement = try database.prepare(
            "UPDATE sso_links SET last_used_at = ?4 WHERE district = ?1 AND namespace = ?2 AND subject = ?3")
        try statement.bind(district, at: 1)
        try statement.bind(namespace, at: 2)
        try statement.bind(subject, at: 3)
        try statement.bind(Self.timestamp(time), at: 4)
        try statement.run()
        return database.changes > 0
    }

    /// Deletes every link of roster user `userSourcedId` in `district`, for all providers, and returns how many.
    @discardableResult
    public func deleteSSOLinks(district: String, userSourcedId: String) throws -> Int {
        try deleteSSOLinks(district: district, userSourcedId: userSourcedId, provider: nil).count
    }

    /// Returns the district's links, newest first, narrowed to one user and one provider when those are given.
    public func ssoLinks(district: String, userSourcedId: String?, provider: String?) throws -> [StoredSSOLink] {
        try links(
            district: district, userSourcedId: userSourcedId, provider: provider,
            order: "created_at DESC, provider, subject")
    }

    private func links(district: String, userSourcedId: String?, provider: String?, order: String) throws
        -> [StoredSSOLink]
    {
        let statement = try database.prepare(
            "SELECT \(Self.linkColumns) FROM sso_links WHERE district = ?1 AND (?2 IS NULL OR user_sourced_id = ?2) "
                + "AND (?3 IS NULL OR provider = ?3) ORDER BY \(order)")
        defer { statement.reset() }
        try statement.bind(district, at: 1)
        try statement.bind(userSourcedId, at: 2)
        try statement.bind(provider, at: 3)
        var links: [StoredSSOLink] = []
        while try statement.step() {
            links.append(try Self.link(from: statement))
        }
        return links
    }

    /// Deletes a user's links, for one provider or for all, and returns the deleted links, newest first.
    public func deleteSSOLinks(district: String, userSourcedId: String, provider: String?) throws -> [StoredSSOLink] {
        try database.transaction {
            let links = try ssoLinks(district: district, userSourcedId: userSourcedId, provider: provider)
            let statement = try database.prepare(
                "DELETE FROM sso_links WHERE district = ?1 AND user_sourced_id = ?2 AND (?3 IS NULL OR provider = ?3)")
            try statement.bind(district, at: 1)
            try statement.bind(userSourcedId, at: 2)
            try statement.bind(provider, at: 3)
            try statement.run()
            return links
        }
    }

    private static func link(from statement: Statement) throws -> StoredSSOLink {
        StoredSSOLink(
            district: statement.string(at: 0) ?? "", provider: statement.string(at: 1) ?? "",
            namespace: statement.string(at: 2) ?? "", subject: statement.string(at: 3) ?? "",
            userSourcedId: statement.string(at: 4) ?? "",
            createdAt: try linkDate(statement.string(at: 5), column: "created_at"),
            lastUsedAt: statement.isNull(at: 6) ? nil : try linkDate(statement.string(at: 6), column: "last_used_at"))
    }

    private static func linkDate(_ text: String?, column: String) throws -> Date {
        guard let text, let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        else {
            throw StoreError.invalidStoredValue(
                text ?? "NULL", table: "sso_links", column: column,
                expected: "an ISO 8601 time in UTC with milliseconds")
        }
        return date
    }
}
