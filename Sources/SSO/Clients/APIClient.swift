/// One OneRoster REST API client: it belongs to one app and one district and reads only that app's view.
///
/// A client authenticates with OAuth 2.0 client credentials when it has a `secretHash`, and signs requests with
/// OAuth 1.0a when it has a consumer secret. HMAC signing needs the shared secret itself, so the consumer secret
/// is held in plain form in memory. Config must load it from the environment or a file, and this type never
/// prints it: `description` and reflection mask it.
public struct APIClient: Sendable, Equatable {
    /// The client identifier, which is also the OAuth 1.0a consumer key.
    public let id: String
    /// The application whose roster view the client reads.
    public let app: String
    /// The district (tenant) whose data the client reads.
    public let district: String
    /// Allowed scope URIs, after short names were expanded.
    public let scopes: Set<String>
    /// The PBKDF2 hash of the client secret (see `SecretHash`), or nil when the client only signs with OAuth 1.0a.
    public let secretHash: String?
    /// Whether the client accepts OAuth 1.0a signatures made with HMAC-SHA1 as well as HMAC-SHA256.
    public let allowsHMACSHA1: Bool
    /// Whether the client may get tokens and make requests. The tokens of a disabled client stop working.
    public let isEnabled: Bool

    /// The OAuth 1.0a consumer secret in plain form, never logged or printed.
    let consumerSecret: String?

    /// Creates a client, expanding short scope names and checking the secret hash format.
    public init(
        id: String, app: String, district: String, scopes: [String], secretHash: String?,
        consumerSecret: String? = nil, allowsHMACSHA1: Bool = false, isEnabled: Bool = true
    ) throws(APIClientError) {
        guard !id.isEmpty else { throw .emptyField("id", client: id) }
        guard !app.isEmpty else { throw .emptyField("app", client: id) }
        guard !district.isEmpty else { throw .emptyField("district", client: id) }
        if let secretHash {
            do {
                try SecretHash.validate(secretHash)
            } catch {
                throw .invalidSecretHash(client: id, error)
            }
        }
        if let consumerSecret, consumerSecret.isEmpty { throw .emptyField("consumer secret", client: id) }
        guard secretHash != nil || consumerSecret != nil else { throw .noCredentials(client: id) }

        self.id = id
        self.app = app
        self.district = district
        self.scopes = try OneRosterScope.expand(scopes)
        self.secretHash = secretHash
        self.consumerSecret = consumerSecret
        self.allowsHMACSHA1 = allowsHMACSHA1
        self.isEnabled = isEnabled
    }

    /// Whether the client has an OAuth 1.0a consumer secret.
    public var signsRequests: Bool { consumerSecret != nil }
}

extension APIClient: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "APIClient(id: '\(id)', app: '\(app)', district: '\(district)', scopes: \(scopes.count), "
            + "secretHash: \(secretHash == nil ? "none" : "set"), consumerSecret: \(signsRequests ? "set" : "none"))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["description": description])
    }
}
