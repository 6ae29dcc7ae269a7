import HTTP

/// A validated authorization request of the code flow (RFC 6749 section 4.1.1, OpenID Connect Core 3.1.2.1).
public struct AuthorizationRequest: Sendable {
    /// The client that made the request.
    public let client: SSOClient
    /// The registered redirect URI the request named.
    public let redirectURI: String
    /// The requested scopes, all allowed for the client. `openid` is always among them.
    public let scopes: Set<String>
    /// The client's opaque `state`, returned unchanged in the redirect.
    public let state: String?
    /// The OpenID Connect `nonce`, copied into the id_token.
    public let nonce: String?
    /// The S256 PKCE challenge, or nil when the client does not require PKCE and sent none.
    public let codeChallenge: String?
    /// The `district` hint: an opaque string the sign-in pages use to pick the district's identity provider.
    public let districtHint: String?
    /// The `prompt` values: `none` (respond without showing a page), `login` (authenticate again), `consent` or
    /// `select_account`.
    public let prompt: Set<String>
    /// The `max_age` in seconds: the person must have authenticated at most this long ago.
    public let maxAge: Int?

    /// The maximum length of `state`, `nonce` or `district`, in bytes.
    public static let maximumParameterLength = 512

    /// Validates the query of an authorization request.
    ///
    /// `prompt` and `max_age` are checked here and applied by the sign-in closure. `request` and `request_uri`
    /// (request objects) are not supported and are rejected with `request_not_supported` and
    /// `request_uri_not_supported`.
    ///
    /// An unknown client or an unregistered redirect URI gives an error with no redirect. Other errors carry a
    /// redirect to the client with `error`, `error_description` and `state`.
    public static func parse(queryItems: [QueryItem], clients: SSOClientRegistry) -> Result<
        AuthorizationRequest, AuthorizationError
    > {
        do {
            return .success(try validate(queryItems, clients: clients))
        } catch {
            return .failure(error)
        }
    }

    private static func validate(_ items: [QueryItem], clients: SSOClientRegistry) throws(AuthorizationError)
        -> AuthorizationRequest
    {
        let (client, redirectURI) = try identifyClient(items, clients: clients)
        var parameters: [String: String] = [:]
        var repeated: String?
        for item in items where parameters.updateValue(item.value, forKey: item.name) != nil {
            repeated = repeated ?? item.name
        }
        let rawState = parameters["state"]
        let state = rawState.flatMap { $0.utf8.count <= maximumParameterLength ? $0 : nil }
        func reject(_ code: String, _ message: String) -> AuthorizationError {
            .redirect(code, message, to: redirectURI, state: state)
        }

        if let repeated {
            throw reject("invalid_request", "Parameter '\(repeated)' appears more than once; send each parameter once.")
        }
        for name in ["state", "nonce", "district"] {
            if let value = parameters[name], value.utf8.count > maximumParameterLength {
                throw reject(
                    "invalid_request",
                    "Parameter '\(name)' is \(value.utf8.count) bytes; the limit is \(maximumParameterLength).")
            }
        }
        guard let responseType = parameters["response_type"] else {
            throw reject("invalid_request", "Parameter 'response_type' is missing; expected 'code'.")
        }
        guard responseType == "code" else {
            throw reject(
                "unsupported_response_type",
                "Response type '\(responseType)' is not supported; expected 'code' (authorization code flow).")
        }
        if parameters["request"] != nil {
            throw reject(
                "request_not_supported", "Request objects are not supported; send the parameters in the query.")
        }
        if parameters["request_uri"] != nil {
            throw reject(
                "request_uri_not_supported",
                "Parameter 'request_uri' is not supported; send the parameters in the query.")
        }
        let scopes = try checkScopes(parameters["scope"], client: client, reject: reject)
        let challenge = try checkPKCE(parameters, client: client, reject: reject)
        let prompt = Set((parameters["prompt"] ?? "").split(separator: " ").map(String.init))
        let known: Set<String> = ["none", "login", "consent", "select_account"]
        if let unknown = prompt.subtracting(known).sorted().first {
            throw reject(
                "invalid_request",
                "Prompt '\(unknown.sanitizedForErrorDescription(limit: 40))' is unknown; expected none, login, consent "
                    + "or select_account.")
        }
        if prompt.contains("none") && prompt.count > 1 {
            throw reject("invalid_request", "Prompt 'none' cannot be combined with other prompt values.")
        }
        var maxAge: Int?
        if let text = parameters["max_age"] {
            guard let seconds = Int(text), seconds >= 0 else {
                throw reject(
                    "invalid_request",
                    "Parameter 'max_age' is '\(text.sanitizedForErrorDescription(limit: 40))'; expected whole seconds.")
            }
            maxAge = seconds
        }

        return AuthorizationRequest(
            client: client, redirectURI: redirectURI, scopes: scopes, state: rawState, nonce: parameters["nonce"],
            codeChallenge: challenge, districtHint: parameters["district"], prompt: prompt, maxAge: maxAge)
    }

