import Foundation
import Synchronization
import Testing

@testable import SSO

/// Returns the folder of one test case, or nil when the case data is absent.
func upstreamCaseFolder(_ name: String) -> URL? {
    let folder = sharedFolder().appendingPathComponent("cases").appendingPathComponent(name)
    return FileManager.default.fileExists(atPath: folder.path) ? folder : nil
}

/// Reads the claims of a case token file: the `payload` member when the file has header and payload, else the
/// whole object.
func caseClaims(_ folder: URL, _ file: String) throws -> [String: JSONValue] {
    let data = try Data(contentsOf: folder.appendingPathComponent(file))
    let object = try #require(try JSONDecoder().decode(JSONValue.self, from: data).objectValue)
    return object["payload"]?.objectValue ?? object
}

/// A roster user with the `userIds` entries that the in-memory directory matches.
struct TestRosterUser {
    var user: RosterUser
    var userIds: [(type: String, value: String)] = []
}

/// A roster held in memory for one district, matching lookups as `RosterDirectory` documents them.
final class InMemoryRosterDirectory: RosterDirectory {
    let district: String
    let users: [TestRosterUser]
    private let lookupCount = Mutex(0)

    init(district: String, users: [TestRosterUser]) {
        self.district = district
        self.users = users
    }

    /// Reads a case's users.csv, whose fields hold no quoted commas, and its `{type:value}` userIds entries.
    convenience init(district: String, usersCSV file: URL) throws {
        let lines = try String(contentsOf: file, encoding: .utf8).split(whereSeparator: \.isNewline)
        let header = try #require(lines.first).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let column = { (name: String) throws -> Int in try #require(header.firstIndex(of: name)) }
        let (sourcedId, username, email, userIds) = try (
            column("sourcedId"), column("username"), column("email"), column("userIds")
        )
        var users: [TestRosterUser] = []
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let user = RosterUser(
                sourcedId: fields[sourcedId], username: fields[username],
                email: fields[email].isEmpty ? nil : fields[email])
            users.append(TestRosterUser(user: user, userIds: Self.parseUserIds(fields[userIds])))
        }
        self.init(district: district, users: users)
    }

    /// Parses `{type:value}` entries. A value may itself contain colons.
    static func parseUserIds(_ field: String) -> [(type: String, value: String)] {
        field.split(separator: "}").compactMap { part in
            let entry: Substring = part.drop { $0 == "{" || $0 == " " || $0 == "," }
            guard let colon = entry.firstIndex(of: ":") else { return nil }
            return (String(entry[..<colon]), String(entry[colon...].dropFirst()))
        }
    }

    /// How many lookups other than by sourcedId ran, so tests can tell that a stored link decided first.
    var ruleLookups: Int { lookupCount.withLock { $0 } }

    private func matching(_ district: String, _ predicate: (TestRosterUser) -> Bool) -> [RosterUser] {
        guard district == self.district else { return [] }
        return users.filter(predicate).map(\.user)
    }

    func users(district: String, sourcedId: String) throws -> [RosterUser] {
        matching(district) { $0.user.sourcedId == sourcedId }
    }

    func users(district: String, userIdType: String, value: String) throws -> [RosterUser] {
        lookupCount.withLock { $0 += 1 }
        return matching(district) { user in
            user.userIds.contains { $0.type.lowercased() == userIdType.lowercased() && $0.value == value }
        }
    }

    func users(district: String, email: String) throws -> [RosterUser] {
        lookupCount.withLock { $0 += 1 }
        return matching(district) { $0.user.email?.lowercased() == email.lowercased() }
    }

    func users(district: String, username: String) throws -> [RosterUser] {
        lookupCount.withLock { $0 += 1 }
        return matching(district) { $0.user.username.lowercased() == username.lowercased() }
    }
}

/// Links held in memory.
final class InMemoryLinkStore: LinkStore {
    private let links = Mutex<[StoredLink]>([])

    /// Every saved link, in the order saved.
    var all: [StoredLink] { links.withLock { $0 } }

    func link(district: String, key: LinkKey) throws -> StoredLink? {
        links.withLock { $0.first { $0.district == district && $0.key == key } }
    }

    func link(district: String, providerID: String, userSourcedId: String) throws -> StoredLink? {
        links.withLock { links in
            links.first { $0.district == district && $0.providerID == providerID && $0.userSourcedId == userSourcedId }
        }
    }

    func save(_ link: StoredLink) throws {
        links.withLock { $0.append(link) }
    }

    /// Links of one roster user.
    func links(of userSourcedId: String) -> [StoredLink] {
        all.filter { $0.userSourcedId == userSourcedId }
    }
}

/// Returns the user a decision signs in as and whether the link is new, or nil when it was rejected.
func linkedUser(_ decision: LinkDecision) -> (sourcedId: String, isNew: Bool)? {
    guard case .linked(let user, let isNew) = decision else { return nil }
    return (user.sourcedId, isNew)
}

/// Returns the error of a rejected decision, or nil when it linked.
func rejection(_ decision: LinkDecision) -> UpstreamError? {
    guard case .rejected(let error) = decision else { return nil }
    return error
}

/// Runs `body` and returns the `UpstreamError` it throws, or nil when it returns or throws another error.
func upstreamError(_ body: () throws -> Void) -> UpstreamError? {
    do {
        try body()
        return nil
    } catch let error as UpstreamError {
        return error
    } catch {
        Issue.record("Expected an UpstreamError, got \(error)")
        return nil
    }
}
