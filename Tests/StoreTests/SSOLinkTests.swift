import Foundation
import Testing

@testable import Store

/// Builds a store file at schema version 4, the version before account links, with one user row.
private func makeVersion4Store(at path: String) throws {
    let database = try Database(path: path)
    for step in Migrations.steps where step.version <= 4 {
        try database.transaction {
            try step.apply(database)
            try database.execute("PRAGMA user_version = \(step.version)")
        }
    }
    let key = RecordKey.of("u-1")
    try database.execute(
        """
        INSERT INTO "users" (district, "sourcedId", "status", "username", "email", "userIds", key)
        VALUES ('d', 'u-1', 'active', 'Ada', 'Ada@Example.org', '{idp:1}', \(key))
        """)
}

private func tableNames(_ store: SnapshotStore) throws -> Set<String> {
    let statement = try store.database.prepare(
        "SELECT name FROM sqlite_schema WHERE type IN ('table', 'index')", cached: false)
    var names: Set<String> = []
    while try statement.step() {
        if let name = statement.string(at: 0) { names.insert(name) }
    }
    return names
}

private func insert(
    _ store: SnapshotStore, provider: String = "oidc", subject: String, user: String, district: String = "d"
) throws {
    try store.insertSSOLink(
        district: district, provider: provider, namespace: "https://idp.example.net", subject: subject,
        userSourcedId: user, createdAt: Date(timeIntervalSince1970: 1_700_000_000))
}

/// Runs `body` and returns the `SSOLinkConflict` it throws, or nil when it returns.
private func conflict(_ body: () throws -> Void) throws -> SSOLinkConflict? {
    do {
        try body()
        return nil
    } catch let error as SSOLinkConflict {
        return error
    }
}

