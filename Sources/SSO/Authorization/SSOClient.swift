/// One relying party that signs users in through Rollbook: it belongs to one app and reads only that app's view.
///
/// A client with a `secretHash` is confidential and authenticates at the token endpoint with HTTP Basic or body
/// parameters. A client without one is public: it sends only `client_id`, and PKCE is always required for it.
public struct SSOClient: Sendable {
    /// The client identifier, which is also the `aud` of its id_tokens.
    public let id: String
    /// The application whose roster view limits who may sign in and which claims are shared.
    public let app: String
    /// The PBKDF2 hash of the client secret (see `SecretHash`), or nil for a public client.
    public let secretHash: String?
    /// The registered redirect URIs, compared with the request's `redirect_uri` as exact strings.
    public let redirectURIs: [String]
    /// The scopes the client may request, such as `openid`, `profile`, `email`, `roster` and `offline_access`.
    public let allowedScopes: Set<String>
    /// Whether authorization requests must carry an S256 `code_challenge`. Always true for public clients.
    public let requiresPKCE: Bool
    /// The URIs that RP-initiated logout may redirect to, compared as exact strings.
    public let postLogoutRedirectURIs: [String]

    /// Whether the client has no secret and so cannot authenticate itself.
    public var isPublic: Bool { secretHash == nil }

    /// Creates a client after checking its id, app, secret hash format, redirect URIs and scopes.
    public init(
        id: String, app: String, secretHash: String?, redirectURIs: [String], allowedScopes: [String],
        requiresPKCE: Bool = true, postLogoutRedirectURIs: [String] = []
    ) throws(SSOClientError) {
        guard !id.isEmpty else { throw .emptyField("id", client: id) }
        guard !app.isEmpty else { throw .emptyField("app", client: id) }
        if let secretHash {
            do {
                try SecretHash.validate(secretHash)
            } catch {
                throw .invalidSecretHash(client: id, error)
            }
        }
        guard !redirectURIs.isEmpty else { throw .emptyField("redirectURIs", client: id) }
        for uri in redirectURIs + postLogoutRedirectURIs where !Self.isAcceptableRedirect(uri) {
            throw .invalidRedirectURI(uri, client: id)
        }
        guard allowedScopes.contains("openid") else { throw .missingOpenIDScope(client: id) }

        self.id = id
        self.app = app
        self.secretHash = secretHash
        self.redirectURIs = redirectURIs
        self.allowedScopes = Set(allowedScopes)
        self.requiresPKCE = secretHash == nil || requiresPKCE
        self.postLogoutRedirectURIs = postLogoutRedirectURIs
    }

    /// Accepts absolute http or https URIs without a fragment (RFC 6749 section 3.1.2) and without spaces.
    /// Plain http is allowed because native apps and tests redirect to loopback addresses.
    private static func isAcceptableRedirect(_ uri: String) -> Bool {
        (uri.hasPrefix("https://") || uri.hasPrefix("http://")) && !uri.contains("#") && !uri.contains(" ")
            && uri.utf8.count <= 2048
    }
}

/// The SSO clients by id.
public struct SSOClientRegistry: Sendable {
    private let byID: [String: SSOClient]

    /// Creates a registry, rejecting two clients with one id.
    public init(_ clients: [SSOClient]) throws(SSOClientError) {
        var byID: [String: SSOClient] = [:]
        for client in clients {
            guard byID.updateValue(client, forKey: client.id) == nil else { throw .duplicateID(client.id) }
        }
        self.byID = byID
    }

    /// Returns the client with identifier `id`, if any.
    public func client(id: String) -> SSOClient? { byID[id] }
}
