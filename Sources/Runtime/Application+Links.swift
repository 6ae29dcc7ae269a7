import Foundation
import SSO
import Store

/// `rollbook links list`, `add` and `remove`: the stored links from upstream sign-in accounts to roster users.
///
/// A stored link is the first rule the sign-in tries, and the only one that signs in a guest account, so these
/// commands are how an administrator settles a login that was rejected as ambiguous, unlinked or a guest.
extension Application {
    static func links(_ command: LinkCommand) -> ExitStatus {
        switch command {
        case .list(let district, let user, let provider, let configPath, let json):
            return listLinks(district: district, user: user, provider: provider, configPath: configPath, json: json)
        case .add(let district, let provider, let subject, let user, let configPath, let json):
            return addLink(
                district: district, provider: provider, subject: subject, user: user, configPath: configPath,
                json: json)
        case .remove(let district, let user, let provider, let configPath, let json):
            return removeLinks(district: district, user: user, provider: provider, configPath: configPath, json: json)
        }
    }

    static func listLinks(district id: String, user: String?, provider: String?, configPath: String?, json: Bool)
        -> ExitStatus
    {
        guard let (config, store) = openStore(configPath: configPath, json: json) else { return .failure }
        do {
            let district = try LinkCommandError.district(id, in: config)
            if let provider { try checkStoredOrConfigured(provider: provider, district: district, store: store) }
            if let user { try checkLiveOrLinked(user: user, district: id, store: store) }
            let links = try store.ssoLinks(district: id, userSourcedId: user, provider: provider)
            if json {
                print(try LinkListing.json(["links": links.map(LinkListing.Item.init)]))
            } else if links.isEmpty {
                print("No stored links in district \(id)\(LinkListing.filterText(user: user, provider: provider)).")
            } else {
                print(LinkListing.table(links))
            }
            return .success
        } catch {
            reportLinkError(error, json: json)
            return .failure
        }
    }

    static func addLink(
        district id: String, provider providerID: String, subject: String, user: String, configPath: String?,
        json: Bool
    ) -> ExitStatus {
        guard let (config, store) = openStore(configPath: configPath, json: json) else { return .failure }
        do {
            let district = try LinkCommandError.district(id, in: config)
            guard let provider = district.identity.first(where: { $0.id == providerID }) else {
                let stored = try !store.ssoLinks(district: id, userSourcedId: nil, provider: providerID).isEmpty
                throw LinkCommandError.unknownProvider(providerID, district: district, linksStored: stored)
            }
            guard try !store.liveUsers(district: id, sourcedId: user).isEmpty else {
                throw LinkCommandError.unknownUser(user, district: id)
            }
            let key = try linkKey(provider: provider, subject: subject)
            try store.insertSSOLink(
                district: id, provider: providerID, namespace: key.namespace, subject: key.subject, userSourcedId: user)
            guard let link = try store.ssoLink(district: id, namespace: key.namespace, subject: key.subject) else {
                throw LinkCommandError.notStored(key, district: id)
            }
            if json {
                print(try LinkListing.json(["link": LinkListing.Item(link)]))
            } else {
                print(
                    "Linked the account '\(link.subject)' at '\(link.namespace)' (provider \(providerID)) to user "
                        + "\(user) in district \(id).")
            }
            return .success
        } catch let conflict as SSOLinkConflict {
            reportConflict(conflict, configPath: configPath, json: json)
            return .failure
        } catch {
            reportLinkError(error, json: json)
            return .failure
        }
    }

    static func removeLinks(district id: String, user: String, provider: String?, configPath: String?, json: Bool)
        -> ExitStatus
    {
        guard let (config, store) = openStore(configPath: configPath, json: json) else { return .failure }
        do {
            let district = try LinkCommandError.district(id, in: config)
            if let provider { try checkStoredOrConfigured(provider: provider, district: district, store: store) }
            try checkLiveOrLinked(user: user, district: id, store: store)
            let removed = try store.deleteSSOLinks(district: id, userSourcedId: user, provider: provider)
            if json {
                print(try LinkListing.json(LinkListing.Removal(removed: removed.count, links: removed)))
            } else {
                let noun = removed.count == 1 ? "link" : "links"
                let scope = provider.map { " for provider \($0)" } ?? ""
                print("Removed \(removed.count) \(noun) of user \(user)\(scope) in district \(id).")
            }
            return .success
        } catch {
            reportLinkError(error, json: json)
            return .failure
        }
    }