@Suite struct SSOLinkTests {
    @Test func freshStoreHasLinkTable() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        #expect(try store.database.scalarInt("PRAGMA user_version") == Int64(Migrations.latestVersion))
        let names = try tableNames(store)
        #expect(names.contains("sso_links"))
        // The sign-in lookup indexes come only with `ensureSignInIndexes()`.
        #expect(!names.contains("users_email_lower"))
        #expect(!names.contains("users_username_lower"))
    }

    @Test func version4StoreUpgrades() throws {
        let folder = try TemporaryFolder()
        try makeVersion4Store(at: folder.path())
        let store = try SnapshotStore(path: folder.path())
        #expect(try store.database.scalarInt("PRAGMA user_version") == Int64(Migrations.latestVersion))
        #expect(try tableNames(store).contains("sso_links"))
        // The index built over existing rows finds the user stored before the upgrade.
        #expect(try store.liveUsers(district: "d", email: "ada@example.ORG").map(\.sourcedId) == ["u-1"])
        #expect(try store.liveUsers(district: "d", userIdType: "IDP", value: "1").map(\.sourcedId) == ["u-1"])
    }

    @Test func insertThenFindBothWays() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        try insert(store, subject: "sub-1", user: "u-1")

        let byAccount = try #require(
            try store.ssoLink(district: "d", namespace: "https://idp.example.net", subject: "sub-1"))
        #expect(byAccount.userSourcedId == "u-1")
        #expect(byAccount.provider == "oidc")
        #expect(byAccount.createdAt == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(byAccount.lastUsedAt == nil)
        let byUser = try store.ssoLink(district: "d", provider: "oidc", userSourcedId: "u-1")
        #expect(byUser == byAccount)

        #expect(try store.ssoLink(district: "other", namespace: "https://idp.example.net", subject: "sub-1") == nil)
        #expect(try store.ssoLink(district: "d", namespace: "https://other.example.net", subject: "sub-1") == nil)
        #expect(try store.ssoLink(district: "d", provider: "ldap", userSourcedId: "u-1") == nil)
    }

    @Test func sameAccountTwiceConflicts() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        try insert(store, subject: "sub-1", user: "u-1")

        let error = try #require(try conflict { try insert(store, provider: "google", subject: "sub-1", user: "u-2") })
        #expect(error.code == "store.sso_account_linked")
        #expect(error.isAccountLinked)
        #expect(error.existing.userSourcedId == "u-1")
        #expect(
            error.description
                == "District 'd': the account 'sub-1' at 'https://idp.example.net' is already linked to user 'u-1', "
                + "so it cannot be linked to 'u-2'. Delete the stored link first to move the account")
        #expect(try store.ssoLinks(district: "d", userSourcedId: "u-2").isEmpty)
    }

    @Test func sameUserAndProviderConflicts() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        try insert(store, subject: "sub-1", user: "u-1")

        let error = try #require(try conflict { try insert(store, subject: "sub-2", user: "u-1") })
        #expect(error.code == "store.sso_user_linked")
        #expect(!error.isAccountLinked)
        #expect(error.existing.subject == "sub-1")
        #expect(
            error.description
                == "District 'd': user 'u-1' is already linked to the account 'sub-1' at 'https://idp.example.net' "
                + "for provider 'oidc'. Delete the stored link first to link another account")

        // Another provider may link the same user, and another district the same account.
        try insert(store, provider: "ldap", subject: "sub-3", user: "u-1")
        try insert(store, subject: "sub-1", user: "u-1", district: "e")
        #expect(try store.ssoLinks(district: "d", userSourcedId: "u-1").map(\.provider) == ["ldap", "oidc"])
    }

    @Test func conflictLeavesNoTransactionOpen() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        try insert(store, subject: "sub-1", user: "u-1")
        _ = try conflict { try insert(store, subject: "sub-1", user: "u-2") }
        #expect(!store.database.isInTransaction)
        try insert(store, subject: "sub-2", user: "u-2")
        #expect(try store.database.scalarInt("SELECT count(*) FROM sso_links") == 2)
    }

    @Test func touchRecordsLastUse() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        try insert(store, subject: "sub-1", user: "u-1")
        let used = Date(timeIntervalSince1970: 1_700_000_500)

        #expect(try store.touchSSOLink(district: "d", namespace: "https://idp.example.net", subject: "sub-1", at: used))
        #expect(!(try store.touchSSOLink(district: "d", namespace: "https://idp.example.net", subject: "sub-9")))
        let link = try store.ssoLink(district: "d", namespace: "https://idp.example.net", subject: "sub-1")
        #expect(link?.lastUsedAt == used)
    }

    @Test func listAndDeleteByProvider() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        try insert(store, subject: "sub-1", user: "u-1")
        try insert(store, provider: "ldap", subject: "sub-2", user: "u-1")
        try insert(store, subject: "sub-3", user: "u-2")

        #expect(try store.ssoLinks(district: "d", userSourcedId: nil, provider: nil).count == 3)
        #expect(try store.ssoLinks(district: "d", userSourcedId: "u-1", provider: nil).count == 2)
        #expect(try store.ssoLinks(district: "d", userSourcedId: nil, provider: "ldap").map(\.subject) == ["sub-2"])
        let removed = try store.deleteSSOLinks(district: "d", userSourcedId: "u-1", provider: "ldap")
        #expect(removed.map(\.subject) == ["sub-2"])
        #expect(try store.ssoLinks(district: "d", userSourcedId: "u-1", provider: nil).map(\.subject) == ["sub-1"])
        #expect(try store.deleteSSOLinks(district: "d", userSourcedId: "u-9", provider: nil).isEmpty)
    }

    @Test func deleteRemovesOnlyThatUser() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        try insert(store, subject: "sub-1", user: "u-1")
        try insert(store, provider: "ldap", subject: "sub-2", user: "u-1")
        try insert(store, subject: "sub-3", user: "u-2")
        try insert(store, subject: "sub-1", user: "u-1", district: "e")

        #expect(try store.deleteSSOLinks(district: "d", userSourcedId: "u-1") == 2)
        #expect(try store.deleteSSOLinks(district: "d", userSourcedId: "u-1") == 0)
        #expect(try store.ssoLinks(district: "d", userSourcedId: "u-2").count == 1)
        #expect(try store.ssoLinks(district: "e", userSourcedId: "u-1").count == 1)
        // The account is free again, so it can be linked to another user.
        try insert(store, subject: "sub-1", user: "u-3")
    }

    @Test func damagedTimeIsReported() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        try insert(store, subject: "sub-1", user: "u-1")
        try store.database.execute("UPDATE sso_links SET created_at = 'yesterday'")
        #expect {
            try store.ssoLink(district: "d", provider: "oidc", userSourcedId: "u-1")
        } throws: { error in
            (error as? StoreError)?.code == "store.invalid_stored_value"
                && (error as? StoreError)?.message.contains("'yesterday' in sso_links.created_at") == true
        }
    }
}

@Suite struct SSOLinkConflictTests {
    @Test func sameLinkTwiceConflicts() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        try insert(store, subject: "sub-1", user: "u-1")

        let error = try #require(try conflict { try insert(store, subject: "sub-1", user: "u-1") })
        #expect(error.code == "store.sso_account_linked")
        #expect(
            error.description
                == "District 'd': the account 'sub-1' at 'https://idp.example.net' is already linked to user 'u-1'. "
                + "Look the link up instead of storing it again")
    }
}
