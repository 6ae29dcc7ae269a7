import Foundation
import LDAP

/// Identities of people who signed in with an LDAP bind.
extension UpstreamIdentity {
    /// Returns the identity of a person the district's LDAP directory authenticated.
    ///
    /// The link key is the directory URL with the entry's `objectGUID` in base64, or its DN when the directory has
    /// no `objectGUID`. The `mail` attribute counts as verified because directory administrators maintain it.
    /// Throws `sso.invalid_config` when `provider` is not an LDAP provider.
    public static func from(ldapUser: LDAPUser, provider: UpstreamProvider) throws(UpstreamError) -> UpstreamIdentity {
        guard case .ldap(let directoryURL) = provider.kind else {
            throw .invalidConfig(
                district: provider.district, field: "kind", value: "\(provider.kind)",
                expected: "an LDAP provider for an LDAP login")
        }
        let entry = ldapUser.entry
        let stableID = entry.base64("objectGUID") ?? ldapUser.dn
        // NOTE: a DN changes when the entry is renamed or moved, so directories without objectGUID lose the link then.
        let usernameValue: String? =
            if let attribute = provider.linking.usernameClaim { entry.string(attribute) } else { ldapUser.username }
        return UpstreamIdentity(
            providerKind: .ldap, providerID: provider.id, issuer: directoryURL, subject: ldapUser.dn,
            linkKey: LinkKey(namespace: directoryURL, subject: stableID), email: entry.string("mail"),
            emailVerified: entry.string("mail") != nil, preferredUsername: ldapUser.username,
            usernameClaimValue: usernameValue, hostedDomain: nil, tenant: nil, isGuest: false, homeIssuer: nil)
    }
}
