import OneRoster

/// An authenticated OneRoster REST client: the app and district whose view it may read, and its granted scopes.
public struct RESTCaller: Sendable, Hashable {
    /// The app whose view the client reads. The client never reads another app's records.
    public var app: String
    /// The district whose roster the client reads.
    public var district: String
    /// The granted OAuth scope URIs, such as `https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly`.
    public var scopes: Set<String>
    /// The OAuth client id or OAuth 1.0a consumer key, for logs.
    public var clientId: String

    public init(app: String, district: String, scopes: Set<String>, clientId: String) {
        self.app = app
        self.district = district
        self.scopes = scopes
        self.clientId = clientId
    }
}

/// The scope URIs that guard the rostering endpoints.
enum RESTScopes {
    /// Returns the prefix of every scope URI of `version`.
    static func prefix(_ version: OneRosterVersion) -> String {
        version == .v1p1
            ? "https://purl.imsglobal.org/spec/or/v1p1/scope/" : "https://purl.imsglobal.org/spec/or/v1p2/scope/"
    }

    /// Returns nil when `scopes` allow reading `entity`, otherwise the scope URI the caller lacks.
    ///
    /// `roster-core.readonly` and `roster.readonly` allow every rostering read except demographics, which
    /// needs `roster-demographics.readonly`.
    static func missingScope(for entity: Entity, version: OneRosterVersion, in scopes: Set<String>) -> String? {
        let prefix = prefix(version)
        if entity == .demographics {
            let needed = prefix + "roster-demographics.readonly"
            return scopes.contains(needed) ? nil : needed
        }
        if scopes.contains(prefix + "roster-core.readonly") || scopes.contains(prefix + "roster.readonly") {
            return nil
        }
        return prefix + "roster-core.readonly"
    }
}
