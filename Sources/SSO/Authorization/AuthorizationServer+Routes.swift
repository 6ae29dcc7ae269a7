import HTTP

/// What the service decides about the user of an authorization request.
public enum SignInOutcome: Sendable {
    /// The user is signed in and in the app's view: issue a code.
    case signedIn(SignedInUser)
    /// The user must sign in first: redirect the browser to this URL, such as the sign-in page.
    case redirect(String)
    /// The user is signed in but outside the app's view: report `access_denied` to the client.
    case denied
    /// Report this error to the client, such as `login_required` for `prompt=none` without a session.
    case error(code: String, description: String)
}

extension AuthorizationServer {
    /// Mounts authorize (GET), token, revoke, userinfo (GET and POST), end-session (GET), JWKS and discovery on
    /// the paths `discovery` lists. `signIn` returns the signed-in user of a validated request, or where to go.
    /// `endSession` ends the browser's session for a logout request and the subject its id_token_hint names, and
    /// returns the `Set-Cookie` values that clear it.
    public func register(
        into router: inout Router,
        signIn: @escaping @Sendable (HTTPRequest, AuthorizationRequest) -> SignInOutcome,
        endSession onEnd: @escaping @Sendable (HTTPRequest, String?) -> [String] = { _, _ in [] }
    ) {
        router.add("GET", discovery.authorizationPath) { [self] request, _ in
            authorize(request, signIn: signIn)
        }
        router.add("POST", discovery.tokenPath) { [self] request, _ in handleToken(request) }
        router.add("POST", discovery.revocationPath) { [self] request, _ in handleRevocation(request) }
        router.add("GET", discovery.userinfoPath) { [self] request, _ in handleUserinfo(request) }
        router.add("POST", discovery.userinfoPath) { [self] request, _ in handleUserinfo(request) }
        router.add("GET", discovery.endSessionPath) { [self] request, _ in
            switch endSession(queryItems: request.queryItems) {
            case .signedOut(let subject, let url):
                let cookies = onEnd(request, subject)
                var response = url.map(Self.found) ?? .text("You are signed out.\n")
                for cookie in cookies { response.headers.add(name: "Set-Cookie", value: cookie) }
                return response
            case .page(_, let message):
                return Self.errorPage(message)
            }
        }
        router.add("GET", discovery.jwksPath) { [self] _, _ in
            var response = HTTPResponse.json(keys.jwksJSON())
            response.headers.add(name: "Cache-Control", value: "public, max-age=300")
            return response
        }
        let document = discovery.documentJSON()
        router.add("GET", "/.well-known/openid-configuration") { _, _ in HTTPResponse.json(document) }
    }

    /// Validates an authorization request and returns a code redirect, an error redirect, a sign-in
    /// redirect or an error page.
    public func authorize(
        _ request: HTTPRequest, signIn: @Sendable (HTTPRequest, AuthorizationRequest) -> SignInOutcome
    ) -> HTTPResponse {
        switch AuthorizationRequest.parse(queryItems: request.queryItems, clients: clients) {
        case .failure(let error):
            return error.redirectURL.map(Self.found) ?? Self.errorPage(error.message)
        case .success(let validated):
            switch signIn(request, validated) {
            case .signedIn(let user): return Self.found(issueCode(for: validated, user: user))
            case .redirect(let url): return Self.found(url)
            case .denied: return Self.found(deny(validated))
            case .error(let code, let description):
                return Self.found(deny(validated, error: code, description: description))
            }
        }
    }

    static func found(_ location: String) -> HTTPResponse {
        var response = HTTPResponse(status: 302)
        response.headers.add(name: "Location", value: location)
        response.headers.add(name: "Cache-Control", value: "no-store")
        return response
    }

    /// Makes a plain-text error page, because plain text needs no escaping of the values it quotes.
    static func errorPage(_ message: String) -> HTTPResponse {
        var response = HTTPResponse.text("The sign-in request cannot be completed. \(message)\n", status: 400)
        response.headers.add(name: "Cache-Control", value: "no-store")
        response.headers.add(name: "X-Content-Type-Options", value: "nosniff")
        return response
    }
}
