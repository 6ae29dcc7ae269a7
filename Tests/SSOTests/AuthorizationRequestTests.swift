import HTTP
import Testing

@testable import SSO

/// Parses authorization requests without a server.
@Suite struct AuthorizationRequestTests {
    private static let clients: SSOClientRegistry? = try? SSOClientRegistry([
        SSOClient(
            id: "app", app: "codequest", secretHash: nil, redirectURIs: ["https://app.example.org/cb"],
            allowedScopes: ["openid", "profile"])
    ])

    private static func parse(_ parameters: [(String, String)]) throws -> Result<
        AuthorizationRequest, AuthorizationError
    > {
        let items = parameters.map { QueryItem(name: $0.0, value: $0.1) }
        return AuthorizationRequest.parse(queryItems: items, clients: try #require(clients))
    }

    private static let valid: [(String, String)] = [
        ("response_type", "code"), ("client_id", "app"), ("redirect_uri", "https://app.example.org/cb"),
        ("scope", "openid profile"), ("code_challenge", sampleChallenge), ("code_challenge_method", "S256"),
    ]

    @Test func keepsNonceStateAndDistrict() throws {
        let result = try Self.parse(Self.valid + [("nonce", "n-5"), ("state", "s-5"), ("district", "d-42")])
        let request = try result.get()
        #expect(request.nonce == "n-5")
        #expect(request.state == "s-5")
        #expect(request.districtHint == "d-42")
        #expect(request.scopes == ["openid", "profile"])
        #expect(request.codeChallenge == sampleChallenge)
        #expect(request.client.requiresPKCE)
    }

    @Test func promptAndMaxAgeParsed() throws {
        let request = try Self.parse(Self.valid + [("prompt", "login consent"), ("max_age", "300")]).get()
        #expect(request.prompt == ["login", "consent"])
        #expect(request.maxAge == 300)
        #expect(try Self.parse(Self.valid).get().prompt.isEmpty)
    }

    @Test func badPromptAndRequestObjectsRejected() throws {
        let cases: [([(String, String)], String, String)] = [
            (
                [("prompt", "none login")], "invalid_request",
                "Prompt 'none' cannot be combined with other prompt values."
            ),
            (
                [("prompt", "nag")], "invalid_request",
                "Prompt 'nag' is unknown; expected none, login, consent or select_account."
            ),
            ([("max_age", "-1")], "invalid_request", "Parameter 'max_age' is '-1'; expected whole seconds."),
            (
                [("request", "eyJ")], "request_not_supported",
                "Request objects are not supported; send the parameters in the query."
            ),
            (
                [("request_uri", "https://app.example.org/r")], "request_uri_not_supported",
                "Parameter 'request_uri' is not supported; send the parameters in the query."
            ),
        ]
        for (extra, code, message) in cases {
            guard case .failure(let error) = try Self.parse(Self.valid + extra) else {
                Issue.record("\(extra) was accepted")
                continue
            }
            #expect(error.code == code)
            #expect(error.message == message)
            #expect(error.redirectURL?.hasPrefix("https://app.example.org/cb?error=\(code)") == true)
        }
    }

    @Test func missingRedirectIsPageError() throws {
        let result = try Self.parse(Self.valid.filter { $0.0 != "redirect_uri" })
        guard case .failure(let error) = result else {
            Issue.record("A request without redirect_uri was accepted.")
            return
        }
        #expect(error.redirectURL == nil)
        #expect(error.message == "Parameter 'redirect_uri' is missing; OpenID Connect requires it.")
    }

    @Test func longStateIsRejectedWithoutEcho() throws {
        let longState = String(repeating: "s", count: AuthorizationRequest.maximumParameterLength + 1)
        let result = try Self.parse(Self.valid + [("state", longState)])
        guard case .failure(let error) = result else {
            Issue.record("A request with an oversized state was accepted.")
            return
        }
        #expect(error.code == "invalid_request")
        let redirect = try #require(error.redirectURL)
        #expect(redirect.hasPrefix("https://app.example.org/cb?error=invalid_request&error_description="))
        #expect(!redirect.contains("state="))
    }

    @Test func publicClientCannotDropPKCE() throws {
        let client = try SSOClient(
            id: "spa", app: "mathly", secretHash: nil, redirectURIs: ["https://spa.example.org/cb"],
            allowedScopes: ["openid"], requiresPKCE: false)
        #expect(client.requiresPKCE)
        #expect(client.isPublic)
    }

    @Test func clientWithoutOpenIDIsRejected() {
        #expect(throws: SSOClientError.self) {
            try SSOClient(
                id: "bad", app: "codequest", secretHash: nil, redirectURIs: ["https://bad.example.org/cb"],
                allowedScopes: ["profile"])
        }
        #expect(throws: SSOClientError.self) {
            try SSOClient(
                id: "frag", app: "codequest", secretHash: nil, redirectURIs: ["https://bad.example.org/cb#x"],
                allowedScopes: ["openid"])
        }
    }
}
