/// Decides which roster user a checked login signs in as, and stores the link the first time.
///
/// The rules run in a fixed order, and the first one that finds a user decides. A stored link comes first, then a
/// `userIds` entry that contains the subject, then the configured username claim (members only), and last a
/// verified e-mail when the provider is trusted for it. A rule that finds several users rejects the login rather
/// than guessing, and guests sign in only through a stored link.
public struct AccountLinker: Sendable {
    private let directory: any RosterDirectory
    private let store: any LinkStore

    /// Creates a linker over a roster and a link store.
    public init(directory: any RosterDirectory, store: any LinkStore) {
        self.directory = directory
        self.store = store
    }

    /// Links `identity` to a roster user of `provider`'s district.
    ///
    /// Returns `.rejected` with `sso.guest_not_linked`, `sso.ambiguous_user`, `sso.no_linked_user` or
    /// `sso.user_already_linked`, and saves no link then. Throws only what the directory or the store throws.
    public func link(_ identity: UpstreamIdentity, provider: UpstreamProvider) throws -> LinkDecision {
        let district = provider.district
        var tried: [String] = []

        if let stored = try store.link(district: district, key: identity.linkKey) {
            return try decide(by: stored, identity: identity)
        }
        tried.append("stored link")

        if identity.isGuest {
            return .rejected(
                .guestNotLinked(district: district, subject: identity.subject, homeIssuer: identity.homeIssuer))
        }

        for rule in rules(for: identity, settings: provider.linking) {
            tried.append(rule.label)
            let candidates = try rule.lookup(directory, district)
            if candidates.count > 1 {
                return .rejected(
                    .ambiguousUser(district: district, count: candidates.count, rule: rule.label, value: rule.value))
            }
            if let user = candidates.first {
                return try save(user, identity: identity, provider: provider)
            }
        }
        return .rejected(.noLinkedUser(district: district, key: identity.linkKey, tried: tried))
    }

    /// Returns the decision of an account that has a stored link: the linked user, or a rejection when that user
    /// left the roster. The other rules must not silently move the account to someone else.
    private func decide(by stored: StoredLink, identity: UpstreamIdentity) throws -> LinkDecision {
        let users = try directory.users(district: stored.district, sourcedId: stored.userSourcedId)
        if let user = users.first, users.count == 1 {
            return .linked(user, isNew: false)
        }
        let tried = ["stored link to '\(stored.userSourcedId)', which is no longer in the roster"]
        return .rejected(.noLinkedUser(district: stored.district, key: identity.linkKey, tried: tried))
    }

    /// Saves the link of a first login.
    ///
    /// Another login can store a clashing link between the check and the save. A store with unique keys then
    /// throws, and the link stored first decides: the account's own link signs in as its user, and a link of
    /// the user to another account rejects this one. An error that no stored link explains is rethrown.
    private func save(_ user: RosterUser, identity: UpstreamIdentity, provider: UpstreamProvider) throws
        -> LinkDecision
    {
        let district = provider.district
        if let existing = try store.link(district: district, providerID: provider.id, userSourcedId: user.sourcedId) {
            // A concurrent first login of the same account may have stored this very link since the lookup.
            if existing.key == identity.linkKey {
                return try decide(by: existing, identity: identity)
            }
            return .rejected(.userAlreadyLinked(district: district, user: user.sourcedId, provider: provider.id))
        }
        do {
            try store.save(
                StoredLink(
                    district: district, providerID: provider.id, key: identity.linkKey, userSourcedId: user.sourcedId))
        } catch {
            if let winner = try? store.link(district: district, key: identity.linkKey) {
                return try decide(by: winner, identity: identity)
            }
            let userLink = try? store.link(district: district, providerID: provider.id, userSourcedId: user.sourcedId)
            if userLink != nil {
                return .rejected(.userAlreadyLinked(district: district, user: user.sourcedId, provider: provider.id))
            }
            throw error
        }
        return .linked(user, isNew: true)
    }
}