    /// Returns the key that a sign-in through `provider` finds the account `subject` by.
    ///
    /// The namespace is formed from the provider's configuration as `UpstreamIdentity` forms it at sign-in. It is the
    /// issuer for oidc and adfs, the tenant ID in lowercase for entra, and the directory URL for ldap. For google it
    /// is Google's issuer, also when config.lua overrides the issuer for a local trial, because the sign-in then
    /// replaces `iss` with Google's.
    static func linkKey(provider: IdentityProviderConfig, subject: String) throws -> LinkKey {
        guard subject.trimmingCharacters(in: .whitespacesAndNewlines) == subject else {
            throw LinkCommandError.invalidSubject(
                subject, provider: provider.id, expected: "the identifier without spaces at the start or end")
        }
        switch try SignInService.upstreamKind(provider) {
        case .oidc(let issuer), .adfs(let issuer):
            return LinkKey(namespace: issuer, subject: subject)
        case .google:
            return LinkKey(namespace: UpstreamProvider.googleIssuer, subject: subject)
        case .entra(let tenantID, _):
            // Entra's sign-in keys accounts by `oid`, a GUID, in lowercase.
            guard UUID(uuidString: subject) != nil else {
                throw LinkCommandError.invalidSubject(
                    subject, provider: provider.id,
                    expected: "the account's object ID ('oid'), a GUID such as '0b6f1c2d-3e4a-4b5c-8d9e-0f1a2b3c4d5e'")
            }
            return LinkKey(namespace: tenantID.lowercased(), subject: subject.lowercased())
        case .ldap(let directoryURL):
            return LinkKey(namespace: directoryURL, subject: subject)
        }
    }

    /// Checks that `provider` is configured in the district or still has stored links there, so that links of a
    /// provider removed from config.lua can still be listed and removed.
    private static func checkStoredOrConfigured(provider: String, district: DistrictConfig, store: SnapshotStore)
        throws
    {
        if district.identity.contains(where: { $0.id == provider }) { return }
        if try !store.ssoLinks(district: district.id, userSourcedId: nil, provider: provider).isEmpty { return }
        throw LinkCommandError.unknownProvider(provider, district: district)
    }

    /// Checks that `user` is a live roster user of the district or still has stored links there, so that links of
    /// a user who left the roster can still be listed and removed.
    private static func checkLiveOrLinked(user: String, district: String, store: SnapshotStore) throws {
        if try !store.liveUsers(district: district, sourcedId: user).isEmpty { return }
        if try !store.ssoLinks(district: district, userSourcedId: user).isEmpty { return }
        throw LinkCommandError.unknownUser(user, district: district)
    }

