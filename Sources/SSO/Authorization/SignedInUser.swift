/// The value of one user claim, in the JSON types id_tokens and userinfo use.
public enum ClaimValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case strings([String])
}

/// The user the sign-in pages authenticated, as the authorization server receives it.
///
/// The caller computes `claims` from the app's view, so they hold only what the app may see at all. The scopes
/// granted to the client then select among them.
public struct SignedInUser: Sendable {
    /// The user's sourcedId, which becomes the `sub` claim.
    public var sourcedId: String
    /// The district (tenant) the user belongs to.
    public var district: String
    /// Claims the app may see, by claim name, such as `email` or `given_name`.
    public var claims: [String: ClaimValue]
    /// The time the user authenticated, in seconds since 1970, written as `auth_time`.
    public var authTime: Int

    /// Creates a signed-in user.
    public init(sourcedId: String, district: String, claims: [String: ClaimValue] = [:], authTime: Int) {
        self.sourcedId = sourcedId
        self.district = district
        self.claims = claims
        self.authTime = authTime
    }
}

extension JSONObjectWriter {
    /// Adds a claim value of any supported type.
    mutating func add(_ name: String, claim: ClaimValue) {
        switch claim {
        case .string(let value): add(name, value)
        case .integer(let value): add(name, value)
        case .boolean(let value): add(name, value)
        case .strings(let values): add(name, values)
        }
    }
}
