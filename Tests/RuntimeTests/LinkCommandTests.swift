import Foundation
import SSO
import Testing

@testable import Runtime

/// `rollbook links list`, `add` and `remove`, run as the real binary against a synced store of the small
/// `AppFixtureDistrict`, whose district `d` has an OpenID Connect, a Google, an Entra ID and an LDAP provider.
@Suite(.serialized)
struct LinkCommandTests {
    static let issuer = "https://id.example.org"
    static let tenant = "5E0C1F2A-7B3D-4C8E-9A61-3F2B7C9D0A11"
    static let directoryURL = "ldaps://dc1.example.org:636"
    static let objectID = "0B6F1C2D-3E4A-4B5C-8D9E-0F1A2B3C4D5E"

    /// A synced store with the district's identity providers, removed with its folder when released.
    final class Setup {
        let directory: TemporaryDirectory
        var config: String { directory.file("config.lua") }
        var store: String { directory.file("rollbook.sqlite") }

        init() throws {
            directory = try TemporaryDirectory()
            let package = directory.file("package")
            try AppFixtureDistrict().write(to: package)
            let connectors = (Paths.root as NSString).appendingPathComponent("connectors")
            let text = """
                store = "\(store)"
                connectors_dir = "\(connectors)"
                districts = {
                    { id = "d", name = "Brookfield", connector = "oneroster_csv", settings = { path = "\(package)" },
                      identity = {
                        { id = "cloud", type = "oidc", issuer = "\(LinkCommandTests.issuer)", client_id = "rb" },
                        { id = "google", type = "google", hosted_domains = { "example.org" }, client_id = "rb-g" },
                        { id = "entra", type = "entra", tenant = "\(LinkCommandTests.tenant)", client_id = "rb-e" },
                        { id = "directory", type = "ldap", url = "\(LinkCommandTests.directoryURL)",
                          bind_dn = "cn=svc,dc=example,dc=org", bind_password = "svc-pass",
                          base_dn = "ou=People,dc=example,dc=org" },
                      } },
                    { id = "harbor", connector = "oneroster_csv", settings = { path = "\(package)" } },
                }
                """
            try text.write(toFile: config, atomically: true, encoding: .utf8)
            let sync = try runRollbook(["sync", "--config", config, "--district", "d", "--json"])
            try #require(sync.status == 0, "the sync failed: \(sync)")
        }

        /// Runs `rollbook links ARGUMENTS --config CONFIG`.
        func links(_ arguments: [String]) throws -> ProcessOutput {
            try runRollbook(["links"] + arguments + ["--config", config])
        }

        /// Returns the `links list --json` entries of district `d`.
        func listed(_ options: [String] = []) throws -> [[String: Any]] {
            let output = try links(["list", "--district", "d", "--json"] + options)
            try #require(output.status == 0, "links list failed: \(output)")
            let document = try #require(json(output))
            return try #require(document["links"] as? [[String: Any]])
        }
    }

