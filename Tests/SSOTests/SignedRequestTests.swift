import Foundation
import HTTP
import Testing

@testable import SSO

/// Signs and sends requests with Python's requests-oauthlib, and prints a JSON list of [status, body] pairs.
private let pythonClient = """
    import json, sys, requests
    from requests_oauthlib import OAuth1
    from oauthlib.oauth1 import Client, SIGNATURE_HMAC_SHA256, SIGNATURE_HMAC_SHA1, SIGNATURE_TYPE_QUERY
    url, key, secret, mode = sys.argv[1:5]
    session = requests.Session()
    session.trust_env = False
    results = []
    def send(method, uri, **options):
        response = session.request(method, uri, timeout=10, **options)
        results.append([response.status_code, response.text])
    params = {"filter": "givenName='Zoë Ann'", "limit": "3", "note": "a+b c~d*/é"}
    if mode == "query":
        send("GET", url, params=params, auth=OAuth1(key, client_secret=secret, signature_method=SIGNATURE_HMAC_SHA256))
    elif mode == "query-signature":
        auth = OAuth1(key, client_secret=secret, signature_method=SIGNATURE_HMAC_SHA256,
                      signature_type=SIGNATURE_TYPE_QUERY)
        send("GET", url, params={"limit": "3"}, auth=auth)
    elif mode == "form":
        auth = OAuth1(key, client_secret=secret, signature_method=SIGNATURE_HMAC_SHA256)
        send("POST", url, data={"name": "Zoë ✓", "x": "1 2"}, auth=auth)
    elif mode == "sha1":
        send("GET", url, params={"limit": "3"}, auth=OAuth1(key, client_secret=secret, signature_method=SIGNATURE_HMAC_SHA1))
    elif mode == "replay":
        client = Client(key, client_secret=secret, signature_method=SIGNATURE_HMAC_SHA256)
        uri, headers, _ = client.sign(url + "?limit=3&offset=0", http_method="GET")
        send("GET", uri, headers=headers)
        send("GET", uri, headers=headers)
    elif mode == "stale":
        client = Client(key, client_secret=secret, signature_method=SIGNATURE_HMAC_SHA256,
                        timestamp="1000000000", nonce="fixednonce1")
        uri, headers, _ = client.sign(url, http_method="GET")
        send("GET", uri, headers=headers)
    print(json.dumps(results))
    """

/// A users route on 127.0.0.1 that authenticates each request and responds with `ok <client>` or the failure code.
private struct SignedFixture {
    let server: HTTPServer
    let url: String

    init(clients: [APIClient]) throws {
        let registry = try APIClientRegistry(clients)
        let authenticator = APIAuthenticator(clients: registry, tokens: TokenService())
        let handler: RouteHandler = { request, _ in
            let origin = "http://127.0.0.1:\(request.headers["Host"]?.split(separator: ":").last ?? "")"
            let url = origin + request.path + (request.query.isEmpty ? "" : "?" + request.query)
            switch authenticator.authenticate(request, url: url) {
            case .success(let caller):
                return .text("ok \(caller.clientID) \(caller.method.rawValue) \(caller.scopes.count)")
            case .failure(let failure):
                return .text("\(failure.code): \(failure.description)", status: failure.status)
            }
        }
        var router = Router()
        router.add("GET", "/ims/oneroster/v1p1/users", handler: handler)
        router.add("POST", "/ims/oneroster/v1p1/users", handler: handler)
        server = HTTPServer(port: 0, handler: router.handle)
        try server.start()
        url = "http://127.0.0.1:\(server.port)/ims/oneroster/v1p1/users"
    }

    /// Runs the Python client in `mode` and returns its responses.
    func python(_ mode: String, key: String = "consumer-1", secret: String = "c0nsumer secret&ü") throws
        -> [(status: Int, body: String)]
    {
        let result = try runTool(
            "/usr/bin/timeout", ["30", "/usr/bin/env", "python3", "-c", pythonClient, url, key, secret, mode])
        try #require(result.status == 0, "the Python OAuth 1.0a client failed in mode '\(mode)'")
        let pairs = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[Any]])
        return pairs.map { (status: $0.first as? Int ?? 0, body: $0.last as? String ?? "") }
    }
}

