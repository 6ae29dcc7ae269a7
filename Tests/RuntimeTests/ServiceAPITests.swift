import Foundation
import Testing

private let oauth2Python = pythonWithModules(["requests_oauthlib", "oauthlib"])
private let oauth1Python = pythonWithModules(["requests_oauthlib", "oneroster.classlink"])

/// Every user of the small fixture district, which a mapping of `return { name = "all" }` shares whole.
private let allUsers: Set<String> = ["s-1", "s-2", "s-3", "t-1", "t-2", "a-1", "g-1"]

/// Pages through `/users?limit=3` with requests-oauthlib's backend application (client credentials) flow.
///
/// Arguments: base URL, client id, secret. Prints one JSON object with the ids read, the pages, the granted scope
/// and the status and ids of a OneRoster 1.2 request.
private let oauth2Client = """
    import json, os, sys
    # The service listens on plain HTTP on 127.0.0.1, which oauthlib rejects unless told otherwise.
    os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
    from oauthlib.oauth2 import BackendApplicationClient
    from requests_oauthlib import OAuth2Session

    base, client_id, secret = sys.argv[1:4]
    session = OAuth2Session(client=BackendApplicationClient(client_id=client_id))
    token = session.fetch_token(token_url=base + "/token", client_id=client_id, client_secret=secret, timeout=10)
    ids, pages, url = [], 0, base + "/ims/oneroster/v1p1/users?limit=3"
    while url and pages < 20:
        response = session.get(url, timeout=10)
        response.raise_for_status()
        ids += [user["sourcedId"] for user in response.json()["users"]]
        url = response.links.get("next", {}).get("url")
        pages += 1
    v1p2 = session.get(base + "/ims/oneroster/rostering/v1p2/users?limit=100", timeout=10)
    print(json.dumps({
        "ids": ids, "pages": pages, "scope": token.get("scope"), "v1p2Status": v1p2.status_code,
        "v1p2Ids": [user["sourcedId"] for user in v1p2.json().get("users", [])],
    }))
    """

/// Reads students and users with the `oneroster` package's ClassLink connector, which signs each request with
/// OAuth 1.0a HMAC-SHA256 and follows `Link rel="next"`.
///
/// Arguments: the 1.1 base URL with a trailing slash, consumer key, secret. Prints the ids as JSON.
private let classLinkClient = """
    import json, logging, sys
    logging.disable(logging.CRITICAL)
    from oneroster.classlink import ClasslinkConnector

    host, key, secret = sys.argv[1:4]
    connector = ClasslinkConnector(host=host, client_id=key, client_secret=secret, page_size=2)
    students = [user["sourcedId"] for user in connector.get_users(user_filter="students")]
    users = [user["sourcedId"] for user in connector.get_users(user_filter="users")]
    print(json.dumps({"students": students, "users": users}))
    """

/// Sends one filtered request signed by requests-oauthlib's OAuth1 with HMAC-SHA256 in the Authorization header.
///
/// Arguments: URL, consumer key, secret, filter. Prints the status, the ids and the body.
private let oauth1Client = """
    import json, sys
    import requests
    from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256
    from requests_oauthlib import OAuth1

    url, key, secret, filter = sys.argv[1:5]
    auth = OAuth1(key, client_secret=secret, signature_method=SIGNATURE_HMAC_SHA256, signature_type="auth_header")
    response = requests.get(url, params={"filter": filter}, auth=auth, timeout=10)
    ids = [user["sourcedId"] for user in response.json().get("users", [])] if response.ok else []
    print(json.dumps({"status": response.status_code, "ids": ids, "body": response.text[:500],
                      "challenge": response.headers.get("WWW-Authenticate", "")}))
    """

/// `rollbook serve` as API clients see it: OAuth 2.0 and 1.0a with real Python clients, app isolation, scopes,
/// metrics and reloads.
@Suite(.serialized)
struct ServiceAPITests {
    static let secret = "vendor-client-secret"
    /// The ClassLink consumer's secret. oneroster 0.0.17 encodes the signing key with Python's `quote_plus`, which
    /// writes a space as `+` where RFC 5849 wants `%20`, so this secret keeps to unreserved characters.
    static let classLinkSecret = "vendor-legacy_secret.42~"
    /// A secret with a space and `&`, which an RFC 5849 client must percent-encode in the signing key.
    static let consumerSecret = "vendor consumer secret & more"

