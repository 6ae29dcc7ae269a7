import Foundation
import Testing

@testable import SSO

private let mapleTenant = "5e0c1f2a-7b3d-4c8e-9a61-3f2b7c9d0a11"

private func oidcProvider(_ linking: LinkingSettings) throws -> UpstreamProvider {
    try UpstreamProvider(
        id: "lark-oidc", district: "lark", kind: .oidc(issuer: "https://idp.example.net"), linking: linking)
}

/// Checks claims of the generic OpenID Connect provider with the given e-mail claims.
private func oidcIdentity(
    subject: String = "sub-1", email: String?, verified: Bool, provider: UpstreamProvider
) throws -> UpstreamIdentity {
    var claims: [String: JSONValue] = ["iss": .string("https://idp.example.net"), "sub": .string(subject)]
    if let email { claims["email"] = .string(email) }
    claims["email_verified"] = .bool(verified)
    return try UpstreamIdentity.from(claims: claims, provider: provider)
}

private let twoTeachers = InMemoryRosterDirectory(
    district: "lark",
    users: [
        TestRosterUser(
            user: RosterUser(sourcedId: "t-1", username: "ada.finch", email: "Ada.Finch@lark.example.org")),
        TestRosterUser(
            user: RosterUser(sourcedId: "t-2", username: "bo.finch", email: "shared@lark.example.org")),
        TestRosterUser(
            user: RosterUser(sourcedId: "t-3", username: "cy.finch", email: "SHARED@lark.example.org")),
    ])

