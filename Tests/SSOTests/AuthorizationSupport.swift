import Foundation
import HTTP
import Synchronization

@testable import SSO

/// A PKCE verifier and its S256 challenge, computed independently with Python's hashlib and base64 modules.
let sampleVerifier = "dBjftJeZ4CVP-mJ92K9cu8P7fLArDvyR8S4NxRjTnTk"
let sampleChallenge = "RitCjACcBawOeZmKcbF2mnmmVgC3UcvH7ywE0P6o6hU"

/// An authorization server on 127.0.0.1 with two confidential clients and a public one, served in process.
///
/// The sign-in closure returns a fixed user, except that the district hint `outside` marks a user who is
/// not in the app's view.
final class AuthorizationFixture {
    let server: HTTPServer
    let authorization: AuthorizationServer
    let clock: TestClock
    let keyStore: TemporaryStore
    let base: String
    let ended = SubjectLog()

    static let webSecret = "web-secret+&"
    static let authlibSecret = "authlib-secret-1"
    static let webRedirect = "http://127.0.0.1:9/web/callback"
    static let spaRedirect = "http://127.0.0.1:9/spa/callback?tab=1"
    static let user = SignedInUser(
        sourcedId: "u-100", district: "district-7",
        claims: [
            "name": .string("Ada Lovelace"), "given_name": .string("Ada"), "email": .string("ada@example.org"),
            "email_verified": .boolean(true), "roster_role": .string("student"),
            "roster_grades": .strings(["09"]),
        ],
        authTime: 1_700_000_000)

    init(policy: AuthorizationPolicy = AuthorizationPolicy(), start: Double = 1_700_000_000) throws {
        clock = TestClock(start)
        keyStore = try temporaryStore()
        let ring = SigningKeyRing()
        try ring.rotate(now: clock.now(), store: keyStore.store)

        let routes = Mutex<Router?>(nil)
        server = HTTPServer(port: 0) { request in
            routes.withLock { $0 }?.handle(request) ?? .text("Starting.\n", status: 503)
        }
        try server.start()
        base = "http://127.0.0.1:\(server.port)"

        let clients = try SSOClientRegistry([
            SSOClient(
                id: "webapp", app: "codequest",
                secretHash: SecretHash.make(secret: Self.webSecret, iterations: SecretHash.minimumIterations),
                redirectURIs: [Self.webRedirect],
                allowedScopes: ["openid", "profile", "email", "roster", "offline_access"],
                postLogoutRedirectURIs: ["http://127.0.0.1:9/web/bye"]),
            // Authlib 1.9 sends HTTP Basic credentials without form-encoding them first, so this client's secret
            // uses only characters that form-encoding leaves unchanged.
            SSOClient(
                id: "authlib-rp", app: "codequest",
                secretHash: SecretHash.make(secret: Self.authlibSecret, iterations: SecretHash.minimumIterations),
                redirectURIs: [Self.webRedirect], allowedScopes: ["openid", "email", "offline_access"]),
            SSOClient(
                id: "spa", app: "mathly", secretHash: nil, redirectURIs: [Self.spaRedirect],
                allowedScopes: ["openid", "profile", "offline_access"], requiresPKCE: false),
        ])
        let clock = self.clock
        authorization = AuthorizationServer(
            discovery: try OpenIDDiscovery(issuer: base), clients: clients, keys: ring, policy: policy,
            clock: { clock.now() })
        var router = Router()
        let ended = self.ended
        authorization.register(
            into: &router,
            signIn: { _, request in request.districtHint == "outside" ? .denied : .signedIn(Self.user) },
            endSession: { _, subject in
                ended.append(subject)
                return []
            })
        routes.withLock { $0 = router }
    }

    deinit {
        server.stop()
    }

    /// Sends an authorization request with `parameters` and returns the response without following it.
    func authorize(_ parameters: [(String, String)]) throws -> CurlResponse {
        try curl([RedirectURL.appending(parameters, to: base + "/oauth/authorize")])
    }

    /// Returns the query parameters of the `Location` header of `response`.
    func redirectParameters(_ response: CurlResponse) -> [String: String] {
        let location = response.headers["location"] ?? ""
        let items = URLComponents(string: location)?.queryItems ?? []
        return Dictionary(items.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
    }

    /// Runs the authorize step for the web client with PKCE and returns the code.
    func webCode(scope: String = "openid profile email", nonce: String = "n-1") throws -> String {
        let response = try authorize([
            ("response_type", "code"), ("client_id", "webapp"), ("redirect_uri", Self.webRedirect),
            ("scope", scope), ("state", "s-1"), ("nonce", nonce), ("code_challenge", sampleChallenge),
            ("code_challenge_method", "S256"),
        ])
        return redirectParameters(response)["code"] ?? ""
    }

    /// Posts a form body to `path`, with the web client's HTTP Basic credentials unless `basic` is false.
    func post(_ path: String, _ form: [(String, String)], basic: Bool = true) throws -> CurlResponse {
        let body = form.map { PercentEncoding.encodeUnreserved($0.0) + "=" + PercentEncoding.encodeUnreserved($0.1) }
            .joined(separator: "&")
        var arguments = ["-H", "Content-Type: application/x-www-form-urlencoded", "--data-raw", body]
        if basic {
            let pair = "webapp:" + PercentEncoding.encodeUnreserved(Self.webSecret)
            arguments += ["-H", "Authorization: Basic \(Data(pair.utf8).base64EncodedString())"]
        }
        return try curl(arguments + [base + path])
    }

    /// Exchanges a web client code with the sample verifier.
    func exchange(_ code: String, verifier: String = sampleVerifier) throws -> CurlResponse {
        try post(
            "/oauth/token",
            [
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Self.webRedirect),
                ("code_verifier", verifier),
            ])
    }

    /// Calls userinfo with `token` and returns the response.
    func userinfo(_ token: String) throws -> CurlResponse {
        try curl(["-H", "Authorization: Bearer \(token)", base + "/oauth/userinfo"])
    }
}

/// The subjects the end-session route reported, in order.
final class SubjectLog: Sendable {
    private let subjects = Mutex<[String?]>([])

    func append(_ subject: String?) { subjects.withLock { $0.append(subject) } }

    var all: [String?] { subjects.withLock { $0 } }
}
