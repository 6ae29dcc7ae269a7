import Foundation
import HTTP
import Testing

@testable import SSO

/// A token endpoint and a paged users route guarded by the authenticator, sharing one test clock.
private struct PagingFixture {
    let server: HTTPServer
    let clients: APIClientRegistry
    let clock = TestClock()
    let base: String

    init(userIDs: [String]) throws {
        clients = try APIClientRegistry([makeClient(id: "pager", secret: "pager-secret")])
        let tokens = TokenService(lifetime: 3600, clock: clock.now)
        let endpoint = TokenEndpoint(clients: clients, tokens: tokens)
        let authenticator = APIAuthenticator(clients: clients, tokens: tokens, clock: clock.now)
        var router = Router()
        router.add("POST", "/token") { request, _ in endpoint.handle(request) }
        router.add("GET", "/ims/oneroster/v1p1/users") { request, _ in
            let caller: AuthenticatedCaller
            switch authenticator.authenticate(request, url: "http://127.0.0.1" + request.path) {
            case .success(let authenticated): caller = authenticated
            case .failure(let failure): return failure.response()
            }
            if let denied = caller.requireScope(anyOf: OneRosterScope.rosterRead(demographics: false)) {
                return denied.response()
            }
            // Paging is a plain offset over a fixed sourcedId order, so no server-side cursor can expire.
            let offset = Int(request.queryValue("offset") ?? "") ?? 0
            let limit = Int(request.queryValue("limit") ?? "") ?? 100
            let page = userIDs.dropFirst(offset).prefix(limit)
            return .json("[" + page.map { "\"\($0)\"" }.joined(separator: ",") + "]")
        }
        server = HTTPServer(port: 0, handler: router.handle)
        try server.start()
        base = "http://127.0.0.1:\(server.port)"
    }

    func fetchToken() throws -> String {
        let response = try curl([
            "-u", "pager:pager-secret", "--data-raw", "grant_type=client_credentials", "\(base)/token",
        ])
        return try #require(response.json["access_token"] as? String)
    }

    func users(offset: Int, token: String) throws -> CurlResponse {
        try curl(["-H", "Authorization: Bearer \(token)", "\(base)/ims/oneroster/v1p1/users?limit=3&offset=\(offset)"])
    }
}

/// Reads the sourcedIds of the users file of a test case, or returns nil when the case folder is absent.
private func caseUserIDs(_ caseName: String) throws -> [String]? {
    let file = sharedFolder().appendingPathComponent("cases/\(caseName)/users.csv")
    guard FileManager.default.fileExists(atPath: file.path) else { return nil }
    let lines = try String(contentsOf: file, encoding: .utf8).split(whereSeparator: \.isNewline).dropFirst()
    return lines.compactMap { $0.split(separator: ",", omittingEmptySubsequences: false).first.map(String.init) }
}

@Suite(.serialized) struct BearerTokenTests {
    @Test func expiredTokenThenNewTokenContinues() throws {
        guard let userIDs = try caseUserIDs("B07") else {
            print("Skipping: the shared case folder 'cases/B07' was not found next to the package.")
            return
        }
        let fixture = try PagingFixture(userIDs: userIDs)
        defer { fixture.server.stop() }

        let tokenA = try fixture.fetchToken()
        fixture.clock.advance(by: 10)
        let first = try fixture.users(offset: 0, token: tokenA)
        #expect(first.status == 200)
        #expect(first.body == "[\"u-701\",\"u-702\",\"u-703\"]")

        fixture.clock.advance(by: 3690)
        let expired = try fixture.users(offset: 3, token: tokenA)
        #expect(expired.status == 401)
        let challenge = try #require(expired.headers["www-authenticate"])
        #expect(challenge.hasPrefix("Bearer realm=\"rollbook\", error=\"invalid_token\""))
        #expect(expired.body.contains("\"imsx_codeMinorFieldValue\":\"unauthorisedrequest\""))

        fixture.clock.advance(by: 1)
        let tokenB = try fixture.fetchToken()
        #expect(tokenB != tokenA)
        fixture.clock.advance(by: 1)
        let resumed = try fixture.users(offset: 3, token: tokenB)
        #expect(resumed.status == 200)
        #expect(resumed.body == "[\"u-704\",\"u-705\",\"u-706\"]")
    }

