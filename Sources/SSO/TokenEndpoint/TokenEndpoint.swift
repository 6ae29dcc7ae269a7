import HTTP

/// The OAuth 2.0 token endpoint for the client credentials grant (RFC 6749 section 4.4).
///
/// Register `handle` for `POST` on the token path. Clients authenticate with HTTP Basic or with body
/// parameters, never both. The grant is the intersection of the requested and the allowed scopes, or all
/// allowed scopes when the request names none. Failed authentications count toward a per-client-id lockout
/// (see `FailedAuthenticationLimiter`), and a locked-out id gets 429 with `Retry-After`.
public struct TokenEndpoint: Sendable {
    private let clients: APIClientRegistry
    private let tokens: TokenService
    private let limiter: FailedAuthenticationLimiter
    private let realm: String
    private let secrets = VerifiedSecretCache()

    /// Creates the endpoint over the shared client registry and token service.
    public init(
        clients: APIClientRegistry, tokens: TokenService,
        limiter: FailedAuthenticationLimiter = FailedAuthenticationLimiter(), realm: String = "rollbook"
    ) {
        self.clients = clients
        self.tokens = tokens
        self.limiter = limiter
        self.realm = realm.sanitizedForErrorDescription()
    }

    /// Handles one token request and returns the token or an RFC 6749 error response.
    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        guard request.method == "POST" else {
            var response = TokenError.invalidRequest(
                "Method '\(request.method)' is not allowed at the token endpoint; use POST."
            ).response()
            response.status = 405
            response.headers.add(name: "Allow", value: "POST")
            return response
        }
        do {
            return try issueToken(for: request)
        } catch {
            return error.response()
        }
    }

    private func issueToken(for request: HTTPRequest) throws(TokenError) -> HTTPResponse {
        let form = try Self.readForm(request)
        guard let grantType = form["grant_type"] else {
            throw .invalidRequest("Parameter 'grant_type' is missing; expected 'client_credentials'.")
        }
        guard grantType == "client_credentials" else {
            throw TokenError(
                code: "unsupported_grant_type",
                description: "Grant type '\(grantType)' is not supported; expected 'client_credentials'.")
        }
        let credentials = try ClientCredentials.extract(
            authorization: request.headers["Authorization"], form: form, realm: realm)
        let client = try authenticate(credentials)
        guard client.isEnabled else {
            throw TokenError(
                code: "unauthorized_client", description: "Client '\(client.id)' is disabled in the configuration.")
        }
        let scopes = try Self.grantedScopes(requested: form["scope"], allowed: client.scopes)
        return Self.tokenResponse(tokens.issue(for: client, scopes: scopes))
    }

    /// Checks the secret against the client's stored hash, under the failed-attempt limit.
    private func authenticate(_ credentials: ClientCredentials) throws(TokenError) -> APIClient {
        let challenge: String? = credentials.method == .basic ? "Basic realm=\"\(realm)\", charset=\"UTF-8\"" : nil
        let status = credentials.method == .basic ? 401 : 400
        if let remaining = limiter.lockoutRemaining(clientID: credentials.clientID) {
            throw TokenError(
                code: "invalid_client",
                description: "Too many failed authentications for client '\(credentials.clientID)'; "
                    + "retry in \(remaining) s.",
                status: 429, retryAfter: remaining)
        }

        let client = clients.client(id: credentials.clientID)
        let matches: Bool
        do {
            // A client without a secret hash (OAuth 1.0a only) is checked against the decoy and always fails.
            let stored = client?.secretHash ?? Self.decoyHash
            matches = try secrets.verify(credentials.secret, against: stored) && client?.secretHash != nil
        } catch {
            matches = false
        }
        guard matches, let client else {
            limiter.recordFailure(clientID: credentials.clientID)
            throw TokenError(
                code: "invalid_client",
                description: "Client authentication failed: unknown client id '\(credentials.clientID)' "
                    + "or wrong secret.",
                status: status, challenge: challenge)
        }
        limiter.recordSuccess(clientID: credentials.clientID)
        return client
    }

    /// A hash checked when the client id is unknown, so that case costs as much time as a wrong secret.
    static let decoyHash = SecretHash.make(secret: "decoy", iterations: SecretHash.defaultIterations)

    /// Reads a form-urlencoded POST body, rejecting other content types, secrets in the URL and repeated
    /// parameters (RFC 6749 3.2). The authorization server's token endpoint reads its body the same way.
    static func readForm(_ request: HTTPRequest) throws(TokenError) -> [String: String] {
        let contentType = request.headers["Content-Type"] ?? ""
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
        guard mediaType.trimmingASCIIWhitespace().lowercased() == "application/x-www-form-urlencoded" else {
            throw .invalidRequest(
                "Content-Type is '\(contentType)'; expected 'application/x-www-form-urlencoded'.")
        }
        if request.queryItems.contains(where: { $0.name == "client_secret" || $0.name == "code_verifier" }) {
            throw .invalidRequest("Secrets must not be sent in the URL; send them in the body.")
        }
        guard let text = String(validating: request.body, as: UTF8.self),
            let pairs = PercentEncoding.decodeForm(Substring(text))
        else {
            throw .invalidRequest("The request body is not valid form-urlencoded UTF-8 text.")
        }
        var form: [String: String] = [:]
        for (name, value) in pairs {
            guard form.updateValue(value, forKey: name) == nil else {
                throw .invalidRequest("Parameter '\(name)' appears more than once; send each parameter once.")
            }
        }
        return form
    }

    /// Intersects the space-separated `requested` scopes with `allowed`, or grants `allowed` when none are named.
    static func grantedScopes(requested: String?, allowed: Set<String>) throws(TokenError) -> Set<String> {
        let names = (requested ?? "").split(separator: " ").map(String.init)
        if names.isEmpty {
            guard !allowed.isEmpty else {
                throw TokenError(code: "invalid_scope", description: "The client has no scopes configured.")
            }
            return allowed
        }
        let granted = allowed.intersection(names)
        guard !granted.isEmpty else {
            let shown = names.first ?? ""
            throw TokenError(
                code: "invalid_scope",
                description: "None of the requested scopes, such as '\(shown)', is allowed for this client. "
                    + "Omit 'scope' to get every allowed scope.")
        }
        return granted
    }

    private static func tokenResponse(_ token: IssuedToken) -> HTTPResponse {
        let scope = token.scopes.sorted().joined(separator: " ")
        let body =
            "{\"access_token\":\(JSONText.quoted(token.accessToken)),\"token_type\":\"Bearer\","
            + "\"expires_in\":\(token.expiresIn),\"scope\":\(JSONText.quoted(scope))}"
        var response = HTTPResponse.json(body)
        response.headers.add(name: "Cache-Control", value: "no-store")
        response.headers.add(name: "Pragma", value: "no-cache")
        return response
    }
}
