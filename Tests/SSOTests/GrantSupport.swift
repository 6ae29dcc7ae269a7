import Foundation
import HTTP
import Store

@testable import SSO

/// Authorization servers called in process, without HTTP, over one store file that outlives each server, so a
/// test can stop a server and start another one as a restart or a second replica does.
final class GrantServerFixture {
    static let secret = "grant-secret-1"
    static let redirect = "http://127.0.0.1:9/grant/callback"
    static let user = SignedInUser(
        sourcedId: "u-200", district: "district-7",
        claims: [
            "email": .string("grace@example.org"), "email_verified": .boolean(true), "name": .string("Grace \"G\" Ho"),
            "roster_grades": .strings(["10", "11"]), "roster_orgs": .strings([]), "age": .integer(16),
        ],
        authTime: 1_700_000_000)

    let keyStore: TemporaryStore
    let clock = TestClock(1_700_000_000)
    let clients: SSOClientRegistry
    let policy: AuthorizationPolicy

    init(policy: AuthorizationPolicy = AuthorizationPolicy()) throws {
        keyStore = try temporaryStore()
        self.policy = policy
        clients = try SSOClientRegistry([
            SSOClient(
                id: "grant-web", app: "codequest",
                secretHash: SecretHash.make(secret: Self.secret, iterations: SecretHash.minimumIterations),
                redirectURIs: [Self.redirect], allowedScopes: ["openid", "email", "profile", "offline_access"],
                requiresPKCE: false)
        ])
    }

    /// The store file that the servers share.
    var path: String { keyStore.path }

    /// Starts a server whose refresh tokens live in the store file, with keys loaded from it.
    func startServer() throws -> AuthorizationServer {
        try startServer(archive: try StoreRefreshTokenArchive(path: path))
    }

    /// Starts a server with `archive` as its refresh token archive, or with the in-memory one when it is nil.
    func startServer(archive: (any RefreshTokenArchive)?) throws -> AuthorizationServer {
        let ring = SigningKeyRing()
        try ring.rotate(now: clock.now(), store: keyStore.store)
        let clock = self.clock
        return AuthorizationServer(
            discovery: try OpenIDDiscovery(issuer: "http://127.0.0.1:9"), clients: clients, keys: ring,
            policy: policy, refreshTokens: archive, clock: { clock.now() })
    }

    /// Signs the fixed user in through `server` and exchanges the code, returning the token response.
    func signIn(_ server: AuthorizationServer, scope: String = "openid email offline_access") throws -> TokenReply {
        let items = [
            QueryItem(name: "response_type", value: "code"), QueryItem(name: "client_id", value: "grant-web"),
            QueryItem(name: "redirect_uri", value: Self.redirect), QueryItem(name: "scope", value: scope),
        ]
        let request = try AuthorizationRequest.parse(queryItems: items, clients: clients).get()
        let location = server.issueCode(for: request, user: Self.user)
        let code = URLComponents(string: location)?.queryItems?.first { $0.name == "code" }?.value ?? ""
        return Self.post(
            server.handleToken,
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Self.redirect)])
    }

    /// Exchanges `token` at the token endpoint of `server`.
    func refresh(_ server: AuthorizationServer, _ token: String) -> TokenReply {
        Self.refresh(server, token)
    }

    /// Exchanges `token` at the token endpoint of `server`, from any thread.
    static func refresh(_ server: AuthorizationServer, _ token: String) -> TokenReply {
        post(server.handleToken, [("grant_type", "refresh_token"), ("refresh_token", token)])
    }

    /// Revokes `token` at the revocation endpoint of `server`.
    func revoke(_ server: AuthorizationServer, _ token: String) -> TokenReply {
        Self.post(server.handleRevocation, [("token", token)])
    }

    /// Calls userinfo on `server` with the access token `token`.
    func userinfo(_ server: AuthorizationServer, _ token: String) -> TokenReply {
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: "Bearer \(token)")
        return TokenReply(
            server.handleUserinfo(HTTPRequest(method: "GET", target: "/oauth/userinfo", headers: headers)))
    }

    /// Returns the states of the stored refresh tokens, counted by state name.
    func storedStates() throws -> [String: Int] {
        let statement = try keyStore.store.database.prepare(
            "SELECT state, count(*) FROM sso_refresh_tokens GROUP BY state", cached: false)
        var counts: [String: Int] = [:]
        while try statement.step() {
            counts[statement.string(at: 0) ?? ""] = Int(statement.int64(at: 1))
        }
        return counts
    }

    private static func post(_ handler: (HTTPRequest) -> HTTPResponse, _ form: [(String, String)]) -> TokenReply {
        let body = form.map { PercentEncoding.encodeUnreserved($0.0) + "=" + PercentEncoding.encodeUnreserved($0.1) }
            .joined(separator: "&")
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let credentials = Data("grant-web:\(Self.secret)".utf8).base64EncodedString()
        headers.add(name: "Authorization", value: "Basic \(credentials)")
        return TokenReply(handler(HTTPRequest(method: "POST", target: "/", headers: headers, body: Array(body.utf8))))
    }
}

/// The status and JSON members of an endpoint response.
struct TokenReply: CustomStringConvertible {
    let status: Int
    let json: [String: Any]
    let text: String

    init(_ response: HTTPResponse) {
        status = response.status
        text = String(decoding: response.body, as: UTF8.self)
        json = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
    }

    var refreshToken: String? { json["refresh_token"] as? String }
    var accessToken: String? { json["access_token"] as? String }
    var error: String? { json["error"] as? String }
    var errorDescription: String { json["error_description"] as? String ?? "" }

    var description: String { "\(status) \(text)" }
}
