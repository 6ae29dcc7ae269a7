import HTTP
import Store

extension AuthorizationServer {
    /// Handles a token request with the `authorization_code` or `refresh_token` grant (RFC 6749 sections 4.1.3
    /// and 6) and returns the tokens or an RFC 6749 section 5.2 error, always with `Cache-Control: no-store`.
    public func handleToken(_ request: HTTPRequest) -> HTTPResponse {
        guard request.method == "POST" else {
            var response = TokenError.invalidRequest(
                "Method '\(request.method)' is not allowed at the token endpoint; use POST."
            ).response()
            response.status = 405
            response.headers.add(name: "Allow", value: "POST")
            return response
        }
        do throws(TokenError) {
            let form = try TokenEndpoint.readForm(request)
            switch form["grant_type"] {
            case "authorization_code": return try exchangeCode(request, form: form)
            case "refresh_token": return try exchangeRefreshToken(request, form: form)
            case nil:
                throw TokenError.invalidRequest(
                    "Parameter 'grant_type' is missing; expected 'authorization_code' or 'refresh_token'.")
            case let other?:
                throw TokenError(
                    code: "unsupported_grant_type",
                    description: "Grant type '\(other)' is not supported here; expected 'authorization_code' or "
                        + "'refresh_token'.")
            }
        } catch {
            return error.response()
        }
    }

    private func exchangeCode(_ request: HTTPRequest, form: [String: String]) throws(TokenError) -> HTTPResponse {
        let client = try authenticateClient(request, form: form)
        guard let code = form["code"], !code.isEmpty else {
            throw .invalidRequest("Parameter 'code' is missing; send the code from the authorization redirect.")
        }
        let now = clock().timeIntervalSince1970
        let record: CodeRecord
        switch try Self.archiveStep({ try store.redeemCode(code, now: now) }) {
        case .unknown: throw Self.invalidGrant("The authorization code is unknown.")
        case .expired: throw Self.invalidGrant("The authorization code has expired; codes are valid for 60 s at most.")
        case .reused:
            throw Self.invalidGrant("The authorization code was already used; the tokens issued for it are revoked.")
        case .valid(let redeemed): record = redeemed
        }
        guard record.grant.clientID == client.id else {
            throw Self.invalidGrant("The authorization code was issued to another client.")
        }
        guard form["redirect_uri"] == record.redirectURI else {
            throw Self.invalidGrant(
                "Parameter 'redirect_uri' does not match the one in the authorization request; send the same URI.")
        }
        try checkVerifier(form["code_verifier"], challenge: record.codeChallenge)
        return try issueTokens(for: record.grant, nonce: record.nonce, refreshExpiresAt: nil, now: now)
    }

    private func checkVerifier(_ verifier: String?, challenge: String?) throws(TokenError) {
        switch (verifier, challenge) {
        case (nil, nil): return
        case (nil, _?):
            throw Self.invalidGrant("Parameter 'code_verifier' is missing; the authorization request used PKCE.")
        case (_?, nil):
            throw Self.invalidGrant(
                "Parameter 'code_verifier' was sent, but the authorization request had no challenge.")
        case (let verifier?, let challenge?):
            guard PKCE.isWellFormed(verifier) else {
                throw .invalidRequest("Parameter 'code_verifier' is not 43 to 128 characters of [A-Za-z0-9-._~].")
            }
            guard PKCE.verify(verifier: verifier, challenge: challenge) else {
                throw Self.invalidGrant("The PKCE code verifier does not match the code challenge.")
            }
        }
    }

