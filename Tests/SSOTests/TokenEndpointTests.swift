import Foundation
import HTTP
import Testing

@testable import SSO

private let coreV1p2 = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly"
private let demographicsV1p2 = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-demographics.readonly"

/// A token endpoint on 127.0.0.1 with two clients, served by an in-process HTTPServer.
private struct TokenFixture {
    let server: HTTPServer
    let tokens: TokenService
    let url: String

    init(limiter: FailedAuthenticationLimiter = FailedAuthenticationLimiter()) throws {
        let clients = try APIClientRegistry([
            makeClient(id: "vendor one", secret: "s3cret+&:=ü", scopes: ["roster-core.readonly", "roster.readonly"]),
            makeClient(id: "vendor-two", secret: "other", scopes: ["roster-demographics.readonly"]),
        ])
        tokens = TokenService()
        let endpoint = TokenEndpoint(clients: clients, tokens: tokens, limiter: limiter)
        var router = Router()
        router.add("POST", "/oauth/token") { request, _ in endpoint.handle(request) }
        server = HTTPServer(port: 0, handler: router.handle)
        try server.start()
        url = "http://127.0.0.1:\(server.port)/oauth/token"
    }

    /// Posts a form body, with HTTP Basic when `basic` is given as form-encoded `id:secret`.
    func post(_ body: String, basic: String? = nil, contentType: String = "application/x-www-form-urlencoded")
        throws -> CurlResponse
    {
        var arguments = ["-H", "Content-Type: \(contentType)", "--data-raw", body]
        if let basic {
            arguments += ["-H", "Authorization: Basic \(Data(basic.utf8).base64EncodedString())"]
        }
        return try curl(arguments + [url])
    }
}

@Suite(.serialized) struct TokenEndpointTests {
    @Test func basicAuthGetsToken() throws {
        let fixture = try TokenFixture()
        defer { fixture.server.stop() }

        // RFC 6749 2.3.1: id and secret are form-urlencoded before base64.
        let response = try fixture.post("grant_type=client_credentials", basic: "vendor+one:s3cret%2B%26%3A%3D%C3%BC")
        #expect(response.status == 200)
        #expect(response.headers["cache-control"] == "no-store")
        #expect(response.headers["content-type"] == "application/json")
        let json = response.json
        #expect(json["token_type"] as? String == "Bearer")
        #expect(json["expires_in"] as? Int == 3600)
        let token = try #require(json["access_token"] as? String)
        #expect(token.count == 43)
        #expect(fixture.tokens.grant(for: token)?.clientID == "vendor one")
        let scope = try #require(json["scope"] as? String)
        #expect(scope.split(separator: " ").count == 4)
        #expect(scope.contains(coreV1p2))
    }

