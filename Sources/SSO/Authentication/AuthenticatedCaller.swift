/// An API request's caller after authentication: which client, for which app and district, with which scopes.
public struct AuthenticatedCaller: Sendable, Equatable {
    /// The mechanism a caller authenticated with.
    public enum Method: String, Sendable {
        /// An OAuth 2.0 bearer access token.
        case bearerToken = "bearer"
        /// An OAuth 1.0a HMAC request signature.
        case signedRequest = "oauth1"
    }

    /// The client identifier.
    public let clientID: String
    /// The application whose roster view the caller may read.
    public let app: String
    /// The district (tenant) whose data the caller may read.
    public let district: String
    /// The scope URIs granted to the caller for this request.
    public let scopes: Set<String>
    /// The mechanism the caller authenticated with.
    public let method: Method

    /// Returns nil when the caller has any of `accepted`, or else a 403 `insufficient_scope` failure.
    public func requireScope(anyOf accepted: Set<String>, realm: String = "rollbook") -> AuthenticationFailure? {
        guard scopes.isDisjoint(with: accepted) else { return nil }
        return .insufficientScope(accepted: accepted, realm: realm)
    }
}

extension OneRosterScope {
    /// Returns the scope URIs that allow reading rostering data of OneRoster 1.1 and 1.2.
    ///
    /// Demographics need `roster-demographics.readonly`. Every other rostering read accepts
    /// `roster-core.readonly` or `roster.readonly`, which exclude demographics.
    public static func rosterRead(demographics: Bool) -> Set<String> {
        demographics
            ? expand(names: ["roster-demographics.readonly"])
            : expand(names: ["roster-core.readonly", "roster.readonly"])
    }
}
