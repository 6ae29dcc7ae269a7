/// A roster user that a login can be linked to.
public struct RosterUser: Sendable, Hashable {
    /// The user's OneRoster `sourcedId`.
    public let sourcedId: String
    /// The roster username.
    public let username: String
    /// The roster e-mail address, when the roster has one.
    public let email: String?

    /// Creates a roster user.
    public init(sourcedId: String, username: String, email: String? = nil) {
        self.sourcedId = sourcedId
        self.username = username
        self.email = email
    }
}

/// The roster lookups that account linking needs, each limited to one district's users.
///
/// Each method returns every matching user, so that the linker can reject a login that several users match.
public protocol RosterDirectory: Sendable {
    /// Returns the user with this `sourcedId`, as a list of zero or one users.
    func users(district: String, sourcedId: String) throws -> [RosterUser]
    /// Returns the users with a `userIds` entry of this type and value. Types compare ignoring case, values exactly.
    func users(district: String, userIdType: String, value: String) throws -> [RosterUser]
    /// Returns the users with this e-mail address, ignoring case.
    func users(district: String, email: String) throws -> [RosterUser]
    /// Returns the users with this username, ignoring case.
    func users(district: String, username: String) throws -> [RosterUser]
}
