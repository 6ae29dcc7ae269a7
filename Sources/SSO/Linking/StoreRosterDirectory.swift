import Store

/// The live users of the districts in the snapshot store, for account linking.
///
/// E-mail and username lookups use the store's indexes and ignore the case of ASCII letters only. A `userIds`
/// lookup reads every user row of the district.
public final class StoreRosterDirectory: RosterDirectory {
    private let connection: SharedStoreConnection

    /// Opens the store file at `path` with one connection that all callers share.
    /// Opens the store at `path` and, unless `makesIndexes` is false, makes its sign-in lookup indexes when they are
    /// missing. Without them the e-mail and username lookups read every user of the district.
    public init(path: String, makesIndexes: Bool = true) throws {
        connection = try SharedStoreConnection(path: path)
        if makesIndexes {
            try connection.withStore { try $0.ensureSignInIndexes() }
        }
    }

    public func users(district: String, sourcedId: String) throws -> [RosterUser] {
        try connection.withStore { try $0.liveUsers(district: district, sourcedId: sourcedId).map(Self.user) }
    }

    public func users(district: String, userIdType: String, value: String) throws -> [RosterUser] {
        try connection.withStore {
            try $0.liveUsers(district: district, userIdType: userIdType, value: value).map(Self.user)
        }
    }

    public func users(district: String, email: String) throws -> [RosterUser] {
        try connection.withStore { try $0.liveUsers(district: district, email: email).map(Self.user) }
    }

    public func users(district: String, username: String) throws -> [RosterUser] {
        try connection.withStore { try $0.liveUsers(district: district, username: username).map(Self.user) }
    }

    private static func user(_ summary: RosterUserSummary) -> RosterUser {
        RosterUser(sourcedId: summary.sourcedId, username: summary.username, email: summary.email)
    }
}
