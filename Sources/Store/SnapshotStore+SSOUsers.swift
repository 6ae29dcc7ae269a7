/// The fields of a live roster user that sign-in linking reads.
public struct RosterUserSummary: Sendable, Hashable {
    /// The user's `sourcedId`.
    public var sourcedId: String
    /// The roster username, empty when the stored record has none.
    public var username: String
    /// The roster e-mail address, or nil when it is empty.
    public var email: String?

    /// Creates a summary.
    public init(sourcedId: String, username: String, email: String?) {
        self.sourcedId = sourcedId
        self.username = username
        self.email = email
    }
}

/// Roster lookups for sign-in. Each returns every live user of the district that matches, in sourcedId order, so a
/// caller can reject a value that several users share. A live user is one whose `status` is not 'tobedeleted'.
extension SnapshotStore {
    /// The condition of the partial user indexes of schema version 5: a query must repeat it to use them.
    private static let liveUser = "\"status\" IS NOT 'tobedeleted'"
    private static let summaryColumns = "\"sourcedId\", \"username\", \"email\""

    /// Returns the live user with this `sourcedId`, as a list of zero or one users.
    public func liveUsers(district: String, sourcedId: String) throws -> [RosterUserSummary] {
        let statement = try database.prepare(
            "SELECT \(Self.summaryColumns) FROM \"users\" "
                + "WHERE key = ?3 AND district = ?1 AND \"sourcedId\" = ?2 AND \(Self.liveUser)")
        try statement.bind(district, at: 1)
        try statement.bind(sourcedId, at: 2)
        try statement.bind(RecordKey.of(sourcedId), at: 3)
        return try Self.summaries(statement)
    }

    /// Makes the users table's sign-in lookup indexes when they are missing: live users by district and lower-case
    /// e-mail or username. Stores without single sign-on never get them, so their syncs do not maintain them.
    /// Building them reads every user once, about a second per million users.
    public func ensureSignInIndexes() throws {
        try database.execute(EntityTable.of(.users).createLookupIndexes)
    }

    /// Returns the live users whose e-mail address equals `email`, ignoring the case of ASCII letters.
    ///
    /// Uses the `users_email_lower` index when `ensureSignInIndexes()` made it. SQLite's `lower()` folds ASCII only, so 'É' and 'é' differ here.
    public func liveUsers(district: String, email: String) throws -> [RosterUserSummary] {
        let statement = try database.prepare(Self.caseInsensitiveLookup(column: "email"))
        try statement.bind(district, at: 1)
        try statement.bind(email, at: 2)
        return try Self.summaries(statement)
    }

    /// Returns the live users whose username equals `username`, ignoring the case of ASCII letters.
    ///
    /// Uses the `users_username_lower` index. SQLite's `lower()` folds ASCII only, so 'É' and 'é' differ here.
    public func liveUsers(district: String, username: String) throws -> [RosterUserSummary] {
        let statement = try database.prepare(Self.caseInsensitiveLookup(column: "username"))
        try statement.bind(district, at: 1)
        try statement.bind(username, at: 2)
        return try Self.summaries(statement)
    }

    /// Returns the live users with a `userIds` entry `{type:value}` whose type equals `type` ignoring case and whose
    /// value equals `value` exactly.
    ///
    /// Only well-formed `{type:value}` entries match: the first colon ends the type, so a value may contain colons.
    /// NOTE: no index covers entries inside the list, so this reads every user row of the district. SQLite drops
    /// rows without the text `:value}` before Swift parses the rest.
    public func liveUsers(district: String, userIdType type: String, value: String) throws -> [RosterUserSummary] {
        // An entry ends at the first '}', so a value that is empty or contains a brace cannot be stored in one.
        guard !type.isEmpty, !value.isEmpty, !value.contains("{"), !value.contains("}") else { return [] }
        let statement = try database.prepare(
            "SELECT \(Self.summaryColumns), \"userIds\" FROM \"users\" "
                + "WHERE district = ?1 AND instr(\"userIds\", ?2) > 0 AND \(Self.liveUser) ORDER BY \"sourcedId\"")
        defer { statement.reset() }
        try statement.bind(district, at: 1)
        try statement.bind(":" + value + "}", at: 2)
        let lowercasedType = type.lowercased()
        var users: [RosterUserSummary] = []
        while try statement.step() {
            let entries = UserIdEntries.parse(statement.string(at: 3) ?? "")
            if entries.contains(where: { $0.value == value && $0.type.lowercased() == lowercasedType }) {
                users.append(Self.summary(statement))
            }
        }
        return users
    }

    /// Parameters: ?1 district, ?2 the value. The expression and the condition match the partial index exactly.
    static func caseInsensitiveLookup(column: String) -> String {
        "SELECT \(summaryColumns) FROM \"users\" WHERE district = ?1 AND lower(\"\(column)\") = lower(?2) "
            + "AND \(liveUser) ORDER BY \"sourcedId\""
    }

    private static func summaries(_ statement: Statement) throws -> [RosterUserSummary] {
        defer { statement.reset() }
        var users: [RosterUserSummary] = []
        while try statement.step() {
            users.append(summary(statement))
        }
        return users
    }

    private static func summary(_ statement: Statement) -> RosterUserSummary {
        let email = statement.string(at: 2)
        return RosterUserSummary(
            sourcedId: statement.string(at: 0) ?? "", username: statement.string(at: 1) ?? "",
            email: email?.isEmpty == false ? email : nil)
    }
}

/// The `{type:value}` entries of a stored `userIds` field.
enum UserIdEntries {
    /// Returns the well-formed entries of `field`, in order.
    ///
    /// Entries are `{type:value}` tokens separated by commas and optional spaces. The type is the text before the
    /// first colon and must not be empty, and so must the value. Text outside braces, a token without a colon and
    /// an unclosed brace are skipped, because the validator reports them and stores the field as given.
    static func parse(_ field: String) -> [(type: Substring, value: Substring)] {
        var entries: [(type: Substring, value: Substring)] = []
        var rest = field[...]
        while let open = rest.firstIndex(of: "{") {
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(of: "}") else { break }
            let token = rest[afterOpen..<close]
            rest = rest[rest.index(after: close)...]
            // A '{' inside the token means the earlier one was never closed: start again from the later one.
            if let reopened = token.lastIndex(of: "{") {
                let inner = token[token.index(after: reopened)...]
                if let entry = entry(of: inner) { entries.append(entry) }
                continue
            }
            if let entry = entry(of: token) { entries.append(entry) }
        }
        return entries
    }

    private static func entry(of token: Substring) -> (type: Substring, value: Substring)? {
        guard let colon = token.firstIndex(of: ":") else { return nil }
        let type = token[..<colon]
        let value = token[token.index(after: colon)...]
        guard !type.isEmpty, !value.isEmpty else { return nil }
        return (type, value)
    }
}