    @Test func bodyAuthGetsToken() throws {
        let fixture = try TokenFixture()
        defer { fixture.server.stop() }

        let response = try fixture.post("grant_type=client_credentials&client_id=vendor-two&client_secret=other")
        #expect(response.status == 200)
        #expect(
            response.json["scope"] as? String
                == OneRosterScope.rosterRead(demographics: true).sorted()
                .joined(separator: " "))
    }

    @Test func wrongSecretIsInvalidClient() throws {
        let fixture = try TokenFixture()
        defer { fixture.server.stop() }

        let basic = try fixture.post("grant_type=client_credentials", basic: "vendor-two:guess-1234")
        #expect(basic.status == 401)
        #expect(basic.json["error"] as? String == "invalid_client")
        #expect(basic.headers["www-authenticate"] == "Basic realm=\"rollbook\", charset=\"UTF-8\"")
        #expect(!basic.body.contains("guess-1234"))

        let body = try fixture.post("grant_type=client_credentials&client_id=vendor-two&client_secret=wrong")
        #expect(body.status == 400)
        #expect(body.json["error"] as? String == "invalid_client")
        #expect(body.headers["www-authenticate"] == nil)

        let unknown = try fixture.post("grant_type=client_credentials", basic: "nobody:other")
        #expect(unknown.status == 401)
        #expect(
            unknown.json["error_description"] as? String
                == "Client authentication failed: unknown client id 'nobody' or wrong secret.")
    }

    @Test func missingCredentialsAreInvalidClient() throws {
        let fixture = try TokenFixture()
        defer { fixture.server.stop() }

        let response = try fixture.post("grant_type=client_credentials")
        #expect(response.status == 401)
        #expect(response.json["error"] as? String == "invalid_client")
        #expect(response.headers["www-authenticate"]?.hasPrefix("Basic ") == true)
    }

    @Test func bothMethodsAreRejected() throws {
        let fixture = try TokenFixture()
        defer { fixture.server.stop() }

        let response = try fixture.post(
            "grant_type=client_credentials&client_id=vendor-two&client_secret=other", basic: "vendor-two:other")
        #expect(response.status == 400)
        #expect(response.json["error"] as? String == "invalid_request")
    }

    @Test func badGrantTypesAreRejected() throws {
        let fixture = try TokenFixture()
        defer { fixture.server.stop() }

        let password = try fixture.post("grant_type=password&username=a&password=b", basic: "vendor-two:other")
        #expect(password.status == 400)
        #expect(password.json["error"] as? String == "unsupported_grant_type")
        #expect(
            password.json["error_description"] as? String
                == "Grant type 'password' is not supported; expected 'client_credentials'.")

        let missing = try fixture.post("scope=x", basic: "vendor-two:other")
        #expect(missing.json["error"] as? String == "invalid_request")

        let repeated = try fixture.post(
            "grant_type=client_credentials&grant_type=client_credentials", basic: "vendor-two:other")
        #expect(repeated.json["error"] as? String == "invalid_request")

        let json = try fixture.post("{\"grant_type\":\"client_credentials\"}", contentType: "application/json")
        #expect(json.status == 400)
        #expect(json.json["error"] as? String == "invalid_request")
    }

    @Test func scopeRequestNarrowsGrant() throws {
        let fixture = try TokenFixture()
        defer { fixture.server.stop() }

        let requested = "\(coreV1p2) \(demographicsV1p2)".addingPercentEncoding(withAllowedCharacters: .alphanumerics)
        let response = try fixture.post(
            "grant_type=client_credentials&scope=\(requested ?? "")", basic: "vendor+one:s3cret%2B%26%3A%3D%C3%BC")
        #expect(response.status == 200)
        #expect(response.json["scope"] as? String == coreV1p2)
        let token = try #require(response.json["access_token"] as? String)
        #expect(fixture.tokens.grant(for: token)?.scopes == [coreV1p2])
    }

    @Test func scopeOutsideClientIsInvalidScope() throws {
        let fixture = try TokenFixture()
        defer { fixture.server.stop() }

        let requested = demographicsV1p2.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let response = try fixture.post(
            "grant_type=client_credentials&scope=\(requested)", basic: "vendor+one:s3cret%2B%26%3A%3D%C3%BC")
        #expect(response.status == 400)
        #expect(response.json["error"] as? String == "invalid_scope")
        #expect(response.headers["cache-control"] == "no-store")
    }

    @Test func getIsMethodNotAllowed() throws {
        let fixture = try TokenFixture()
        defer { fixture.server.stop() }

        let response = try curl([fixture.url])
        #expect(response.status == 405)
        #expect(response.headers["allow"] == "POST")

        // The handler checks the method itself too, for routers that send it every method.
        let direct = TokenEndpoint(clients: try APIClientRegistry(), tokens: fixture.tokens).handle(
            HTTPRequest(method: "PUT", target: "/oauth/token"))
        #expect(direct.status == 405)
        #expect(direct.headers["Allow"] == "POST")
    }

    @Test func repeatedFailuresLockClientOut() throws {
        let clock = TestClock()
        let fixture = try TokenFixture(
            limiter: FailedAuthenticationLimiter(maxFailures: 3, windowSeconds: 60, clock: clock.now))
        defer { fixture.server.stop() }

        for _ in 0..<3 {
            #expect(try fixture.post("grant_type=client_credentials", basic: "vendor-two:guess").status == 401)
        }
        let locked = try fixture.post("grant_type=client_credentials", basic: "vendor-two:other")
        #expect(locked.status == 429)
        #expect(locked.headers["retry-after"] == "60")
        #expect(locked.json["error"] as? String == "invalid_client")

        clock.advance(by: 61)
        let after = try fixture.post("grant_type=client_credentials", basic: "vendor-two:other")
        #expect(after.status == 200)
    }
}
