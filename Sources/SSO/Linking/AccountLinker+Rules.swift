/// One first-login rule: what it matches and how it looks candidates up.
struct LinkRule {
    /// The rule as named in messages, such as `userIds entry 'idp'`.
    let label: String
    /// The value looked up.
    let value: String
    let lookup: (any RosterDirectory, String) throws -> [RosterUser]
}

extension AccountLinker {
    /// Returns the first-login rules that apply to `identity`, in the order they run.
    func rules(for identity: UpstreamIdentity, settings: LinkingSettings) -> [LinkRule] {
        var rules: [LinkRule] = []
        if let type = settings.userIdsType {
            let subject = identity.linkKey.subject
            rules.append(
                LinkRule(label: "userIds entry '\(type)'", value: subject) { directory, district in
                    try directory.users(district: district, userIdType: type, value: subject)
                })
        }
        if let claim = settings.usernameClaim, let username = identity.usernameClaimValue, !identity.isGuest {
            rules.append(
                LinkRule(label: "username claim '\(claim)'", value: username) { directory, district in
                    try directory.users(district: district, username: username)
                })
        }
        if settings.trustEmail, identity.emailVerified, let email = identity.email {
            rules.append(
                LinkRule(label: "verified e-mail", value: email) { directory, district in
                    try directory.users(district: district, email: email)
                })
        }
        return rules
    }
}