    @Test func missingAndMalformedCredentials() throws {
        let fixture = try PagingFixture(userIDs: ["u-1"])
        defer { fixture.server.stop() }

        let missing = try curl(["\(fixture.base)/ims/oneroster/v1p1/users"])
        #expect(missing.status == 401)
        #expect(missing.headers["www-authenticate"] == "Bearer realm=\"rollbook\"")

        let malformed = try curl(["-H", "Authorization: Bearer a b", "\(fixture.base)/ims/oneroster/v1p1/users"])
        #expect(malformed.status == 400)
        #expect(malformed.headers["www-authenticate"]?.contains("error=\"invalid_request\"") == true)

        let unknown = try fixture.users(offset: 0, token: "bm90LWEtcmVhbC10b2tlbg")
        #expect(unknown.status == 401)
        #expect(unknown.headers["www-authenticate"]?.contains("error=\"invalid_token\"") == true)
    }

    @Test func olderTokensStayValid() throws {
        let fixture = try PagingFixture(userIDs: ["u-1"])
        defer { fixture.server.stop() }

        let first = try fixture.fetchToken()
        let second = try fixture.fetchToken()
        #expect(try fixture.users(offset: 0, token: first).status == 200)
        #expect(try fixture.users(offset: 0, token: second).status == 200)
    }

    @Test func removedClientTokenFailsAfterReload() throws {
        let fixture = try PagingFixture(userIDs: ["u-1"])
        defer { fixture.server.stop() }
        let token = try fixture.fetchToken()
        #expect(try fixture.users(offset: 0, token: token).status == 200)

        // A reload that keeps the client keeps its tokens working.
        try fixture.clients.replace(with: [
            makeClient(id: "pager", secret: "pager-secret"), makeClient(id: "x", secret: "y"),
        ])
        #expect(try fixture.users(offset: 0, token: token).status == 200)

        try fixture.clients.replace(with: [makeClient(id: "pager", secret: "pager-secret", app: "another-app")])
        let moved = try fixture.users(offset: 0, token: token)
        #expect(moved.status == 401)
        #expect(moved.headers["www-authenticate"]?.contains("error=\"invalid_token\"") == true)

        try fixture.clients.replace(with: [makeClient(id: "x", secret: "y")])
        #expect(try fixture.users(offset: 0, token: token).status == 401)
    }

    @Test func missingScopeIsForbidden() throws {
        let clients = try APIClientRegistry([makeClient(id: "grades", secret: "g", scopes: ["gradebook.readonly"])])
        let tokens = TokenService()
        let client = try #require(clients.client(id: "grades"))
        let issued = tokens.issue(for: client, scopes: client.scopes)
        let authenticator = APIAuthenticator(clients: clients, tokens: tokens)
        let request = HTTPRequest(
            method: "GET", target: "/users", headers: HTTPHeaders([("Authorization", "Bearer \(issued.accessToken)")]))
        let caller = try authenticator.authenticate(request, url: "http://localhost/users").get()
        #expect(caller.clientID == "grades")
        #expect(caller.method == .bearerToken)
        let denied = try #require(caller.requireScope(anyOf: OneRosterScope.rosterRead(demographics: false)))
        #expect(denied.status == 403)
        #expect(denied.wwwAuthenticate.hasPrefix("Bearer realm=\"rollbook\", error=\"insufficient_scope\", scope=\""))
    }
}

@Suite struct TokenServiceTests {
    @Test func perClientCapDropsOldest() throws {
        let service = TokenService(maxTokensPerClient: 3)
        let client = try makeClient(id: "busy", secret: "s")
        let issued = (0..<5).map { _ in service.issue(for: client, scopes: []) }
        #expect(service.grant(for: issued[0].accessToken) == nil)
        #expect(service.grant(for: issued[1].accessToken) == nil)
        #expect(service.grant(for: issued[2].accessToken)?.clientID == "busy")
        #expect(service.grant(for: issued[4].accessToken)?.clientID == "busy")
        #expect(service.storedTokenCount == 3)
    }

    @Test func expiredTokensAreSwept() throws {
        let clock = TestClock()
        let service = TokenService(lifetime: 100, clock: clock.now)
        let client = try makeClient(id: "c", secret: "s")
        _ = service.issue(for: client, scopes: [])
        _ = service.issue(for: client, scopes: [])
        clock.advance(by: 101)
        let fresh = service.issue(for: client, scopes: [])
        #expect(service.storedTokenCount == 1)
        #expect(service.grant(for: fresh.accessToken)?.expiresAt == clock.now().addingTimeInterval(100))
    }
}