private func standardFixture() throws -> SignedFixture {
    try SignedFixture(clients: [
        makeClient(id: "consumer-1", scopes: [], consumerSecret: "c0nsumer secret&ü"),
        makeClient(id: "legacy", scopes: ["roster.readonly"], consumerSecret: "old", allowsHMACSHA1: true),
    ])
}

@Suite(.serialized) struct SignedRequestTests {
    @Test func oauthlibQueryRequestVerifies() throws {
        guard oauthlibAvailable else {
            print("Skipping: python3 cannot import requests_oauthlib; install it with 'pip install requests-oauthlib'.")
            return
        }
        let fixture = try standardFixture()
        defer { fixture.server.stop() }

        let responses = try fixture.python("query")
        #expect(responses.first?.status == 200)
        // A consumer with no configured scopes gets core, roster and demographics reads in both versions.
        #expect(responses.first?.body == "ok consumer-1 oauth1 6")
    }

    @Test func oauthlibFormAndQuerySignaturesVerify() throws {
        guard oauthlibAvailable else {
            print("Skipping: python3 cannot import requests_oauthlib; install it with 'pip install requests-oauthlib'.")
            return
        }
        let fixture = try standardFixture()
        defer { fixture.server.stop() }

        #expect(try fixture.python("form").first?.body == "ok consumer-1 oauth1 6")
        #expect(try fixture.python("query-signature").first?.body == "ok consumer-1 oauth1 6")
    }

    @Test func replayAndStaleTimestampAreRejected() throws {
        guard oauthlibAvailable else {
            print("Skipping: python3 cannot import requests_oauthlib; install it with 'pip install requests-oauthlib'.")
            return
        }
        let fixture = try standardFixture()
        defer { fixture.server.stop() }

        let replay = try fixture.python("replay")
        #expect(replay.count == 2)
        #expect(replay.first?.status == 200)
        #expect(replay.last?.status == 401)
        #expect(replay.last?.body.hasPrefix("replayed_nonce: ") == true)

        let stale = try fixture.python("stale")
        #expect(stale.first?.status == 401)
        #expect(stale.first?.body.hasPrefix("stale_timestamp: OAuth timestamp is ") == true)
    }

