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
            let users = try directory.users(district: district, sourcedId: stored.userSourcedId)
            if let user = users.first, users.count == 1 {
                return .linked(user, isNew: false)
            }
            // The linked user left the roster. The other rules must not silently move the account to someone
            // else.
            tried.append("stored link to '\(stored.userSourcedId)', which is no longer in the roster")
            return .rejected(.noLinkedUser(district: district, key: identity.linkKey, tried: tried))
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

    private func save(_ user: RosterUser, identity: UpstreamIdentity, provider: UpstreamProvider) throws
        -> LinkDecision
    {
        let district = provider.district
        // NOTE: the check and the save are separate calls, so two concurrent first logins can race. A persistent
        // store should make (district, key) and (district, providerID, userSourcedId) unique and throw on a clash.
        if try store.link(district: district, providerID: provider.id, userSourcedId: user.sourcedId) != nil {
            return .rejected(.userAlreadyLinked(district: district, user: user.sourcedId, provider: provider.id))
        }
        try store.save(
            StoredLink(
                district: district, providerID: provider.id, key: identity.linkKey, userSourcedId: user.sourcedId))
        return .linked(user, isNew: true)
    }
}
