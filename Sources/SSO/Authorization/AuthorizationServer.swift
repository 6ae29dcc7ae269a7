import Foundation
import HTTP

/// The OAuth 2.0 and OpenID Connect authorization server: code flow with PKCE, refresh token rotation,
/// revocation, userinfo and RP-initiated logout. Refresh tokens live in a `RefreshTokenArchive`, and codes and
/// access tokens in memory. The server is safe to use from any thread.
///
/// Sign-in pages and sessions are not part of it: the authorize route calls a closure to get the signed-in user.
public final class AuthorizationServer: Sendable {
    /// The issuer and endpoint paths.
    public let discovery: OpenIDDiscovery
    /// The registered SSO clients.
    public let clients: SSOClientRegistry
    /// Lifetimes and the claims each scope releases.
    public let policy: AuthorizationPolicy

    let keys: SigningKeyRing
    let limiter: FailedAuthenticationLimiter
    let store: GrantStore
    let clock: @Sendable () -> Date
    let refreshUser: UserRefresher?
    let secrets = VerifiedSecretCache()
    let realm = "rollbook"

    /// Returns a user's current claims for a client's app, or nil when the user may no longer use the app.
    public typealias UserRefresher = @Sendable (SignedInUser, SSOClient) -> [String: ClaimValue]?

    /// Creates a server. `keys` must have been rotated once so that it has a signing key. `refreshUser`, when
    /// given, checks the user again at each refresh. `refreshTokens` keeps refresh tokens, in process memory when
    /// nil, so that they are lost at exit. Tests can replace `clock`.
    public init(
        discovery: OpenIDDiscovery, clients: SSOClientRegistry, keys: SigningKeyRing,
        policy: AuthorizationPolicy = AuthorizationPolicy(),
        limiter: FailedAuthenticationLimiter = FailedAuthenticationLimiter(),
        refreshUser: UserRefresher? = nil, refreshTokens: (any RefreshTokenArchive)? = nil,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        var policy = policy
        policy.codeLifetime = min(max(1, policy.codeLifetime), 60)
        policy.accessTokenLifetime = max(1, policy.accessTokenLifetime)
        policy.idTokenLifetime = max(1, policy.idTokenLifetime)
        policy.refreshTokenLifetime = max(1, policy.refreshTokenLifetime)
        self.discovery = discovery
        self.clients = clients
        self.keys = keys
        self.policy = policy
        self.limiter = limiter
        self.store = GrantStore(archive: refreshTokens)
        self.refreshUser = refreshUser
        self.clock = clock
    }

    /// Issues a single-use authorization code for `user` and returns the redirect URL that carries it.
    ///
    /// The caller must already have checked that the user is in the app's view, and must call `deny` otherwise.
    public func issueCode(for request: AuthorizationRequest, user: SignedInUser) -> String {
        let now = clock().timeIntervalSince1970
        let code = Base64.encodeURLSafe(SecureRandom.bytes(32))
        let grant = Grant(clientID: request.client.id, user: user, scopes: request.scopes, family: store.newFamily())
        let record = CodeRecord(
            grant: grant, redirectURI: request.redirectURI, codeChallenge: request.codeChallenge,
            nonce: request.nonce, expiresAt: now + Double(policy.codeLifetime))
        guard store.storeCode(code, record, now: now) else {
            return deny(
                request, error: "temporarily_unavailable",
                description: "Too many sign-ins are in progress; try again in a minute.")
        }
        var parameters = [("code", code)]
        if let state = request.state { parameters.append(("state", state)) }
        return RedirectURL.appending(parameters, to: request.redirectURI)
    }

    /// Returns the redirect URL that reports `error` to the client, such as `access_denied` for a user outside
    /// the app's view.
    public func deny(
        _ request: AuthorizationRequest, error: String = "access_denied",
        description: String = "The user may not use this application."
    ) -> String {
        AuthorizationError.redirect(error, description, to: request.redirectURI, state: request.state).redirectURL
            ?? request.redirectURI
    }

    /// Builds the id_token for `grant`, with the claims its scopes release.
    func idToken(for grant: Grant, nonce: String?, now: Double) throws(KeyError) -> String {
        let claims = IDTokenClaims(
            issuer: discovery.issuer, subject: grant.user.sourcedId, audience: grant.clientID, issuedAt: now,
            lifetime: policy.idTokenLifetime, nonce: nonce, authTime: grant.user.authTime)
        var writer = claims.writer()
        addUserClaims(of: grant, to: &writer)
        return try keys.sign(claims: writer)
    }

    /// Adds the user claims the grant's scopes release, in name order, never overriding registered claims.
    func addUserClaims(of grant: Grant, to writer: inout JSONObjectWriter) {
        let reserved: Set<String> = ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "azp", "at_hash"]
        let released = policy.releasedClaims(for: grant.scopes)
        for name in grant.user.claims.keys.sorted() where released.contains(name) && !reserved.contains(name) {
            if let value = grant.user.claims[name] { writer.add(name, claim: value) }
        }
    }
}
