import Foundation
import OneRoster
import Testing

@testable import Store

private func user(
    _ sourcedId: String, username: String, email: String? = nil, userIds: String? = nil, status: String = "active"
) -> Record {
    var record = makeUser(sourcedId)
    record["username"] = username
    record["email"] = email
    record["userIds"] = userIds
    record["status"] = status
    return record
}

/// Creates a store with one district of users for lookups, and one user with the same values in another district.
private func makeRosterStore(_ folder: TemporaryFolder) throws -> SnapshotStore {
    let store = try SnapshotStore(path: folder.path())
    let rosters: [String: [Record]] = [
        "d": [
            user("u-1", username: "ada.finch", email: "Ada.Finch@Example.org", userIds: "{idp:77}"),
            user("u-2", username: "bo", email: "shared@example.org", userIds: "{idp:770},{IdP:a:b}"),
            user("u-3", username: "BO", email: "SHARED@example.org", userIds: "{sis:77},{ idp:x}"),
            user("u-4", username: "gone", email: "gone@example.org", userIds: "{idp:9}", status: "tobedeleted"),
            user("u-5", username: "cy", userIds: "{idp:5}{idp:6},idp:7,{idp:8"),
        ],
        "e": [user("u-1", username: "ada.finch", email: "ada.finch@example.org", userIds: "{idp:77}")],
    ]
    for (district, users) in rosters.sorted(by: { $0.key < $1.key }) {
        let run = try store.beginRun(district: district, kind: .sync)
        let writer = try store.writeSnapshot(district: district, runId: run)
        try writer.replaceEntity(.users)
        for record in users { try writer.upsert(record) }
        try writer.commit()
    }
    return store
}

/// Returns the detail column of SQLite's query plan for `sql` with its parameters bound.
private func queryPlan(_ store: SnapshotStore, _ sql: String, _ values: [String]) throws -> [String] {
    let statement = try store.database.prepare("EXPLAIN QUERY PLAN " + sql, cached: false)
    for (index, value) in values.enumerated() { try statement.bind(value, at: Int32(index + 1)) }
    var details: [String] = []
    while try statement.step() {
        details.append(statement.string(at: 3) ?? "")
    }
    return details
}

