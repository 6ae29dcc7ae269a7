import HTTP

extension AuthorizationServer {
    /// Authenticates the client of a token or revocation request.
    ///
    /// A confidential client sends its secret with HTTP Basic or in the body, and failures count toward the
    /// limiter's lockout. A public client sends only `client_id` in the body.
    func authenticateClient(_ request: HTTPRequest, form: [String: String]) throws(TokenError) -> SSOClient {
        let authorization = request.headers["Authorization"]
        guard authorization != nil || form["client_secret"] != nil else {
            return try publicClient(form["client_id"])
        }
        let credentials = try ClientCredentials.extract(authorization: authorization, form: form, realm: realm)
        let challenge: String? = credentials.method == .basic ? "Basic realm=\"\(realm)\", charset=\"UTF-8\"" : nil
        if let remaining = limiter.lockoutRemaining(clientID: credentials.clientID) {
            throw TokenError(
                code: "invalid_client",
                description: "Too many failed authentications for client '\(credentials.clientID)'; "
                    + "retry in \(remaining) s.",
                status: 429, retryAfter: remaining)
        }
        let client = clients.client(id: credentials.clientID)
        let stored = client?.secretHash ?? TokenEndpoint.decoyHash
        let matches =
            ((try? secrets.verify(credentials.secret, against: stored)) ?? false) && client?.secretHash != nil
        guard matches, let client else {
            limiter.recordFailure(clientID: credentials.clientID)
            throw TokenError(
                code: "invalid_client",
                description: "Client authentication failed: unknown client id '\(credentials.clientID)' "
                    + "or wrong secret.",
                status: credentials.method == .basic ? 401 : 400, challenge: challenge)
        }
        limiter.recordSuccess(clientID: credentials.clientID)
        return client
    }

    private func publicClient(_ id: String?) throws(TokenError) -> SSOClient {
        guard let id, !id.isEmpty else {
            throw TokenError(
                code: "invalid_client",
                description: "No client identification; a public client sends 'client_id', and a confidential "
                    + "client authenticates with HTTP Basic or 'client_id' and 'client_secret'.",
                status: 401, challenge: "Basic realm=\"\(realm)\", charset=\"UTF-8\"")
        }
        guard let client = clients.client(id: id) else {
            throw TokenError(code: "invalid_client", description: "Client '\(id)' is not registered.", status: 401)
        }
        guard client.isPublic else {
            throw TokenError(
                code: "invalid_client",
                description: "Client '\(id)' is confidential and must authenticate with its secret.", status: 401,
                challenge: "Basic realm=\"\(realm)\", charset=\"UTF-8\"")
        }
        return client
    }
}