    /// Prints a clash with a stored link, naming that link and the command that removes it.
    private static func reportConflict(_ conflict: SSOLinkConflict, configPath: String?, json: Bool) {
        let existing = conflict.existing
        let sameLink = conflict.isAccountLinked && existing.userSourcedId == conflict.requestedUser
        let hint =
            sameLink
            ? "`rollbook links list --district \(existing.district) --user \(existing.userSourcedId)"
                + "\(configOption(configPath))` shows it"
            : "Remove it with `rollbook links remove --district \(existing.district) --user "
                + "\(existing.userSourcedId) --provider \(existing.provider)\(configOption(configPath))`"
        let message = "\(conflict). \(hint)."
        if json {
            let document = LinkListing.Failure(
                error: message, code: conflict.code, existing: LinkListing.Item(existing))
            print((try? LinkListing.json(document)) ?? #"{"error": "the clash could not be encoded"}"#)
        } else {
            printError("rollbook: " + message)
        }
    }

    /// Prints an error with its code when it has one: as `{"error": ..., "code": ...}` with --json, else on
    /// standard error.
    private static func reportLinkError(_ error: any Error, json: Bool) {
        guard let error = error as? LinkCommandError else {
            report(error, json: json)
            return
        }
        if json {
            let document = LinkListing.Failure(error: error.description, code: error.code, existing: nil)
            print((try? LinkListing.json(document)) ?? #"{"error": "the error could not be encoded"}"#)
        } else {
            printError("rollbook: \(error)")
        }
    }
}

/// An error of a `rollbook links` command that the administrator can fix on the command line.
struct LinkCommandError: Error, CustomStringConvertible {
    private enum Code: String {
        case unknownDistrict = "links.unknown_district"
        case unknownProvider = "links.unknown_provider"
        case unknownUser = "links.unknown_user"
        case invalidSubject = "links.invalid_subject"
        case notStored = "links.not_stored"
    }

    private let kind: Code
    let description: String

    /// A short stable code, such as `links.unknown_user`.
    var code: String { kind.rawValue }

    /// Returns the configured district `id`, or throws `links.unknown_district`.
    static func district(_ id: String, in config: Config) throws(LinkCommandError) -> DistrictConfig {
        guard let district = config.districts.first(where: { $0.id == id }) else {
            let known = config.districts.map(\.id).joined(separator: ", ")
            throw LinkCommandError(
                kind: .unknownDistrict,
                description: "\(config.path): no district '\(id)'; configured: \(known.isEmpty ? "none" : known)")
        }
        return district
    }

    /// Returns the error for a provider id that is not configured. `linksStored` is false when no stored link names it
    /// either, which is what `list` and `remove` check; `add` needs a configured provider whatever is stored.
    static func unknownProvider(_ id: String, district: DistrictConfig, linksStored: Bool = false)
        -> LinkCommandError
    {
        let known = district.identity.map(\.id).joined(separator: ", ")
        let stored = linksStored ? "" : " and no stored links of one"
        return LinkCommandError(
            kind: .unknownProvider,
            description: "District '\(district.id)' has no identity provider '\(id)'\(stored); "
                + "configured: \(known.isEmpty ? "none" : known). Use the id of an entry of the district's "
                + "`identity` list in config.lua")
    }

    static func unknownUser(_ sourcedId: String, district: String) -> LinkCommandError {
        LinkCommandError(
            kind: .unknownUser,
            description: "District '\(district)' has no live roster user with sourcedId '\(sourcedId)' and no stored "
                + "links of one. Check the sourcedId in the district's users, or run `rollbook sync` when the user "
                + "was added to the SIS since the last sync")
    }

    static func invalidSubject(_ subject: String, provider: String, expected: String) -> LinkCommandError {
        LinkCommandError(
            kind: .invalidSubject,
            description:
                "Option --subject is '\(subject)', which is invalid for provider '\(provider)'; expected \(expected)"
        )
    }

    static func notStored(_ key: LinkKey, district: String) -> LinkCommandError {
        LinkCommandError(
            kind: .notStored,
            description: "District '\(district)': the link of the account \(key) was stored but cannot be read back; "
                + "check the store with `rollbook links list`")
    }
}

/// The output of the `links` commands, as a table and as JSON.
enum LinkListing {
    /// One stored link as the `--json` output shows it. `lastUsedAt` is left out when no sign-in used the link.
    struct Item: Encodable {
        var district: String
        var provider: String
        var namespace: String
        var subject: String
        var userSourcedId: String
        var createdAt: String
        var lastUsedAt: String?

        init(_ link: StoredSSOLink) {
            district = link.district
            provider = link.provider
            namespace = link.namespace
            subject = link.subject
            userSourcedId = link.userSourcedId
            createdAt = SnapshotStore.timestamp(link.createdAt)
            lastUsedAt = link.lastUsedAt.map { SnapshotStore.timestamp($0) }
        }
    }

    /// The `links remove --json` document.
    struct Removal: Encodable {
        var removed: Int
        var links: [Item]

        init(removed: Int, links: [StoredSSOLink]) {
            self.removed = removed
            self.links = links.map(Item.init)
        }
    }

    /// The `--json` document of a failed command. `existing` is the stored link that a new one clashes with.
    struct Failure: Encodable {
        var error: String
        var code: String
        var existing: Item?
    }

    static func json(_ document: some Encodable) throws -> String {
        String(decoding: try RunListing.encoder.encode(document), as: UTF8.self)
    }

    static func filterText(user: String?, provider: String?) -> String {
        var parts: [String] = []
        if let user { parts.append("user \(user)") }
        if let provider { parts.append("provider \(provider)") }
        return parts.isEmpty ? "" : " for " + parts.joined(separator: " and ")
    }

    static func table(_ links: [StoredSSOLink]) -> String {
        var rows = [["PROVIDER", "NAMESPACE", "SUBJECT", "USER", "CREATED", "LAST USED"]]
        for link in links {
            let item = Item(link)
            rows.append([
                item.provider, item.namespace, item.subject, item.userSourcedId, item.createdAt,
                item.lastUsedAt ?? "never",
            ])
        }
        return TextTable.render(rows).joined(separator: "\n")
    }
}
