import Foundation
import Store
import Synchronization
import Testing

@testable import SSO

private let issuer = "https://idp.example.net"

private func provider(_ linking: LinkingSettings, id: String = "lark-oidc") throws -> UpstreamProvider {
    try UpstreamProvider(id: id, district: "lark", kind: .oidc(issuer: issuer), linking: linking)
}

private func identity(subject: String, email: String? = nil, provider: UpstreamProvider) throws -> UpstreamIdentity {
    var claims: [String: JSONValue] = ["iss": .string(issuer), "sub": .string(subject)]
    if let email {
        claims["email"] = .string(email)
        claims["email_verified"] = .bool(true)
    }
    return try UpstreamIdentity.from(claims: claims, provider: provider)
}

/// Three teachers of district 'lark', two of whom share an e-mail address, and one removed teacher.
private func larkRoster(_ file: LinkingStoreFile) throws {
    try file.commitUsers(
        district: "lark",
        [
            rosterRecord("t-1", username: "ada.finch", email: "Ada.Finch@lark.example.org", userIds: "{idp:77}"),
            rosterRecord("t-2", username: "bo.finch", email: "shared@lark.example.org", userIds: "{idp:770}"),
            rosterRecord("t-3", username: "cy.finch", email: "SHARED@lark.example.org"),
            rosterRecord(
                "t-4", username: "di.finch", email: "di@lark.example.org", userIds: "{idp:44}", status: "tobedeleted"),
        ])
}