    static func json(_ output: ProcessOutput) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8))) as? [String: Any]
    }

    @Test func addThenListText() throws {
        let setup = try Setup()
        let added = try setup.links([
            "add", "--district", "d", "--provider", "cloud", "--subject", "op-77", "--user", "s-2",
        ])
        #expect(added.status == 0, "\(added)")
        #expect(
            added.stdout
                == "Linked the account 'op-77' at '\(Self.issuer)' (provider cloud) to user s-2 in district d.\n")

        let listed = try setup.links(["list", "--district", "d"])
        #expect(listed.status == 0, "\(listed)")
        let lines = listed.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("PROVIDER  NAMESPACE") == true)
        #expect(lines.last?.hasPrefix("cloud     \(Self.issuer)  op-77    s-2") == true)
        #expect(lines.last?.hasSuffix("never") == true)
    }

    @Test func addThenListJSON() throws {
        let setup = try Setup()
        let cases: [(provider: String, subject: String, user: String)] = [
            ("cloud", "op-77", "s-2"), ("google", "110248495921238986420", "s-1"), ("entra", Self.objectID, "t-1"),
            ("directory", "uid=agarcia,ou=People,dc=example,dc=org", "t-1"),
        ]
        for entry in cases {
            let output = try setup.links([
                "add", "--district", "d", "--provider", entry.provider, "--subject", entry.subject, "--user",
                entry.user,
                "--json",
            ])
            #expect(output.status == 0, "\(entry.provider): \(output)")
            let link = Self.json(output)?["link"] as? [String: Any]
            #expect(link?["provider"] as? String == entry.provider)
            #expect(link?["userSourcedId"] as? String == entry.user)
            #expect(link?["lastUsedAt"] == nil)
        }

        let links = try setup.listed()
        // Newest first.
        #expect(links.map { $0["provider"] as? String } == ["directory", "entra", "google", "cloud"])
        let namespaces = Dictionary(
            uniqueKeysWithValues: links.compactMap { link in
                (link["provider"] as? String).map { ($0, link["namespace"] as? String ?? "") }
            })
        #expect(namespaces["cloud"] == Self.issuer)
        #expect(namespaces["google"] == UpstreamProvider.googleIssuer)
        #expect(namespaces["entra"] == Self.tenant.lowercased())
        #expect(namespaces["directory"] == Self.directoryURL)
        let entra = links.first { $0["provider"] as? String == "entra" }
        #expect(entra?["subject"] as? String == Self.objectID.lowercased())
        #expect(entra?["district"] as? String == "d")
        #expect((entra?["createdAt"] as? String)?.hasSuffix("Z") == true)

        #expect(try setup.listed(["--user", "t-1"]).count == 2)
        #expect(try setup.listed(["--user", "t-1", "--provider", "entra"]).count == 1)
        #expect(try setup.listed(["--provider", "google"]).map { $0["userSourcedId"] as? String } == ["s-1"])
    }

    @Test func accountClashNamesLink() throws {
        let setup = try Setup()
        let first = try setup.links([
            "add", "--district", "d", "--provider", "cloud", "--subject", "op-77", "--user", "s-2",
        ])
        try #require(first.status == 0, "\(first)")

        let moved = try setup.links([
            "add", "--district", "d", "--provider", "cloud", "--subject", "op-77", "--user", "s-1",
        ])
        #expect(moved.status == 2)
        #expect(moved.stdout.isEmpty)
        #expect(moved.stderr.contains("the account 'op-77' at '\(Self.issuer)' is already linked to user 's-2'"))
        #expect(
            moved.stderr.contains(
                "Remove it with `rollbook links remove --district d --user s-2 --provider cloud --config \(setup.config)`"
            ))

        let again = try setup.links([
            "add", "--district", "d", "--provider", "cloud", "--subject", "op-77", "--user", "s-2",
        ])
        #expect(again.status == 2)
        #expect(
            again.stderr.contains("`rollbook links list --district d --user s-2 --config \(setup.config)` shows it"))

        let links = try setup.listed()
        #expect(links.count == 1)
        #expect(links.first?["userSourcedId"] as? String == "s-2")
    }

    @Test func userClashNamesLink() throws {
        let setup = try Setup()
        let first = try setup.links([
            "add", "--district", "d", "--provider", "cloud", "--subject", "op-77", "--user", "s-2",
        ])
        try #require(first.status == 0, "\(first)")

        let second = try setup.links([
            "add", "--district", "d", "--provider", "cloud", "--subject", "op-99", "--user", "s-2", "--json",
        ])
        #expect(second.status == 2)
        let document = Self.json(second)
        #expect(document?["code"] as? String == "store.sso_user_linked")
        #expect(
            (document?["error"] as? String)?.contains(
                "user 's-2' is already linked to the account 'op-77' at '\(Self.issuer)' for provider 'cloud'") == true)
        let existing = document?["existing"] as? [String: Any]
        #expect(existing?["subject"] as? String == "op-77")
        #expect(existing?["userSourcedId"] as? String == "s-2")

        // Another provider of the same user is no clash.
        let google = try setup.links([
            "add", "--district", "d", "--provider", "google", "--subject", "g-1", "--user", "s-2",
        ])
        #expect(google.status == 0, "\(google)")
        #expect(try setup.listed().map { $0["subject"] as? String } == ["g-1", "op-77"])
    }

    @Test func unknownValuesRejected() throws {
        let setup = try Setup()
        let user = try setup.links([
            "add", "--district", "d", "--provider", "cloud", "--subject", "op-1", "--user", "nobody",
        ])
        #expect(user.status == 2)
        #expect(user.stderr.contains("District 'd' has no live roster user with sourcedId 'nobody'"))

        let userJSON = try setup.links(["list", "--district", "d", "--user", "nobody", "--json"])
        #expect(userJSON.status == 2)
        #expect(Self.json(userJSON)?["code"] as? String == "links.unknown_user")

        let provider = try setup.links([
            "add", "--district", "d", "--provider", "azure", "--subject", "x", "--user", "s-1",
        ])
        #expect(provider.status == 2)
        #expect(
            provider.stderr.contains(
                "District 'd' has no identity provider 'azure' and no stored links of one; configured: cloud, google, "
                    + "entra, directory"))

        let district = try setup.links(["list", "--district", "maple"])
        #expect(district.status == 2)
        #expect(district.stderr.contains("no district 'maple'; configured: d, harbor"))

        let noProviders = try setup.links(["remove", "--district", "harbor", "--user", "s-1", "--provider", "cloud"])
        #expect(noProviders.status == 2)
        #expect(noProviders.stderr.contains("configured: none"))

        let entra = try setup.links([
            "add", "--district", "d", "--provider", "entra", "--subject", "jsmith", "--user", "s-1",
        ])
        #expect(entra.status == 2)
        #expect(
            entra.stderr.contains(
                "Option --subject is 'jsmith', which is invalid for provider 'entra'; expected the account's object ID")
        )

        let spaced = try setup.links([
            "add", "--district", "d", "--provider", "cloud", "--subject", " op-1", "--user", "s-1",
        ])
        #expect(spaced.status == 2)
        #expect(spaced.stderr.contains("without spaces at the start or end"))

        #expect(try setup.listed().isEmpty)
    }

    @Test func commandLineErrors() throws {
        let setup = try Setup()
        let missing = try setup.links(["add", "--district", "d", "--provider", "cloud", "--user", "s-1"])
        #expect(missing.status == 2)
        #expect(missing.stderr.hasPrefix("rollbook: Option --subject is missing; `rollbook links add` requires it."))

        let noDistrict = try setup.links(["list"])
        #expect(noDistrict.status == 2)
        #expect(
            noDistrict.stderr.hasPrefix("rollbook: Option --district is missing; `rollbook links list` requires it."))

        let verb = try runRollbook(["links", "show"])
        #expect(verb.status == 2)
        #expect(verb.stderr.hasPrefix("rollbook: Unknown links command 'show'; expected `rollbook links list`"))

        let extra = try setup.links(["remove", "--district", "d", "--user", "s-1", "s-2"])
        #expect(extra.status == 2)
        #expect(extra.stderr.hasPrefix("rollbook: Unexpected argument 's-2'."))
    }

    @Test func parsesLinkCommands() throws {
        #expect(
            try Command.parse(["links", "add", "--district", "d", "--provider", "p", "--subject=-x", "--user", "u"])
                == .links(.add(district: "d", provider: "p", subject: "-x", user: "u", config: nil, json: false)))
        #expect(
            try Command.parse(["links", "list", "--json", "--district", "d", "--provider", "p"])
                == .links(.list(district: "d", user: nil, provider: "p", config: nil, json: true)))
        #expect(
            try Command.parse(["links", "remove", "--district", "d", "--user", "u", "--config", "c.lua"])
                == .links(.remove(district: "d", user: "u", provider: nil, config: "c.lua", json: false)))
        #expect(throws: UsageError.self) { try Command.parse(["links", "add", "--district", "d", "--subject="]) }
    }

    @Test func removeCountsLinks() throws {
        let setup = try Setup()
        for (provider, subject) in [("cloud", "op-77"), ("google", "g-1"), ("entra", Self.objectID)] {
            let output = try setup.links([
                "add", "--district", "d", "--provider", provider, "--subject", subject, "--user", "s-2",
            ])
            try #require(output.status == 0, "\(output)")
        }
        let other = try setup.links([
            "add", "--district", "d", "--provider", "cloud", "--subject", "op-1", "--user", "s-1",
        ])
        try #require(other.status == 0, "\(other)")

        let one = try setup.links(["remove", "--district", "d", "--user", "s-2", "--provider", "google"])
        #expect(one.status == 0, "\(one)")
        #expect(one.stdout == "Removed 1 link of user s-2 for provider google in district d.\n")
        #expect(try setup.listed(["--user", "s-2"]).map { $0["provider"] as? String } == ["entra", "cloud"])

        let rest = try setup.links(["remove", "--district", "d", "--user", "s-2", "--json"])
        #expect(rest.status == 0, "\(rest)")
        let document = Self.json(rest)
        #expect(document?["removed"] as? Int == 2)
        #expect((document?["links"] as? [[String: Any]])?.map { $0["provider"] as? String } == ["entra", "cloud"])

        let none = try setup.links(["remove", "--district", "d", "--user", "s-2"])
        #expect(none.status == 0, "\(none)")
        #expect(none.stdout == "Removed 0 links of user s-2 in district d.\n")

        let empty = try setup.links(["list", "--district", "d", "--user", "s-2"])
        #expect(empty.stdout == "No stored links in district d for user s-2.\n")
        // The other user's link stays.
        #expect(try setup.listed().map { $0["userSourcedId"] as? String } == ["s-1"])
    }

    /// A link stored by the command is the one the sign-in's linker finds, for the account key each provider forms
    /// from its id_token claims. The Entra account is a guest, which only a stored link signs in.
    @Test func signInUsesAddedLink() throws {
        let setup = try Setup()
        let config = try Config.load(path: setup.config)
        let district = try #require(config.districts.first { $0.id == "d" })
        let linker = AccountLinker(
            directory: try StoreRosterDirectory(path: setup.store), store: try StoreLinkStore(path: setup.store))
        let tenant = Self.tenant.lowercased()
        let cases: [(provider: String, subject: String, user: String, claims: [String: JSONValue])] = [
            ("cloud", "op-77", "s-2", ["iss": .string(Self.issuer), "sub": .string("op-77")]),
            (
                "google", "110248495921238986420", "s-1",
                [
                    "iss": .string(UpstreamProvider.googleIssuer), "sub": .string("110248495921238986420"),
                    "hd": .string("example.org"),
                ]
            ),
            (
                "entra", Self.objectID, "t-1",
                [
                    "iss": .string("https://login.microsoftonline.com/\(tenant)/v2.0"), "tid": .string(tenant),
                    "oid": .string(Self.objectID.lowercased()), "sub": .string("per-app-sub"), "acct": .number(1),
                ]
            ),
        ]
        for entry in cases {
            let provider = try #require(district.identity.first { $0.id == entry.provider })
            let upstream = try SignInService.signInProvider(provider).upstream
            let identity = try UpstreamIdentity.from(claims: entry.claims, provider: upstream)
            #expect(identity.isGuest == (entry.provider == "entra"), "\(entry.provider)")

            // Before the link, nothing links this account: no rule is configured, and the Entra account is a guest.
            guard case .rejected = try linker.link(identity, provider: upstream) else {
                Issue.record("\(entry.provider): linked before any link was stored")
                continue
            }
            let added = try setup.links([
                "add", "--district", "d", "--provider", entry.provider, "--subject", entry.subject, "--user",
                entry.user,
            ])
            try #require(added.status == 0, "\(added)")

            let decision = try linker.link(identity, provider: upstream)
            guard case .linked(let user, let isNew) = decision else {
                Issue.record("\(entry.provider): \(decision)")
                continue
            }
            #expect(user.sourcedId == entry.user, "\(entry.provider)")
            #expect(!isNew, "\(entry.provider)")
        }
    }
}
