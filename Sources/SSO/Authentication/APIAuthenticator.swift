import Foundation
import HTTP
import Synchronization

/// Authenticates OneRoster REST API requests by bearer token or by OAuth 1.0a HMAC signature.
///
/// Tokens survive a reload of the client registry, but a token stops working when its client is removed or
/// disabled, or when the client's app or district changed since the token was issued. A token's scopes are
/// narrowed to the client's current scopes. OAuth 1.0a consumers get their client's scopes, or, when it lists
/// none, `OneRosterScope.defaultSignedRequestScopes`.
public final class APIAuthenticator: Sendable {
    let clients: APIClientRegistry
    let tokens: TokenService
    let realm: String
    let policy: SignedRequestPolicy
    let clock: @Sendable () -> Date
    let nonces: Mutex<NonceCache>

    /// Creates an authenticator over the shared registry and token service. Tests can replace `clock`.
    public init(
        clients: APIClientRegistry, tokens: TokenService, realm: String = "rollbook",
        policy: SignedRequestPolicy = SignedRequestPolicy(), clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.clients = clients
        self.tokens = tokens
        self.realm = realm.sanitizedForErrorDescription()
        self.policy = policy
        self.clock = clock
        self.nonces = Mutex(NonceCache(maxPerConsumer: policy.maxNoncesPerConsumer))
    }

    /// Authenticates `request`. `url` is the full URL that the client requested (`scheme://host:port/path?query`),
    /// which OAuth 1.0a signatures cover.
    public func authenticate(_ request: HTTPRequest, url: String) -> Result<AuthenticatedCaller, AuthenticationFailure>
    {
        let authorization = request.headers["Authorization"].map { Substring($0.trimmingASCIIWhitespace()) }
        let scheme = authorization.flatMap { $0.split(separator: " ", maxSplits: 1).first?.lowercased() }
        if scheme == "bearer" {
            return authenticateBearer(authorization ?? "", request: request)
        }
        if scheme == "oauth" || (authorization == nil && Self.carriesOAuthParameters(request)) {
            return authenticateSigned(request, url: url, authorization: authorization)
        }
        if authorization == nil {
            return .failure(
                .bearer(
                    status: 401, code: "missing_credentials", error: nil, realm: realm,
                    "The request has no credentials; send 'Authorization: Bearer <token>' or an OAuth 1.0a signature."
                ))
        }
        return .failure(
            .bearer(
                status: 401, code: "unsupported_scheme", error: nil, realm: realm,
                "The Authorization header uses scheme '\((scheme ?? "").sanitizedForErrorDescription(limit: 16))'; "
                    + "expected Bearer or OAuth."))
    }

    private func authenticateBearer(_ authorization: Substring, request: HTTPRequest) -> Result<
        AuthenticatedCaller, AuthenticationFailure
    > {
        let parts = authorization.split(separator: " ", maxSplits: 1)
        let token = parts.count == 2 ? String(parts[1]).trimmingASCIIWhitespace() : ""
        guard Self.isBearerTokenSyntax(token) else {
            return .failure(
                .bearer(
                    status: 400, code: "invalid_request", error: "invalid_request", realm: realm,
                    "The Authorization header has no well-formed bearer token after 'Bearer'."))
        }
        if request.queryItems.contains(where: { $0.name == "access_token" }) {
            return .failure(
                .bearer(
                    status: 400, code: "invalid_request", error: "invalid_request", realm: realm,
                    "The request sends an access token in both the header and the URL; send it only in the header."
                ))
        }
        guard let grant = tokens.grant(for: token) else {
            return .failure(
                .bearer(
                    status: 401, code: "invalid_token", error: "invalid_token", realm: realm,
                    "The access token is unknown or expired; request a new one from the token endpoint."))
        }
        guard let client = clients.client(id: grant.clientID), client.isEnabled, client.app == grant.app,
            client.district == grant.district
        else {
            return .failure(
                .bearer(
                    status: 401, code: "invalid_token", error: "invalid_token", realm: realm,
                    "The access token's client was removed, disabled or moved to another app or district; "
                        + "request a new token."))
        }
        return .success(
            AuthenticatedCaller(
                clientID: client.id, app: client.app, district: client.district,
                scopes: grant.scopes.intersection(client.scopes), method: .bearerToken))
    }

    /// Returns whether the token matches RFC 6750 `b64token`: `A-Z a-z 0-9 - . _ ~ + /`, then optional `=`.
    private static func isBearerTokenSyntax(_ token: String) -> Bool {
        guard !token.isEmpty, token.utf8.count <= 4096 else { return false }
        var seenPadding = false
        for byte in token.utf8 {
            if byte == UInt8(ascii: "=") {
                seenPadding = true
                continue
            }
            let isTokenCharacter =
                (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || "-._~+/".utf8.contains(byte)
            guard isTokenCharacter && !seenPadding else { return false }
        }
        return true
    }

    private static func carriesOAuthParameters(_ request: HTTPRequest) -> Bool {
        if request.queryItems.contains(where: { $0.name.hasPrefix("oauth_") }) { return true }
        guard isFormBody(request), let text = String(validating: request.body, as: UTF8.self) else { return false }
        return text.contains("oauth_")
    }

    static func isFormBody(_ request: HTTPRequest) -> Bool {
        let contentType = request.headers["Content-Type"] ?? ""
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
        return mediaType.trimmingASCIIWhitespace().lowercased() == "application/x-www-form-urlencoded"
    }
}
