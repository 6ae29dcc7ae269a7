import Foundation
import Store

/// Links between upstream accounts and roster users, kept in the `sso_links` table of the snapshot store.
///
/// `save` throws `SSOLinkConflict` when the district already has a link for the account or for the provider and
/// user, so of two concurrent first logins only one stores its link.
public final class StoreLinkStore: LinkStore {
    private let connection: SharedStoreConnection

    /// Opens the store file at `path` with one connection that all callers share.
    public init(path: String) throws {
        connection = try SharedStoreConnection(path: path)
    }

    public func link(district: String, key: LinkKey) throws -> StoredLink? {
        try connection.withStore { store in
            try store.ssoLink(district: district, namespace: key.namespace, subject: key.subject).map(Self.link)
        }
    }

    public func link(district: String, providerID: String, userSourcedId: String) throws -> StoredLink? {
        try connection.withStore { store in
            try store.ssoLink(district: district, provider: providerID, userSourcedId: userSourcedId).map(Self.link)
        }
    }

    /// Stores a new link, or throws `SSOLinkConflict` when it clashes with a stored one.
    public func save(_ link: StoredLink) throws {
        try connection.withStore { store in
            try store.insertSSOLink(
                district: link.district, provider: link.providerID, namespace: link.key.namespace,
                subject: link.key.subject, userSourcedId: link.userSourcedId)
        }
    }

    /// Records `time` as the last sign-in through the link of `key`. Returns false when the account has no link.
    ///
    /// The linker does not call this. Call it after a `.linked` decision, and log a failure instead of failing the
    /// login, because the write waits while a sync holds the store's write lock.
    @discardableResult
    public func recordUse(district: String, key: LinkKey, at time: Date = Date()) throws -> Bool {
        try connection.withStore { store in
            try store.touchSSOLink(district: district, namespace: key.namespace, subject: key.subject, at: time)
        }
    }

    /// Deletes every link of roster user `userSourcedId` in `district` and returns how many there were.
    @discardableResult
    public func deleteLinks(district: String, userSourcedId: String) throws -> Int {
        try connection.withStore { store in
            try store.deleteSSOLinks(district: district, userSourcedId: userSourcedId)
        }
    }

    private static func link(_ row: StoredSSOLink) -> StoredLink {
        StoredLink(
            district: row.district, providerID: row.provider,
            key: LinkKey(namespace: row.namespace, subject: row.subject), userSourcedId: row.userSourcedId)
    }
}