    @Test func wrongSecretAndUnknownConsumerAreRejected() throws {
        guard oauthlibAvailable else {
            print("Skipping: python3 cannot import requests_oauthlib; install it with 'pip install requests-oauthlib'.")
            return
        }
        let fixture = try standardFixture()
        defer { fixture.server.stop() }

        let wrong = try fixture.python("query", secret: "not the secret")
        #expect(wrong.first?.status == 401)
        #expect(wrong.first?.body.hasPrefix("invalid_signature: ") == true)
        #expect(wrong.first?.body.contains("not the secret") == false)

        let unknown = try fixture.python("query", key: "stranger")
        #expect(
            unknown.first?.body
                == "unknown_consumer: Consumer key 'stranger' is unknown or not allowed to sign requests.")
    }

    @Test func hmacSHA1NeedsOptIn() throws {
        guard oauthlibAvailable else {
            print("Skipping: python3 cannot import requests_oauthlib; install it with 'pip install requests-oauthlib'.")
            return
        }
        let fixture = try standardFixture()
        defer { fixture.server.stop() }

        #expect(try fixture.python("sha1", key: "legacy", secret: "old").first?.body == "ok legacy oauth1 2")
        let rejected = try fixture.python("sha1")
        #expect(rejected.first?.status == 400)
        #expect(rejected.first?.body.hasPrefix("unsupported_signature_method: Signature method 'HMAC-SHA1'") == true)
    }

    @Test func fixedVectorMatchesPythonHMAC() throws {
        let target = "/ims/oneroster/v1p1/users?sort=familyName&filter=role%3D%27student%27&x=a+b&x=%3D%253D&empty="
        let url = "HTTPS://Roster.Example.COM:443" + target
        let expectedBase =
            "POST&https%3A%2F%2Froster.example.com%2Fims%2Foneroster%2Fv1p1%2Fusers&empty%3D%26filter%3Drole%253D"
            + "%2527student%2527%26name%3DZo%25C3%25AB%26oauth_consumer_key%3Ddistrict-7-key%26oauth_nonce%3D"
            + "n0nce-42%26oauth_signature_method%3DHMAC-SHA256%26oauth_timestamp%3D1700000000%26oauth_version%3D"
            + "1.0%26sort%3DfamilyName%26x%3D%253D%25253D%26x%3D2%26x%3Da%2520b"
        // The key is the encoded consumer secret 's3cr&t ü' followed by '&' and an empty token secret.
        let script =
            "import base64,hashlib,hmac,sys;print(base64.b64encode(hmac.new(sys.argv[1].encode(),"
            + "sys.argv[2].encode(),hashlib.sha256).digest()).decode())"
        let python = try runTool("/usr/bin/env", ["python3", "-c", script, "s3cr%26t%20%C3%BC&", expectedBase])
        try #require(python.status == 0, "python3 is needed to compute the reference HMAC")
        let signature = python.output.trimmingCharacters(in: .whitespacesAndNewlines)

        let signedURL = try #require(SignedURL(url))
        #expect(signedURL.baseURI == "https://roster.example.com/ims/oneroster/v1p1/users")
        let header =
            "OAuth realm=\"Rollbook\", oauth_consumer_key=\"district-7-key\", oauth_signature_method=\"HMAC-SHA256\", "
            + "oauth_timestamp=\"1700000000\", oauth_nonce=\"n0nce-42\", oauth_version=\"1.0\", "
            + "oauth_signature=\"\(PercentEncoding.encodeUnreserved(signature))\""
        let request = HTTPRequest(
            method: "POST", target: target,
            headers: HTTPHeaders([("Authorization", header), ("Content-Type", "application/x-www-form-urlencoded")]),
            body: Array("name=Zo%C3%AB&x=2".utf8))

        let clock = TestClock(1_700_000_030)
        let registry = try APIClientRegistry([
            makeClient(id: "district-7-key", scopes: ["roster-core.readonly"], consumerSecret: "s3cr&t ü")
        ])
        let authenticator = APIAuthenticator(clients: registry, tokens: TokenService(), clock: clock.now)
        let caller = try authenticator.authenticate(request, url: url).get()
        #expect(caller.clientID == "district-7-key")
        #expect(caller.scopes == OneRosterScope.expand(names: ["roster-core.readonly"]))

        // The same request again is a replay, and a changed body breaks the signature.
        let replay = authenticator.authenticate(request, url: url)
        #expect(replay.failureCode == "replayed_nonce")
        var tampered = request
        tampered.body = Array("name=Zo%C3%AB&x=3".utf8)
        #expect(authenticator.authenticate(tampered, url: url).failureCode == "invalid_signature")
    }

    @Test func malformedSignedRequestsAreRejected() throws {
        let registry = try APIClientRegistry([makeClient(id: "k", consumerSecret: "s")])
        let authenticator = APIAuthenticator(clients: registry, tokens: TokenService())
        func attempt(_ header: String) -> AuthenticationFailure? {
            let request = HTTPRequest(method: "GET", target: "/x", headers: HTTPHeaders([("Authorization", header)]))
            guard case .failure(let failure) = authenticator.authenticate(request, url: "http://h/x") else {
                return nil
            }
            return failure
        }
        let base = "OAuth oauth_consumer_key=\"k\", oauth_signature_method=\"HMAC-SHA256\", oauth_nonce=\"n\", "
        let now = Int(Date().timeIntervalSince1970)

        #expect(attempt(base + "oauth_timestamp=\"\(now)\"")?.code == "missing_parameter")
        #expect(attempt(base + "oauth_timestamp=\"soon\", oauth_signature=\"x\"")?.code == "invalid_timestamp")
        #expect(
            attempt(base + "oauth_timestamp=\"\(now)\", oauth_signature=\"x\", oauth_version=\"2.0\"")?.code
                == "unsupported_version")
        #expect(attempt(base + "oauth_timestamp=\"\(now)\", oauth_signature=\"x")?.code == "invalid_request")
        let wrong = attempt(base + "oauth_timestamp=\"\(now)\", oauth_signature=\"eA==\"")
        #expect(wrong?.code == "invalid_signature")
        #expect(wrong?.status == 401)
        #expect(wrong?.wwwAuthenticate == "OAuth realm=\"rollbook\"")
    }
}

extension Result where Failure == AuthenticationFailure {
    /// The failure's short code, or nil on success.
    fileprivate var failureCode: String? {
        if case .failure(let failure) = self { return failure.code }
        return nil
    }
}