    /// A setup with the fixture district shared whole with app `vendor`, which has one OAuth 2.0 client
    /// `vendor-api` and the OAuth 1.0a consumers `vendor-legacy` and `vendor-signed`.
    private static func sharedWhole() throws -> APIServiceSetup {
        let setup = try APIServiceSetup()
        try setup.writeMapping(shareAllMapping, name: "all")
        let clients = [
            APIClientSpec(id: "vendor-api", secretHash: try hashSecret(secret)),
            APIClientSpec(id: "vendor-legacy", oauth1Secret: classLinkSecret),
            APIClientSpec(id: "vendor-signed", oauth1Secret: consumerSecret),
        ]
        try setup.writeConfig(apps: [APIAppSpec(id: "vendor", mapping: "all", clients: clients)])
        try setup.sync()
        return setup
    }

    @Test(.enabled(if: oauth2Python != nil, "python3 with requests-oauthlib is not installed"))
    func pythonOAuth2ClientPages() throws {
        let python = try #require(oauth2Python)
        let setup = try Self.sharedWhole()
        let service = try setup.start()

        let output = try runPython(
            python, script: oauth2Client, arguments: [service.baseURL, "vendor-api", Self.secret])
        #expect(output.status == 0, "\(output)")
        let result = try #require(pythonJSON(output), "\(output)")
        let ids = try #require(result["ids"] as? [String])
        #expect(Set(ids) == allUsers)
        #expect(ids.count == allUsers.count, "a page repeated a user: \(ids)")
        #expect(ids == ids.sorted())
        #expect(result["pages"] as? Int == 3)
        let scope =
            (result["scope"] as? [String]) ?? ((result["scope"] as? String)?.split(separator: " ").map(String.init))
        #expect(scope?.contains("https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly") == true)
        #expect(scope?.contains { $0.hasSuffix("roster-demographics.readonly") } == false)
        #expect(result["v1p2Status"] as? Int == 200)
        #expect(Set(result["v1p2Ids"] as? [String] ?? []) == allUsers)

        service.signal(SIGTERM)
        #expect(service.waitForExit(timeout: 10) == 0)
    }

    @Test(.enabled(if: oauth1Python != nil, "python3 with requests-oauthlib and oneroster is not installed"))
    func pythonOAuth1ClientsSign() throws {
        let python = try #require(oauth1Python)
        let setup = try Self.sharedWhole()
        let service = try setup.start()
        let v1p1 = service.baseURL + "/ims/oneroster/v1p1/"

        let classLink = try runPython(
            python, script: classLinkClient, arguments: [v1p1, "vendor-legacy", Self.classLinkSecret])
        #expect(classLink.status == 0, "\(classLink)")
        let read = pythonJSON(classLink)
        #expect((read?["students"] as? [String]).map(Set.init) == ["s-1", "s-2", "s-3"])
        #expect((read?["students"] as? [String])?.count == 3)
        #expect((read?["users"] as? [String]).map(Set.init) == allUsers)
        #expect((read?["users"] as? [String])?.count == allUsers.count)

        let filter = "role='student' AND familyName='Smith'"
        let signed = try runPython(
            python, script: oauth1Client, arguments: [v1p1 + "users", "vendor-signed", Self.consumerSecret, filter])
        #expect(signed.status == 0, "\(signed)")
        let filtered = pythonJSON(signed)
        #expect(filtered?["status"] as? Int == 200, "\(filtered?["body"] ?? signed.stderr)")
        #expect(filtered?["ids"] as? [String] == ["s-1"])

        let wrong = try runPython(
            python, script: oauth1Client, arguments: [v1p1 + "users", "vendor-signed", "not the secret", filter])
        let rejected = pythonJSON(wrong)
        #expect(rejected?["status"] as? Int == 401, "\(rejected?["body"] ?? wrong.stderr)")
        #expect((rejected?["challenge"] as? String)?.hasPrefix("OAuth") == true)
        #expect(rejected?["ids"] as? [String] == [])

        service.signal(SIGTERM)
        #expect(service.waitForExit(timeout: 10) == 0)
    }

