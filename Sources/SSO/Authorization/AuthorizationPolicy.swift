/// Lifetimes and claim rules of the authorization server.
public struct AuthorizationPolicy: Sendable {
    /// Seconds an authorization code stays valid. The server clamps it to 1...60.
    public var codeLifetime: Int = 60
    /// Seconds an access token stays valid.
    public var accessTokenLifetime: Int = 3600
    /// Seconds an id_token stays valid.
    public var idTokenLifetime: Int = 300
    /// Seconds a refresh token stays valid after it was issued.
    public var refreshTokenLifetime: Int = 30 * 86_400
    /// The user claims each scope releases. `sub` is always released and needs no scope.
    public var claimsByScope: [String: Set<String>] = [
        "profile": ["name", "given_name", "family_name", "middle_name", "preferred_username", "updated_at"],
        "email": ["email", "email_verified"],
        "roster": ["roster_role", "roster_roles", "roster_orgs", "roster_grades", "district"],
    ]

    /// Creates the default policy.
    public init() {}

    /// Returns the names of the claims that `scopes` release.
    func releasedClaims(for scopes: Set<String>) -> Set<String> {
        var names: Set<String> = []
        for scope in scopes { names.formUnion(claimsByScope[scope] ?? []) }
        return names
    }
}