@Suite struct SSOUserLookupTests {
    @Test func sourcedIdFindsLiveUserOnly() throws {
        let folder = try TemporaryFolder()
        let store = try makeRosterStore(folder)
        #expect(
            try store.liveUsers(district: "d", sourcedId: "u-1")
                == [RosterUserSummary(sourcedId: "u-1", username: "ada.finch", email: "Ada.Finch@Example.org")])
        #expect(try store.liveUsers(district: "d", sourcedId: "U-1").isEmpty)
        #expect(try store.liveUsers(district: "d", sourcedId: "u-4").isEmpty)
        #expect(try store.liveUsers(district: "x", sourcedId: "u-1").isEmpty)
        #expect(try store.liveUsers(district: "d", sourcedId: "u-5").first?.email == nil)
    }

    @Test func emailIgnoresCase() throws {
        let folder = try TemporaryFolder()
        let store = try makeRosterStore(folder)
        #expect(try store.liveUsers(district: "d", email: "ada.finch@example.ORG").map(\.sourcedId) == ["u-1"])
        #expect(try store.liveUsers(district: "e", email: "ADA.FINCH@example.org").map(\.sourcedId) == ["u-1"])
        #expect(try store.liveUsers(district: "d", email: "Shared@Example.org").map(\.sourcedId) == ["u-2", "u-3"])
        #expect(try store.liveUsers(district: "d", email: "gone@example.org").isEmpty)
        #expect(try store.liveUsers(district: "d", email: "ada.finch@example.or").isEmpty)
        #expect(try store.liveUsers(district: "d", email: "").isEmpty)
    }

    @Test func usernameIgnoresCase() throws {
        let folder = try TemporaryFolder()
        let store = try makeRosterStore(folder)
        #expect(try store.liveUsers(district: "d", username: "Ada.Finch").map(\.sourcedId) == ["u-1"])
        #expect(try store.liveUsers(district: "d", username: "bo").map(\.sourcedId) == ["u-2", "u-3"])
        #expect(try store.liveUsers(district: "d", username: "GONE").isEmpty)
        #expect(try store.liveUsers(district: "d", username: "ada").isEmpty)
    }

    @Test(
        "userIds entry matches exactly",
        arguments: [
            ("idp", "77", ["u-1"]),
            ("IDP", "77", ["u-1"]),
            ("idp", "770", ["u-2"]),
            ("idp", "7", []),
            ("sis", "77", ["u-3"]),
            ("idp", "a:b", ["u-2"]),
            ("idp", "b", []),
            (" idp", "x", ["u-3"]),
            ("idp", "x", []),
            ("idp", "9", []),
            ("idp", "5", ["u-5"]),
            ("idp", "6", ["u-5"]),
            ("idp", "7}", []),
            ("idp", "", []),
            ("", "77", []),
        ])
    func userIdsMatchExactly(type: String, value: String, expected: [String]) throws {
        let folder = try TemporaryFolder()
        let store = try makeRosterStore(folder)
        #expect(try store.liveUsers(district: "d", userIdType: type, value: value).map(\.sourcedId) == expected)
    }

    @Test func userIdEntriesParse() {
        let parsed = { (field: String) in UserIdEntries.parse(field).map { "\($0.type)=\($0.value)" } }
        #expect(parsed("{idp:77}") == ["idp=77"])
        #expect(parsed("{a:1}, {b:2:3}") == ["a=1", "b=2:3"])
        #expect(parsed("{a:1,2},{b:3}") == ["a=1,2", "b=3"])
        #expect(parsed("{a:1") == [])
        #expect(parsed("{a:{b:2}") == ["b=2"])
        #expect(parsed("a:1,{:2},{b:},{c}") == [])
        #expect(parsed("") == [])
    }

    @Test func bulkLoadKeepsOnlyWantedIndexes() throws {
        func load(_ store: SnapshotStore) throws {
            let run = try store.beginRun(district: "d", kind: .sync)
            let writer = try store.writeSnapshot(district: "d", runId: run)
            try writer.replaceEntity(.users)
            try writer.upsert(user("u-1", username: "ada", email: "ada@example.org"))
            try writer.commit()
        }
        func indexes(_ store: SnapshotStore) throws -> Int64? {
            try store.database.scalarInt(
                "SELECT count(*) FROM sqlite_master WHERE name IN ('users_email_lower', 'users_username_lower')")
        }
        let plainFolder = try TemporaryFolder()
        let plain = try SnapshotStore(path: plainFolder.path())
        try load(plain)
        #expect(try indexes(plain) == 0, "a store without sign-in gets no lookup indexes")

        let signingInFolder = try TemporaryFolder()
        let signingIn = try SnapshotStore(path: signingInFolder.path())
        try signingIn.ensureSignInIndexes()
        try load(signingIn)
        try load(signingIn)
        #expect(try indexes(signingIn) == 2, "a bulk load rebuilds the lookup indexes it dropped")
        #expect(try signingIn.liveUsers(district: "d", email: "ADA@example.org").map(\.sourcedId) == ["u-1"])
    }

    @Test func lookupsUseIndexes() throws {
        let folder = try TemporaryFolder()
        let store = try makeRosterStore(folder)
        try store.ensureSignInIndexes()
        let email = try queryPlan(store, SnapshotStore.caseInsensitiveLookup(column: "email"), ["d", "a@example.org"])
        #expect(email.contains { $0.contains("USING INDEX users_email_lower") }, "plan: \(email)")
        #expect(!email.contains { $0.hasPrefix("SCAN") }, "plan: \(email)")
        let username = try queryPlan(store, SnapshotStore.caseInsensitiveLookup(column: "username"), ["d", "ada"])
        #expect(username.contains { $0.contains("USING INDEX users_username_lower") }, "plan: \(username)")
        #expect(!username.contains { $0.hasPrefix("SCAN") }, "plan: \(username)")
    }
}