@Suite struct LinkingTests {
    @Test(
        "Subject link without e-mail and unknown subject",
        .enabled(if: upstreamCaseFolder("B04") != nil, "the shared case folder B04 is absent"))
    func userIdsLinkAndUnknownSubject() throws {
        let folder = try #require(upstreamCaseFolder("B04"))
        let provider = try UpstreamProvider(
            id: "lms-oidc", district: "larkspur", kind: .oidc(issuer: "https://idp.example.net"),
            linking: LinkingSettings(trustEmail: true, userIdsType: "idp"))
        let directory = try InMemoryRosterDirectory(
            district: "larkspur", usersCSV: folder.appendingPathComponent("users.csv"))
        let store = InMemoryLinkStore()
        let linker = AccountLinker(directory: directory, store: store)

        let pip = try UpstreamIdentity.from(claims: caseClaims(folder, "id_token_claims_u401.json"), provider: provider)
        #expect(pip.email == nil)
        let first = try linker.link(pip, provider: provider)
        #expect(linkedUser(first)?.sourcedId == "u-401")
        #expect(linkedUser(first)?.isNew == true)
        #expect(
            store.all == [
                StoredLink(
                    district: "larkspur", providerID: "lms-oidc",
                    key: LinkKey(namespace: "https://idp.example.net", subject: "77c1-0401"), userSourcedId: "u-401")
            ])
        let again = try linker.link(pip, provider: provider)
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
        #expect(store.all.count == 1)
    }

    @Test(
        "Four Entra logins in order",
        .enabled(if: upstreamCaseFolder("B21") != nil, "the shared case folder B21 is absent"))
    func entraLoginsInOrder() throws {
        let folder = try #require(upstreamCaseFolder("B21"))
        let provider = try UpstreamProvider(
            id: "maple-entra", district: "maple",
            kind: .entra(tenantID: mapleTenant, issuerTemplate: UpstreamProvider.entraIssuerTemplate),
            linking: LinkingSettings(trustEmail: true, usernameClaim: "preferred_username"))
        let directory = try InMemoryRosterDirectory(
            district: "maple", usersCSV: folder.appendingPathComponent("users.csv"))
        let store = InMemoryLinkStore()
        let linker = AccountLinker(directory: directory, store: store)
        let login = { (file: String) throws -> LinkDecision in
            try linker.link(
                try UpstreamIdentity.from(claims: caseClaims(folder, file), provider: provider), provider: provider)
        }

        // A first login without an email claim links by username, keyed by (tid, oid).
        let first = try login("id_token_no_email.json")
        #expect(linkedUser(first)?.sourcedId == "u-2101")
        #expect(linkedUser(first)?.isNew == true)
        #expect(
            store.links(of: "u-2101").map(\.key) == [
                LinkKey(namespace: mapleTenant, subject: "2b3c4d5e-0000-4000-8000-00000000c101")
            ])

        // After a rename, the stored link decides before any rule runs, although preferred_username changed.
        let lookupsBefore = directory.ruleLookups
        let second = try login("id_token_renamed.json")
        #expect(linkedUser(second)?.sourcedId == "u-2101")
        #expect(linkedUser(second)?.isNew == false)
        #expect(directory.ruleLookups == lookupsBefore)
        #expect(store.all.count == 1)

        // A student without a mailbox links by username.
        let third = try login("id_token_student_no_mailbox.json")
        #expect(linkedUser(third)?.sourcedId == "u-2102")
        #expect(linkedUser(third)?.isNew == true)

        // A guest whose unverified email claim copies the teacher's address is rejected.
        let guest = try #require(rejection(try login("id_token_guest.json")))
        #expect(guest.code == "sso.guest_not_linked")
        #expect(
            guest.message
                == "District 'maple': the guest account 'c3ViLWd1ZXN0LXR1dG9yLWFwcDE' from "
                + "'https://sts.windows.net/e7f6a5b4-3c2d-4e1f-8a9b-0c1d2e3f4a55/' has no stored link, and guest "
                + "accounts are never linked automatically. An administrator can link it to a roster user by hand")
        #expect(store.links(of: "u-2101").count == 1)
        #expect(store.all.count == 2)
    }

    @Test func guestWithStoredLinkSignsIn() throws {
        let provider = try UpstreamProvider(
            id: "maple-entra", district: "maple",
            kind: .entra(tenantID: mapleTenant, issuerTemplate: UpstreamProvider.entraIssuerTemplate))
        let claims: [String: JSONValue] = [
            "iss": .string("https://login.microsoftonline.com/\(mapleTenant)/v2.0"), "tid": .string(mapleTenant),
            "oid": .string("guest-oid"), "sub": .string("guest-sub"), "acct": .number(1),
        ]
        let identity = try UpstreamIdentity.from(claims: claims, provider: provider)
        let directory = InMemoryRosterDirectory(
            district: "maple", users: [TestRosterUser(user: RosterUser(sourcedId: "u-9", username: "tutor"))])
        let store = InMemoryLinkStore()
        try store.save(
            StoredLink(district: "maple", providerID: "maple-entra", key: identity.linkKey, userSourcedId: "u-9"))
        let decision = try AccountLinker(directory: directory, store: store).link(identity, provider: provider)
        #expect(linkedUser(decision)?.sourcedId == "u-9")
        #expect(linkedUser(decision)?.isNew == false)
    }

    @Test func verifiedEmailLinksIgnoringCase() throws {
        let provider = try oidcProvider(LinkingSettings(trustEmail: true))
        let identity = try oidcIdentity(email: "ada.FINCH@lark.example.org", verified: true, provider: provider)
        let store = InMemoryLinkStore()
        let decision = try AccountLinker(directory: twoTeachers, store: store).link(identity, provider: provider)
        #expect(linkedUser(decision)?.sourcedId == "t-1")
        #expect(store.all.count == 1)
    }

    @Test func emailNotTrustedRejected() throws {
        let provider = try oidcProvider(LinkingSettings(trustEmail: false))
        let identity = try oidcIdentity(email: "ada.finch@lark.example.org", verified: true, provider: provider)
        let store = InMemoryLinkStore()
        let error = try #require(
            rejection(try AccountLinker(directory: twoTeachers, store: store).link(identity, provider: provider)))
        #expect(error.code == "sso.no_linked_user")
        #expect(error.message.contains("(tried: stored link)"))
        #expect(store.all.isEmpty)
    }

    @Test func unverifiedEmailRejected() throws {
        let provider = try oidcProvider(LinkingSettings(trustEmail: true))
        let identity = try oidcIdentity(email: "ada.finch@lark.example.org", verified: false, provider: provider)
        let store = InMemoryLinkStore()
        let error = try #require(
            rejection(try AccountLinker(directory: twoTeachers, store: store).link(identity, provider: provider)))
        #expect(error.code == "sso.no_linked_user")
        #expect(store.all.isEmpty)
    }

    @Test func sharedEmailAmbiguous() throws {
        let provider = try oidcProvider(LinkingSettings(trustEmail: true))
        let identity = try oidcIdentity(email: "Shared@lark.example.org", verified: true, provider: provider)
        let store = InMemoryLinkStore()
        let error = try #require(
            rejection(try AccountLinker(directory: twoTeachers, store: store).link(identity, provider: provider)))
        #expect(error.code == "sso.ambiguous_user")
        #expect(
            error.message
                == "District 'lark': 2 roster users match verified e-mail 'Shared@lark.example.org', so the login is "
                + "not linked to any of them. Make the value unique in the roster or add a userIds entry to one user")
        #expect(store.all.isEmpty)
    }

    @Test func usernameMatchIgnoresCase() throws {
        let provider = try oidcProvider(LinkingSettings(usernameClaim: "preferred_username"))
        let claims: [String: JSONValue] = [
            "iss": .string("https://idp.example.net"), "sub": .string("sub-7"),
            "preferred_username": .string("BO.Finch"),
        ]
        let identity = try UpstreamIdentity.from(claims: claims, provider: provider)
        let decision = try AccountLinker(directory: twoTeachers, store: InMemoryLinkStore())
            .link(identity, provider: provider)
        #expect(linkedUser(decision)?.sourcedId == "t-2")
    }

    @Test func userIdsRuleRunsBeforeEmail() throws {
        let directory = InMemoryRosterDirectory(
            district: "lark",
            users: [
                TestRosterUser(
                    user: RosterUser(sourcedId: "s-1", username: "a", email: "a@lark.example.org"),
                    userIds: [(type: "SSO", value: "sub-1")]),
                TestRosterUser(user: RosterUser(sourcedId: "s-2", username: "b", email: "b@lark.example.org")),
            ])
        let provider = try oidcProvider(LinkingSettings(trustEmail: true, userIdsType: "sso"))
        let identity = try oidcIdentity(email: "b@lark.example.org", verified: true, provider: provider)
        let decision = try AccountLinker(directory: directory, store: InMemoryLinkStore())
            .link(identity, provider: provider)
        #expect(linkedUser(decision)?.sourcedId == "s-1")
    }

    @Test func secondAccountForLinkedUserRejected() throws {
        let provider = try oidcProvider(LinkingSettings(trustEmail: true))
        let store = InMemoryLinkStore()
        let linker = AccountLinker(directory: twoTeachers, store: store)
        let first = try oidcIdentity(
            subject: "sub-1", email: "ada.finch@lark.example.org", verified: true, provider: provider)
        #expect(linkedUser(try linker.link(first, provider: provider))?.sourcedId == "t-1")

        let second = try oidcIdentity(
            subject: "sub-2", email: "ada.finch@lark.example.org", verified: true, provider: provider)
        let error = try #require(rejection(try linker.link(second, provider: provider)))
        #expect(error.code == "sso.user_already_linked")
        #expect(error.message.contains("'t-1'"))
        #expect(store.links(of: "t-1").count == 1)
    }

    @Test func linkToRemovedUserRejected() throws {
        let provider = try oidcProvider(LinkingSettings(trustEmail: true))
        let identity = try oidcIdentity(email: "ada.finch@lark.example.org", verified: true, provider: provider)
        let store = InMemoryLinkStore()
        try store.save(
            StoredLink(district: "lark", providerID: "lark-oidc", key: identity.linkKey, userSourcedId: "t-gone"))
        let error = try #require(
            rejection(try AccountLinker(directory: twoTeachers, store: store).link(identity, provider: provider)))
        #expect(error.code == "sso.no_linked_user")
        #expect(error.message.contains("stored link to 't-gone', which is no longer in the roster"))
        #expect(store.all.count == 1)
    }

    @Test func otherDistrictLinkIgnored() throws {
        let provider = try oidcProvider(LinkingSettings())
        let identity = try oidcIdentity(email: nil, verified: false, provider: provider)
        let store = InMemoryLinkStore()
        try store.save(
            StoredLink(district: "cedar", providerID: "lark-oidc", key: identity.linkKey, userSourcedId: "t-1"))
        let error = try #require(
            rejection(try AccountLinker(directory: twoTeachers, store: store).link(identity, provider: provider)))
        #expect(error.code == "sso.no_linked_user")
    }
}