    private func exchangeRefreshToken(_ request: HTTPRequest, form: [String: String]) throws(TokenError)
        -> HTTPResponse
    {
        let client = try authenticateClient(request, form: form)
        guard let token = form["refresh_token"], !token.isEmpty, token.utf8.count <= 512 else {
            throw .invalidRequest("Parameter 'refresh_token' is missing or longer than 512 bytes.")
        }

        let now = clock().timeIntervalSince1970
        let record: RefreshRecord
        switch try Self.archiveStep({ try store.redeemRefresh(token, now: now) }) {
        case .unknown: throw Self.invalidGrant("The refresh token is unknown or revoked.")
        case .expired: throw Self.invalidGrant("The refresh token has expired; sign the user in again.")
        case .reused:
            throw Self.invalidGrant("The refresh token was already used; every token of its sign-in is revoked.")
        case .valid(let redeemed): record = redeemed
        }

        // NOTE: the token is spent even when the client or scope check below fails, so a stolen token tried by
        // the wrong client stops working for the right one too.
        guard record.grant.clientID == client.id else {
            throw Self.invalidGrant("The refresh token was issued to another client.")
        }

        // The user must still be in the app's view, with the claims the view has now, and the client must still
        // be allowed every scope, so that a roster or configuration change holds for refreshed tokens too.
        var user = record.grant.user
        if let refreshUser {
            guard let claims = refreshUser(user, client) else {
                throw Self.invalidGrant("The user is no longer in the application's roster view; sign them in again.")
            }
            user.claims = claims
        }
        var grant = Grant(
            clientID: client.id, user: user, scopes: record.grant.scopes.intersection(client.allowedScopes),
            family: record.grant.family)
        if let scope = form["scope"] {
            let requested = Set(scope.split(separator: " ").map(String.init))
            guard requested.isSubset(of: grant.scopes) else {
                throw TokenError(
                    code: "invalid_scope",
                    description: "The requested scope is broader than the original grant; request a subset of '"
                        + grant.scopes.sorted().joined(separator: " ") + "'.")
            }
            grant = Grant(clientID: grant.clientID, user: grant.user, scopes: requested, family: grant.family)
        }
        return try issueTokens(for: grant, nonce: nil, refreshExpiresAt: record.expiresAt, now: now)
    }

    /// Issues the access token, the refresh token when `offline_access` was granted, and the id_token when this
    /// is a code exchange.
    private func issueTokens(for grant: Grant, nonce: String?, refreshExpiresAt: Double?, now: Double)
        throws(TokenError) -> HTTPResponse
    {
        let accessToken = Base64.encodeURLSafe(SecureRandom.bytes(32))
        let refreshToken =
            grant.scopes.contains("offline_access") ? Base64.encodeURLSafe(SecureRandom.bytes(32)) : nil
        var signedIDToken: String?
        if refreshExpiresAt == nil {
            do {
                signedIDToken = try idToken(for: grant, nonce: nonce, now: now)
            } catch {
                throw TokenError(
                    code: "server_error", description: "The id_token could not be signed; the provider has no key.",
                    status: 500)
            }
        }
        let stored = try Self.archiveStep {
            try store.storeTokens(
                access: accessToken, grant: grant, accessExpiresAt: now + Double(policy.accessTokenLifetime),
                refresh: refreshToken,
                refreshExpiresAt: refreshExpiresAt ?? now + Double(policy.refreshTokenLifetime), now: now)
        }
        guard stored else { throw Self.invalidGrant("The grant was revoked while the tokens were issued.") }

        var writer = JSONObjectWriter()
        writer.add("access_token", accessToken)
        writer.add("token_type", "Bearer")
        writer.add("expires_in", policy.accessTokenLifetime)
        writer.add("scope", grant.scopes.sorted().joined(separator: " "))
        if let refreshToken { writer.add("refresh_token", refreshToken) }
        if let signedIDToken { writer.add("id_token", signedIDToken) }
        var response = HTTPResponse.json(writer.text)
        response.headers.add(name: "Cache-Control", value: "no-store")
        response.headers.add(name: "Pragma", value: "no-cache")
        return response
    }

    /// Runs a grant store step that may reach the refresh token archive, and turns an archive failure into a
    /// `server_error` response.
    ///
    /// The server has no logger, so the error's stable code goes into the response description, and the service
    /// logs every response with a 500 status.
    static func archiveStep<T>(_ step: () throws -> T) throws(TokenError) -> T {
        do {
            return try step()
        } catch {
            let code = (error as? StoreError)?.code ?? (error as? RefreshTokenArchiveError)?.code ?? "unknown"
            throw TokenError(
                code: "server_error",
                description: "The refresh token store failed with '\(code)'. Retry once, and sign the user in again "
                    + "if it fails again.",
                status: 500)
        }
    }

    static func invalidGrant(_ description: String) -> TokenError {
        TokenError(code: "invalid_grant", description: description)
    }
}
