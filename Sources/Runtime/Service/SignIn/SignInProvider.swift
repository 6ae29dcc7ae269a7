import LDAP
import SSO

/// A sign-in that sends the browser to the provider and gets it back with a code: OpenID Connect.
protocol RedirectSignIn: Sendable {
    /// Returns the provider's authorization URL for one sign-in.
    func authorizationURL(
        redirectURI: String, state: String, nonce: String, codeVerifier: String, loginHint: String?
    ) throws -> String
    /// Exchanges the code the provider returned and checks its id_token, returning who signed in.
    func finish(code: String, redirectURI: String, nonce: String, codeVerifier: String) throws -> UpstreamIdentity
}

/// One identity provider of a district, ready to sign people in.
struct SignInProvider: Sendable {
    /// The way the provider checks a person.
    enum Method: Sendable {
        /// The browser goes to the provider and comes back (OpenID Connect).
        case redirect(any RedirectSignIn)
        /// Rollbook takes a username and password and binds to the directory (LDAP).
        case directory(LDAPDirectory)
    }

    let config: IdentityProviderConfig
    let upstream: UpstreamProvider
    let method: Method

    var id: String { config.id }
    var label: String { config.label }
}

/// One district as the sign-in pages offer it.
struct SignInDistrict: Sendable {
    let id: String
    let name: String
    let providers: [SignInProvider]

    func provider(_ id: String) -> SignInProvider? { providers.first { $0.id == id } }
}