    @Test func appsSeeOnlyTheirOwnView() throws {
        let setup = try APIServiceSetup()
        try setup.writeMapping(#"return { name = "elem", share = { orgs = { ids = { "elem" } } } }"#, name: "elem")
        try setup.writeMapping(#"return { name = "high", share = { orgs = { ids = { "high" } } } }"#, name: "high")
        let hash = try hashSecret(Self.secret)
        try setup.writeConfig(apps: [
            APIAppSpec(id: "app-a", mapping: "elem", clients: [APIClientSpec(id: "client-a", secretHash: hash)]),
            APIAppSpec(id: "app-b", mapping: "high", clients: [APIClientSpec(id: "client-b", secretHash: hash)]),
        ])
        try setup.sync()
        let service = try setup.start()
        let base = service.baseURL
        let path = "/ims/oneroster/v1p1"
        // t-1 teaches at both schools, so both apps see that teacher.
        let views: [(client: String, school: String, otherSchool: String, own: Set<String>, other: Set<String>)] = [
            ("client-a", "elem", "high", ["s-3", "t-1", "t-2"], ["s-1", "s-2", "a-1", "g-1"]),
            ("client-b", "high", "elem", ["s-1", "s-2", "t-1", "a-1", "g-1"], ["s-3", "t-2"]),
        ]

        for view in views {
            let token = try accessToken(base, client: view.client, secret: Self.secret)
            let users = try bearerGET(base, path + "/users?limit=100", token: token)
            #expect(users.status == 200)
            #expect(Set(users.sourcedIds("users") ?? []) == view.own, "\(view.client): \(users)")
            #expect(users.headers["x-total-count"] == "\(view.own.count)", "\(view.client)")

            let students = try bearerGET(base, path + "/students?limit=100", token: token)
            #expect(Set(students.sourcedIds("users") ?? []).isDisjoint(with: view.other), "\(view.client)")
            #expect(students.sourcedIds("users")?.isEmpty == false, "\(view.client) sees no students")

            let ownSchool = try bearerGET(base, path + "/schools/\(view.school)/students", token: token)
            #expect(ownSchool.status == 200, "\(view.client)")
            let otherSchool = try bearerGET(base, path + "/schools/\(view.otherSchool)/students", token: token)
            #expect(otherSchool.status == 404, "\(view.client): \(otherSchool)")
            #expect(otherSchool.json?["users"] == nil)
            let schoolRecord = try bearerGET(base, path + "/schools/\(view.otherSchool)", token: token)
            #expect(schoolRecord.status == 404, "\(view.client)")

            for id in view.other.sorted() {
                let single = try bearerGET(base, path + "/users/\(id)", token: token)
                #expect(single.status == 404, "\(view.client) reads \(id): \(single)")
                #expect(!single.body.contains("\"username\""), "\(view.client) reads \(id)")
            }
            let v1p2 = try bearerGET(base, "/ims/oneroster/rostering/v1p2/users?limit=100", token: token)
            #expect(Set(v1p2.sourcedIds("users") ?? []) == view.own, "\(view.client) over 1.2")
        }

        service.signal(SIGTERM)
        #expect(service.waitForExit(timeout: 10) == 0)
    }

    @Test func scopesGateDemographics() throws {
        let setup = try APIServiceSetup()
        try setup.writeMapping(#"return { name = "demo", share = { demographics = true } }"#, name: "demo")
        let hash = try hashSecret(Self.secret)
        let clients = [
            APIClientSpec(id: "core", secretHash: hash, scopes: ["roster-core.readonly"]),
            APIClientSpec(
                id: "demo", secretHash: hash, scopes: ["roster-core.readonly", "roster-demographics.readonly"]),
        ]
        try setup.writeConfig(apps: [APIAppSpec(id: "vendor", mapping: "demo", clients: clients)])
        try setup.sync()
        let service = try setup.start()
        let base = service.baseURL
        let demographicsPaths = ["/ims/oneroster/v1p1/demographics", "/ims/oneroster/rostering/v1p2/demographics"]

        let core = try accessToken(base, client: "core", secret: Self.secret)
        for path in demographicsPaths {
            let response = try bearerGET(base, path, token: core)
            #expect(response.status == 403, "\(path): \(response)")
            #expect(response.body.contains("forbidden"), "\(path): \(response.body)")
            #expect(response.json?["demographics"] == nil, "\(path)")
        }
        #expect(try bearerGET(base, "/ims/oneroster/v1p1/users", token: core).status == 200)

        let demo = try accessToken(base, client: "demo", secret: Self.secret)
        for path in demographicsPaths {
            let response = try bearerGET(base, path, token: demo)
            #expect(response.status == 200, "\(path): \(response)")
            #expect(response.json?["demographics"] is [Any], "\(path)")
        }

        let narrowScope = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly"
        let narrow = try requestToken(base, client: "demo", secret: Self.secret, scope: narrowScope)
        #expect(narrow.status == 200, "\(narrow)")
        #expect(narrow.json?["scope"] as? String == narrowScope)
        let narrowToken = try #require(narrow.json?["access_token"] as? String)
        #expect(try bearerGET(base, "/ims/oneroster/rostering/v1p2/users", token: narrowToken).status == 200)
        #expect(try bearerGET(base, "/ims/oneroster/rostering/v1p2/demographics", token: narrowToken).status == 403)
        #expect(try bearerGET(base, "/ims/oneroster/v1p1/users", token: narrowToken).status == 403)

        let beyond = try requestToken(
            base, client: "core", secret: Self.secret,
            scope: "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-demographics.readonly")
        #expect(beyond.status == 400, "\(beyond)")
        #expect(beyond.json?["error"] as? String == "invalid_scope")

        service.signal(SIGTERM)
        #expect(service.waitForExit(timeout: 10) == 0)
    }

    @Test func metricsLabelsAndLogSecrets() throws {
        let setup = try Self.sharedWhole()
        let service = try ServiceProcess(
            config: setup.config, logFile: setup.logFile, environment: ["ROLLBOOK_LOG_LEVEL": "debug"])
        let base = service.baseURL

        let token = try accessToken(base, client: "vendor-api", secret: Self.secret)
        for id in ["s-1", "s-2", "t-1"] {
            #expect(try bearerGET(base, "/ims/oneroster/v1p1/users/\(id)", token: token).status == 200)
        }
        #expect(try bearerGET(base, "/ims/oneroster/v1p1/users/nobody", token: token).status == 404)
        #expect(try curl(base + "/ims/oneroster/v1p1/users").status == 401)
        #expect(try bearerGET(base, "/ims/oneroster/v1p1/users", token: "not-a-real-token").status == 401)
        let wrongSecret = try requestToken(base, client: "vendor-api", secret: "wrong-secret-value")
        #expect(wrongSecret.status == 401)

        let metrics = try curl(base + "/metrics").body
        let users = "route=\"/ims/oneroster/v1p1/users/{id}\",method=\"GET\""
        #expect(metrics.contains("rollbook_http_requests_total{\(users),status=\"200\"} 3"), "\(metrics.prefix(3000))")
        #expect(metrics.contains("rollbook_http_requests_total{\(users),status=\"404\"} 1"))
        #expect(
            metrics.contains(
                "rollbook_http_requests_total{route=\"/ims/oneroster/v1p1/users\",method=\"GET\",status=\"401\"} 2"))
        #expect(metrics.contains("rollbook_http_requests_total{route=\"/token\",method=\"POST\",status=\"200\"} 1"))
        #expect(metrics.contains("rollbook_http_requests_total{route=\"/token\",method=\"POST\",status=\"401\"} 1"))
        for id in ["s-1", "s-2", "t-1", "nobody"] {
            #expect(!metrics.contains("/users/\(id)"), "a metric label holds the raw path of \(id)")
        }

        service.signal(SIGTERM)
        #expect(service.waitForExit(timeout: 10) == 0)
        let log = try String(contentsOfFile: setup.logFile, encoding: .utf8)
        #expect(log.contains("request not authenticated"), "the debug log shows no rejected request")
        #expect(!log.contains(Self.secret), "the log contains the client secret")
        #expect(!log.contains("wrong-secret-value"), "the log contains a rejected secret")
        #expect(!log.contains(token), "the log contains an access token")
        #expect(!log.contains("not-a-real-token"), "the log contains a rejected bearer token")
    }

    @Test func badRequestsGetClearErrors() throws {
        let setup = try Self.sharedWhole()
        let service = try setup.start()
        let base = service.baseURL
        let basic = ["-u", "vendor-api:\(Self.secret)"]

        let noGrant = try curl(base + "/token", basic + ["--data-urlencode", "scope="])
        #expect(noGrant.status == 400, "\(noGrant)")
        #expect(noGrant.json?["error"] as? String == "invalid_request")
        let password = try curl(base + "/token", basic + ["--data-urlencode", "grant_type=password"])
        #expect(password.status == 400, "\(password)")
        #expect(password.json?["error"] as? String == "unsupported_grant_type")
        let json = try curl(
            base + "/token", basic + ["-H", "Content-Type: application/json", "--data", #"{"grant_type":"x"}"#])
        #expect(json.status == 400, "\(json)")
        #expect((json.json?["error_description"] as? String)?.contains("application/x-www-form-urlencoded") == true)
        let unknown = try requestToken(base, client: "nobody", secret: Self.secret)
        #expect(unknown.status == 401)
        #expect(unknown.json?["error"] as? String == "invalid_client")
        #expect(unknown.json?["access_token"] == nil)

        let token = try accessToken(base, client: "vendor-api", secret: Self.secret)
        let badFilter = try bearerGET(base, "/ims/oneroster/v1p1/users?filter=role%3D", token: token)
        #expect(badFilter.status == 400, "\(badFilter)")
        #expect(badFilter.imsxStatus?["imsx_codeMajor"] as? String == "failure")
        #expect((badFilter.imsxStatus?["imsx_description"] as? String)?.contains("filter") == true)
        #expect(badFilter.json?["users"] == nil)
        let negative = try bearerGET(base, "/ims/oneroster/v1p1/users?offset=-1", token: token)
        #expect(negative.status == 400, "\(negative)")
        let basicScheme = try curl(base + "/ims/oneroster/v1p1/users", basic)
        #expect(basicScheme.status == 401, "\(basicScheme)")
        #expect(basicScheme.json?["users"] == nil)
        #expect(basicScheme.imsxStatus?["imsx_codeMajor"] as? String == "failure")
        // A 1.1 authentication failure wraps its status object in `statusInfoSet`, as every other 1.1 error does.
        #expect(basicScheme.json?["statusInfoSet"] is [Any], "\(basicScheme.body)")
        #expect(badFilter.json?.keys.sorted() == basicScheme.json?.keys.sorted())

        service.signal(SIGTERM)
        #expect(service.waitForExit(timeout: 10) == 0)
    }

    @Test func reloadRemovesClientAndSurvivesBadConfig() throws {
        let setup = try APIServiceSetup()
        try setup.writeMapping(shareAllMapping, name: "all")
        let hash = try hashSecret(Self.secret)
        let keep = APIClientSpec(id: "keep", secretHash: hash)
        let drop = APIClientSpec(id: "drop", secretHash: hash)
        try setup.writeConfig(apps: [APIAppSpec(id: "vendor", mapping: "all", clients: [keep, drop])])
        try setup.sync()
        let service = try setup.start()
        let base = service.baseURL
        let users = "/ims/oneroster/v1p1/users"

        let keepToken = try accessToken(base, client: "keep", secret: Self.secret)
        let dropToken = try accessToken(base, client: "drop", secret: Self.secret)
        #expect(try bearerGET(base, users, token: dropToken).status == 200)

        try setup.writeConfig(apps: [APIAppSpec(id: "vendor", mapping: "all", clients: [keep])])
        service.signal(SIGHUP)
        try service.waitForLog(message: "configuration reloaded", timeout: 10)
        let removed = try bearerGET(base, users, token: dropToken)
        #expect(removed.status == 401, "\(removed)")
        #expect(removed.headers["www-authenticate"]?.contains("error=\"invalid_token\"") == true)
        #expect(try requestToken(base, client: "drop", secret: Self.secret).status == 401)
        #expect(try bearerGET(base, users, token: keepToken).status == 200)

        // The bad file also drops `keep`, but it names a mapping script that does not exist, so it never applies.
        try setup.writeConfig(apps: [APIAppSpec(id: "vendor", mapping: "missing", clients: [drop])])
        service.signal(SIGHUP)
        try service.waitForLog(
            message: "configuration reload failed; keeping the previous configuration", timeout: 10)
        #expect(try bearerGET(base, users, token: keepToken).status == 200)
        #expect(try requestToken(base, client: "keep", secret: Self.secret).status == 200)
        #expect(try bearerGET(base, users, token: dropToken).status == 401)

        service.signal(SIGTERM)
        #expect(service.waitForExit(timeout: 10) == 0)
    }
}