    /// Finds the client and its redirect URI. Both failures are shown as a page and never redirected.
    private static func identifyClient(_ items: [QueryItem], clients: SSOClientRegistry) throws(AuthorizationError)
        -> (SSOClient, String)
    {
        let ids = items.filter { $0.name == "client_id" }.map(\.value)
        guard ids.count == 1, let id = ids.first, !id.isEmpty else {
            throw .page(
                "invalid_request",
                ids.isEmpty
                    ? "Parameter 'client_id' is missing; the application must send its client id."
                    : "Parameter 'client_id' appears more than once; the application must send it once.")
        }
        guard let client = clients.client(id: id) else {
            throw .page(
                "invalid_client",
                "Client '\(id.sanitizedForErrorDescription())' is not registered; check the application's client id.")
        }
        let uris = items.filter { $0.name == "redirect_uri" }.map(\.value)
        guard uris.count == 1, let redirectURI = uris.first else {
            throw .page(
                "invalid_request",
                uris.isEmpty
                    ? "Parameter 'redirect_uri' is missing; OpenID Connect requires it."
                    : "Parameter 'redirect_uri' appears more than once; the application must send it once.")
        }
        guard client.redirectURIs.contains(redirectURI) else {
            throw .page(
                "invalid_request",
                "Redirect URI '\(redirectURI.sanitizedForErrorDescription(limit: 200))' is not registered for "
                    + "client '\(client.id)'; it must match a registered URI exactly.")
        }
        return (client, redirectURI)
    }

    private static func checkScopes(
        _ scope: String?, client: SSOClient, reject: (String, String) -> AuthorizationError
    ) throws(AuthorizationError) -> Set<String> {
        let names = Set((scope ?? "").split(separator: " ").map(String.init))
        guard names.contains("openid") else {
            throw reject(
                "invalid_scope", "Parameter 'scope' lacks 'openid'; this provider serves OpenID Connect requests only.")
        }
        if let extra = names.subtracting(client.allowedScopes).sorted().first {
            throw reject(
                "invalid_scope",
                "Scope '\(extra)' is not allowed for client '\(client.id)'; allowed: "
                    + client.allowedScopes.sorted().joined(separator: " ") + ".")
        }
        return names
    }

    private static func checkPKCE(
        _ parameters: [String: String], client: SSOClient, reject: (String, String) -> AuthorizationError
    ) throws(AuthorizationError) -> String? {
        let method = parameters["code_challenge_method"]
        guard let challenge = parameters["code_challenge"] else {
            if method != nil {
                throw reject(
                    "invalid_request", "Parameter 'code_challenge_method' is set but 'code_challenge' is missing.")
            }
            if client.requiresPKCE {
                throw reject(
                    "invalid_request",
                    "Parameter 'code_challenge' is missing; client '\(client.id)' must use PKCE with method S256.")
            }
            return nil
        }
        guard let method, method == "S256" else {
            throw reject(
                "invalid_request",
                "Code challenge method '\(method ?? "plain")' is not supported; send code_challenge_method=S256.")
        }
        guard PKCE.isWellFormed(challenge) else {
            throw reject(
                "invalid_request",
                "Parameter 'code_challenge' is not 43 to 128 base64url characters; send base64url(SHA-256(verifier)).")
        }
        return challenge
    }
}
