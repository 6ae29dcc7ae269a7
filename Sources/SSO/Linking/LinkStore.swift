/// A stored link from an upstream account to a roster user.
public struct StoredLink: Sendable, Hashable {
    /// The district whose roster user is linked.
    public let district: String
    /// The id of the provider configuration the account signs in with.
    public let providerID: String
    /// The upstream account's key.
    public let key: LinkKey
    /// The linked roster user's `sourcedId`.
    public let userSourcedId: String

    /// Creates a link.
    public init(district: String, providerID: String, key: LinkKey, userSourcedId: String) {
        self.district = district
        self.providerID = providerID
        self.key = key
        self.userSourcedId = userSourcedId
    }
}

/// Storage for links between upstream accounts and roster users.
public protocol LinkStore: Sendable {
    /// Returns the link of the upstream account `key` in `district`, or nil.
    func link(district: String, key: LinkKey) throws -> StoredLink?
    /// Returns the link of roster user `userSourcedId` for provider `providerID`, or nil.
    func link(district: String, providerID: String, userSourcedId: String) throws -> StoredLink?
    /// Saves a new link.
    func save(_ link: StoredLink) throws
}