@Suite struct LinkingStoreTests {
    @Test(
        "Subject link without e-mail over SQLite",
        .enabled(if: upstreamCaseFolder("B04") != nil, "the shared case folder B04 is absent"))
    func caseUserIdsLinkOverSQLite() throws {
        let folder = try #require(upstreamCaseFolder("B04"))
        let file = try LinkingStoreFile()
        try file.commitUsers(district: "larkspur", csv: folder.appendingPathComponent("users.csv"))
        let provider = try UpstreamProvider(
            id: "lms-oidc", district: "larkspur", kind: .oidc(issuer: issuer),
            linking: LinkingSettings(trustEmail: true, userIdsType: "idp"))
        let store = try StoreLinkStore(path: file.path)
        let linker = AccountLinker(directory: try StoreRosterDirectory(path: file.path), store: store)

        let pip = try UpstreamIdentity.from(claims: caseClaims(folder, "id_token_claims_u401.json"), provider: provider)
        let first = try linker.link(pip, provider: provider)
        #expect(linkedUser(first)?.sourcedId == "u-401")
        #expect(linkedUser(first)?.isNew == true)

        // The link is in the file, so a new process (new connections) finds it before any rule runs.
        let reopened = try SnapshotStore(path: file.path)
        let row = try #require(try reopened.ssoLink(district: "larkspur", namespace: issuer, subject: "77c1-0401"))
        #expect(row.userSourcedId == "u-401")
        #expect(row.provider == "lms-oidc")
        let again = try AccountLinker(
            directory: try StoreRosterDirectory(path: file.path), store: try StoreLinkStore(path: file.path)
        ).link(pip, provider: provider)
        #expect(linkedUser(again)?.sourcedId == "u-401")
        #expect(linkedUser(again)?.isNew == false)

        let unknown = try UpstreamIdentity.from(
            claims: caseClaims(folder, "id_token_claims_unknown.json"), provider: provider)
        let error = try #require(rejection(try linker.link(unknown, provider: provider)))
        #expect(error.code == "sso.no_linked_user")
        #expect(
            error.message
                == "District 'larkspur': no linked roster user for subject '99zz-0000' at 'https://idp.example.net' "
                + "(tried: stored link, userIds entry 'idp'). An administrator can add a userIds entry with this "
                + "subject to the user's roster record")
        #expect(try reopened.ssoLinks(district: "larkspur", userSourcedId: "u-402").isEmpty)
        #expect(try reopened.database.scalarInt("SELECT count(*) FROM sso_links") == 1)
    }

    @Test func userIdsValueMustMatchWhole() throws {
        let file = try LinkingStoreFile()
        try larkRoster(file)
        let provider = try provider(LinkingSettings(userIdsType: "IDP"))
        let linker = AccountLinker(
            directory: try StoreRosterDirectory(path: file.path), store: try StoreLinkStore(path: file.path))

        #expect(
            linkedUser(try linker.link(try identity(subject: "77", provider: provider), provider: provider))?
                .sourcedId == "t-1")
        #expect(
            linkedUser(try linker.link(try identity(subject: "770", provider: provider), provider: provider))?
                .sourcedId == "t-2")
        let partial = try #require(
            rejection(try linker.link(try identity(subject: "7", provider: provider), provider: provider)))
        #expect(partial.code == "sso.no_linked_user")
    }

    @Test func emailAndUsernameIgnoreCase() throws {
        let file = try LinkingStoreFile()
        try larkRoster(file)
        let directory = try StoreRosterDirectory(path: file.path)
        #expect(try directory.users(district: "lark", email: "ada.FINCH@LARK.example.org").map(\.sourcedId) == ["t-1"])
        #expect(try directory.users(district: "lark", username: "BO.Finch").map(\.sourcedId) == ["t-2"])
        #expect(
            try directory.users(district: "lark", sourcedId: "t-1")
                == [RosterUser(sourcedId: "t-1", username: "ada.finch", email: "Ada.Finch@lark.example.org")])

        let provider = try provider(LinkingSettings(trustEmail: true))
        let decision = try AccountLinker(directory: directory, store: try StoreLinkStore(path: file.path))
            .link(
                try identity(subject: "sub-1", email: "ADA.finch@lark.example.org", provider: provider),
                provider: provider)
        #expect(linkedUser(decision)?.sourcedId == "t-1")
    }

    @Test func sharedEmailIsAmbiguous() throws {
        let file = try LinkingStoreFile()
        try larkRoster(file)
        let provider = try provider(LinkingSettings(trustEmail: true))
        let store = try StoreLinkStore(path: file.path)
        let decision = try AccountLinker(directory: try StoreRosterDirectory(path: file.path), store: store)
            .link(
                try identity(subject: "sub-1", email: "Shared@lark.example.org", provider: provider),
                provider: provider)
        let error = try #require(rejection(decision))
        #expect(error.code == "sso.ambiguous_user")
        #expect(error.message.hasPrefix("District 'lark': 2 roster users match verified e-mail"))
        #expect(try store.link(district: "lark", key: LinkKey(namespace: issuer, subject: "sub-1")) == nil)
    }

    @Test func tombstonedUserNotFound() throws {
        let file = try LinkingStoreFile()
        try larkRoster(file)
        let directory = try StoreRosterDirectory(path: file.path)
        #expect(try directory.users(district: "lark", sourcedId: "t-4").isEmpty)
        #expect(try directory.users(district: "lark", email: "di@lark.example.org").isEmpty)
        #expect(try directory.users(district: "lark", username: "di.finch").isEmpty)
        #expect(try directory.users(district: "lark", userIdType: "idp", value: "44").isEmpty)

        // A stored link to a user who was removed later rejects the login instead of moving the account.
        let store = try StoreLinkStore(path: file.path)
        let provider = try provider(LinkingSettings(trustEmail: true, userIdsType: "idp"))
        let removed = try identity(subject: "44", provider: provider)
        try store.save(
            StoredLink(district: "lark", providerID: provider.id, key: removed.linkKey, userSourcedId: "t-4"))
        let error = try #require(
            rejection(try AccountLinker(directory: directory, store: store).link(removed, provider: provider)))
        #expect(error.code == "sso.no_linked_user")
        #expect(error.message.contains("stored link to 't-4', which is no longer in the roster"))
    }

    @Test func lateSameLinkSignsIn() throws {
        let file = try LinkingStoreFile()
        try larkRoster(file)
        let provider = try provider(LinkingSettings(userIdsType: "idp"))
        let store = try StoreLinkStore(path: file.path)
        let pip = try identity(subject: "77", provider: provider)
        // The other login stored the same link after this one looked.
        try store.save(StoredLink(district: "lark", providerID: provider.id, key: pip.linkKey, userSourcedId: "t-1"))

        let late = LateLinkStore(store, hiding: 2)
        let decision = try AccountLinker(directory: try StoreRosterDirectory(path: file.path), store: late)
            .link(pip, provider: provider)
        #expect(linkedUser(decision)?.sourcedId == "t-1")
        #expect(linkedUser(decision)?.isNew == false)
    }

    @Test func lateUserLinkRejects() throws {
        let file = try LinkingStoreFile()
        try larkRoster(file)
        let provider = try provider(LinkingSettings(userIdsType: "idp"))
        let store = try StoreLinkStore(path: file.path)
        // Another account of the same provider was linked to t-1 after this login looked.
        try store.save(
            StoredLink(
                district: "lark", providerID: provider.id, key: LinkKey(namespace: issuer, subject: "other"),
                userSourcedId: "t-1"))

        let late = LateLinkStore(store, hiding: 2)
        let decision = try AccountLinker(directory: try StoreRosterDirectory(path: file.path), store: late)
            .link(try identity(subject: "77", provider: provider), provider: provider)
        let error = try #require(rejection(decision))
        #expect(error.code == "sso.user_already_linked")
        #expect(error.message.contains("'t-1'"))
        #expect(try store.link(district: "lark", key: LinkKey(namespace: issuer, subject: "77")) == nil)
    }

    @Test func concurrentFirstLoginsStoreOneLink() throws {
        let file = try LinkingStoreFile()
        let accounts = 40
        try file.commitUsers(
            district: "lark",
            (0..<accounts).map { rosterRecord("t-\($0)", username: "user\($0)", userIds: "{idp:s-\($0)}") })
        let provider = try provider(LinkingSettings(userIdsType: "idp"))
        // Two linkers with their own connections, as two service processes or two store handles would have.
        let linkers = try (0..<2).map { _ in
            AccountLinker(
                directory: try StoreRosterDirectory(path: file.path), store: try StoreLinkStore(path: file.path))
        }
        let identities = try (0..<accounts).map { try identity(subject: "s-\($0)", provider: provider) }
        let results = Mutex<[Int: [LinkDecision]]>([:])
        let failures = Mutex<[String]>([])

        for (index, identity) in identities.enumerated() {
            DispatchQueue.concurrentPerform(iterations: 2) { thread in
                do {
                    let decision = try linkers[thread].link(identity, provider: provider)
                    results.withLock { $0[index, default: []].append(decision) }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }

        #expect(failures.withLock { $0 } == [])
        let decisions = results.withLock { $0 }
        let check = try SnapshotStore(path: file.path)
        #expect(try check.database.scalarInt("SELECT count(*) FROM sso_links") == Int64(accounts))
        for index in 0..<accounts {
            let pair = decisions[index] ?? []
            #expect(pair.compactMap { linkedUser($0)?.sourcedId } == ["t-\(index)", "t-\(index)"], "account \(index)")
            #expect(pair.filter { linkedUser($0)?.isNew == true }.count == 1, "account \(index)")
        }
    }
}
