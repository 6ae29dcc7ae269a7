import LDAP

/// The stable key of an upstream account that a stored link is found by.
///
/// `namespace` is the issuer for OpenID Connect and ADFS, the tenant ID for Microsoft Entra ID and the directory
/// URL for LDAP. `subject` is `sub`, Entra's `oid`, or the LDAP entry's `objectGUID` (base64) or else its DN.
public struct LinkKey: Sendable, Hashable, CustomStringConvertible {
    /// The issuer, tenant or directory that assigns `subject`.
    public let namespace: String
    /// The account's identifier within `namespace`.
    public let subject: String

    /// Creates a key.
    public init(namespace: String, subject: String) {
        self.namespace = namespace
        self.subject = subject
    }

    public var description: String { "(\(namespace), \(subject))" }
}

/// A login whose claims passed the provider's identity checks, ready to be linked to a roster user.
public struct UpstreamIdentity: Sendable, Equatable {
    /// The kind of provider that authenticated the account.
    public enum ProviderKind: String, Sendable {
        case oidc, google, entra, adfs, ldap
    }

    /// The kind of provider that authenticated the account.
    public let providerKind: ProviderKind
    /// The id of the provider configuration that checked the login.
    public let providerID: String
    /// The token's `iss`, or the directory URL for LDAP.
    public let issuer: String
    /// The token's `sub`, or the entry's DN for LDAP.
    public let subject: String
    /// The key a stored link is found by.
    public let linkKey: LinkKey
    /// The e-mail address, when the provider sent one.
    public let email: String?
    /// Whether the provider vouches for `email`. Always false for Microsoft Entra ID, whose `email` claim is not
    /// verified.
    public let emailVerified: Bool
    /// The `preferred_username` claim, or the username typed for LDAP.
    public let preferredUsername: String?
    /// The value of the provider's configured username claim, matched to the roster username when that rule is on.
    public let usernameClaimValue: String?
    /// Google's `hd` claim: the Workspace domain that manages the account.
    public let hostedDomain: String?
    /// Microsoft Entra ID's `tid` claim.
    public let tenant: String?
    /// Whether the account is a guest of the tenant rather than a member, so it is never linked automatically.
    public let isGuest: Bool
    /// For a guest, the `idp` claim naming the account's home issuer.
    public let homeIssuer: String?
}
