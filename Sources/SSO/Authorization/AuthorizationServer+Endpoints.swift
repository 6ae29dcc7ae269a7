import HTTP

extension AuthorizationServer {
    /// Handles a revocation request (RFC 7009): revokes the access or refresh token and every token of its
    /// sign-in. Returns 200 for unknown tokens and for tokens of other clients too, so a caller cannot tell
    /// whether a token exists.
    public func handleRevocation(_ request: HTTPRequest) -> HTTPResponse {
        do throws(TokenError) {
            guard request.method == "POST" else {
                throw TokenError.invalidRequest("Method '\(request.method)' is not allowed; use POST.")
            }
            let form = try TokenEndpoint.readForm(request)
            let client = try authenticateClient(request, form: form)
            guard let token = form["token"], !token.isEmpty else {
                throw TokenError.invalidRequest("Parameter 'token' is missing; send the token to revoke.")
            }
            try Self.archiveStep { try store.revoke(token, clientID: client.id) }
            var response = HTTPResponse(status: 200)
            response.headers.add(name: "Cache-Control", value: "no-store")
            return response
        } catch {
            return error.response()
        }
    }

    /// Handles a userinfo request (OpenID Connect Core 5.3): returns `sub` and the claims the token's scopes
    /// release, or 401 with a Bearer challenge.
    public func handleUserinfo(_ request: HTTPRequest) -> HTTPResponse {
        guard let header = request.headers["Authorization"], header.lowercased().hasPrefix("bearer ") else {
            return Self.bearerFailure(nil, "The request has no Bearer access token in the Authorization header.")
        }
        let token = String(header.dropFirst("bearer ".count)).trimmingASCIIWhitespace()
        guard let grant = store.accessGrant(token, now: clock().timeIntervalSince1970) else {
            return Self.bearerFailure("invalid_token", "The access token is unknown, expired or revoked.")
        }
        guard grant.scopes.contains("openid") else {
            return Self.bearerFailure("insufficient_scope", "The access token was not granted the 'openid' scope.")
        }
        var writer = JSONObjectWriter()
        writer.add("sub", grant.user.sourcedId)
        addUserClaims(of: grant, to: &writer)
        var response = HTTPResponse.json(writer.text)
        response.headers.add(name: "Cache-Control", value: "no-store")
        return response
    }

    private static func bearerFailure(_ code: String?, _ description: String) -> HTTPResponse {
        var challenge = "Bearer realm=\"rollbook\""
        if let code { challenge += ", error=\"\(code)\", error_description=\"\(description)\"" }
        var response = HTTPResponse.text(description + "\n", status: code == "insufficient_scope" ? 403 : 401)
        response.headers.add(name: "WWW-Authenticate", value: challenge)
        response.headers.add(name: "Cache-Control", value: "no-store")
        return response
    }

    /// Decides an RP-initiated logout request from its `id_token_hint`, `post_logout_redirect_uri`, `client_id`
    /// and `state` parameters.
    ///
    /// The hint must be an id_token this provider signed; an expired one is accepted. The redirect URI must be
    /// registered for the client the hint names, and without a valid hint no redirect is made.
    public func endSession(queryItems: [QueryItem]) -> EndSessionDecision {
        func value(_ name: String) -> String? { queryItems.first { $0.name == name }?.value }
        var subject: String?
        var audience: String?
        if let hint = value("id_token_hint") {
            guard let decoded = try? JWT.decode(hint), let kid = decoded.kid,
                let key = keys.verificationKeys().keysByKid[kid], decoded.isSigned(by: key),
                decoded.claims["iss"]?.stringValue == discovery.issuer
            else {
                return .page(error: "invalid_request", message: "The id_token_hint was not issued by this provider.")
            }
            subject = decoded.claims["sub"]?.stringValue
            audience = decoded.claims["aud"]?.stringValue
        }
        if let clientID = value("client_id"), let audience, clientID != audience {
            return .page(
                error: "invalid_request", message: "Parameter 'client_id' does not match the id_token_hint's audience.")
        }
        guard let redirect = value("post_logout_redirect_uri") else {
            return .signedOut(subject: subject, redirectURL: nil)
        }
        guard let audience, let client = clients.client(id: audience) else {
            return .page(
                error: "invalid_request",
                message: "Parameter 'post_logout_redirect_uri' needs a valid id_token_hint naming the client.")
        }
        guard client.postLogoutRedirectURIs.contains(redirect) else {
            return .page(
                error: "invalid_request",
                message: "Post-logout redirect URI '\(redirect.sanitizedForErrorDescription(limit: 200))' is not "
                    + "registered for client '\(client.id)'.")
        }
        var parameters: [(String, String)] = []
        if let state = value("state") { parameters.append(("state", state)) }
        let url = parameters.isEmpty ? redirect : RedirectURL.appending(parameters, to: redirect)
        return .signedOut(subject: subject, redirectURL: url)
    }
}

/// The outcome of an RP-initiated logout request.
public enum EndSessionDecision: Sendable, Equatable {
    /// End the session of `subject` (when the hint named one), then redirect, or show a signed-out page when
    /// `redirectURL` is nil.
    case signedOut(subject: String?, redirectURL: String?)
    /// Show an error page and do not redirect.
    case page(error: String, message: String)
}
