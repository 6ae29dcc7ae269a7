import OneRoster

/// Converts between the 1.1 user fields `role` and `orgSourcedIds` and the 1.2 `roles` records.
///
/// The store keeps both forms side by side, and these pure functions fill whichever form a package version needs.
public enum RoleConversion {
    /// Builds the 1.2 `roles` records of a user who has the 1.1 fields `role` and `orgSourcedIds`.
    ///
    /// The user gets one role per org. The role is `primary` for the user's `primaryOrgSourcedId` when it is set,
    /// otherwise for the first org of `orgSourcedIds`, and `secondary` for the others. A `primaryOrgSourcedId` that
    /// is missing from `orgSourcedIds` gets a primary role too. `status` and `dateLastModified` are copied from the
    /// user, and the `sourcedId` has the form described at `roleSourcedId(user:org:)`.
    ///
    /// `orgTypes` maps org sourcedIds to their `type`; it only decides what `administrator` becomes (see
    /// `v1p2Role(for:orgType:)`). A user without a role or without orgs gets no records.
    public static func roles(derivedFrom user: Record, orgTypes: [String: String] = [:]) -> [Record] {
        guard user.entity == .users, let role = user["role"], !role.isEmpty else { return [] }
        var orgs: [String] = []
        for org in user.list("orgSourcedIds") where !orgs.contains(org) { orgs.append(org) }
        let primary = nonEmpty(user["primaryOrgSourcedId"]) ?? orgs.first
        if let primary, !orgs.contains(primary) { orgs.insert(primary, at: 0) }

        return orgs.map { org in
            var record = Record(entity: .roles)
            record["sourcedId"] = roleSourcedId(user: user.sourcedId, org: org)
            record["status"] = user["status"]
            record["dateLastModified"] = user["dateLastModified"]
            record["userSourcedId"] = user.sourcedId
            record["roleType"] = org == primary ? "primary" : "secondary"
            record["role"] = v1p2Role(for: role, orgType: orgTypes[org])
            record["orgSourcedId"] = org
            return record
        }
    }

    /// Sets a user's 1.1 fields `role` and `orgSourcedIds` from the user's 1.2 `roles` records.
    ///
    /// Only roles whose `userSourcedId` is the user's count. Roles with status `tobedeleted` are ignored unless
    /// all of them have it, as for a user deleted in a delta file. The roles are ordered with the role at the
    /// user's `primaryOrgSourcedId` first, then other primary roles, then secondary ones, keeping the given order
    /// among equals. `role` comes from the first role (see `v1p1Role(for:)`), and `orgSourcedIds` lists each org
    /// once in that order. A user with no matching roles is left unchanged.
    public static func fillV1p1Fields(of user: inout Record, from roles: [Record]) {
        let own = roles.filter { $0.entity == .roles && $0["userSourcedId"] == user.sourcedId }
        let active = own.filter { $0["status"] != "tobedeleted" }
        let chosen = active.isEmpty ? own : active
        guard !chosen.isEmpty else { return }

        let primaryOrg = nonEmpty(user["primaryOrgSourcedId"])
        let ranked = chosen.enumerated().sorted { left, right in
            let leftRank = rank(left.element, primaryOrg: primaryOrg)
            let rightRank = rank(right.element, primaryOrg: primaryOrg)
            return leftRank != rightRank ? leftRank < rightRank : left.offset < right.offset
        }.map(\.element)

        var orgs: [String] = []
        for role in ranked {
            if let org = nonEmpty(role["orgSourcedId"]), !orgs.contains(org) { orgs.append(org) }
        }
        user["role"] = nonEmpty(ranked[0]["role"]).map { v1p1Role(for: $0) }
        user["orgSourcedIds"] = orgs.isEmpty ? nil : orgs.joined(separator: ",")
    }

    /// Returns the `sourcedId` of the role derived for a user at an org: `role-<n>-<user>-<org>`.
    ///
    /// `n` is the number of UTF-8 bytes of the user's sourcedId, so that the pair can be read back unambiguously
    /// and no two pairs share an id even when the ids contain `-`. For example, user `u-1` at org `sch-1` gives
    /// `role-3-u-1-sch-1`. The id is stable across exports, and it contains no personal data when the user's
    /// id contains none.
    public static func roleSourcedId(user: String, org: String) -> String {
        "role-\(user.utf8.count)-\(user)-\(org)"
    }

    /// Maps a 1.1 `users.role` value to the 1.2 `roles.role` value.
    ///
    /// `administrator` becomes `districtAdministrator` at an org of type `district` and `siteAdministrator`
    /// elsewhere or when the type is unknown. The other 1.1 values (aide, guardian, parent, proctor, relative,
    /// student, teacher) and `ext:` values exist in 1.2 and stay as they are, and so does any other value.
    public static func v1p2Role(for role: String, orgType: String?) -> String {
        guard role == "administrator" else { return role }
        return orgType == "district" ? "districtAdministrator" : "siteAdministrator"
    }

    /// Maps a 1.2 `roles.role` value to the 1.1 `users.role` value.
    ///
    /// 1.1 has no counselor, principal or specific administrator, so `counselor`, `principal`,
    /// `districtAdministrator`, `siteAdministrator` and `systemAdministrator` become `administrator`.
    /// Every other value, `ext:` values included, stays as it is.
    public static func v1p1Role(for role: String) -> String {
        switch role {
        case "counselor", "principal", "districtAdministrator", "siteAdministrator", "systemAdministrator":
            return "administrator"
        default:
            return role
        }
    }

    /// 0 for the role at the user's primary org, 1 for another primary role, 2 for the rest.
    private static func rank(_ role: Record, primaryOrg: String?) -> Int {
        let isPrimary = role["roleType"] == "primary"
        if isPrimary, let primaryOrg, role["orgSourcedId"] == primaryOrg { return 0 }
        return isPrimary ? 1 : 2
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }
}
