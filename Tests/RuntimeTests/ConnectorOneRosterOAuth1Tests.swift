import Foundation
import Testing

private let fixture = (Paths.root as NSString).appendingPathComponent("connectors/sis/fixtures/oneroster-api-district")

/// The fixture district served by a provider that accepts only OAuth 1.0a HMAC-SHA256 signed GETs.
private func signedScenario() -> [String: Any] {
    [
        "client_id": "rollbook-test", "client_secret": "s3cret", "data_dir": fixture, "total_count": true,
        "oauth1": true,
    ]
}

/// Returns the sorted sourcedIds of one table of `district` in the store at `store`.
private func storedIds(_ store: String, _ table: String, district: String) throws -> [String] {
    let text = try sqlite(
        store, "SELECT sourcedId FROM \"\(table)\" WHERE district = '\(district)' ORDER BY sourcedId")
    return text.split(separator: "\n").map(String.init)
}

@Suite struct ConnectorOneRosterOAuth1Tests {
    @Test func signedSyncStoresDistrict() throws {
        let directory = try TemporaryDirectory()
        let server = try OneRosterAPIServer(scenario: signedScenario(), directory: directory)
        // The filter puts reserved characters and a space into the signed query.
        let config = try writeOneRosterAPIConfig(
            directory, server: server,
            settings: "auth = \"oauth1\", page_size = 2, filter = \"dateLastModified>'2024-08-01' & status='active'\"")
        let output = try runRollbook(["sync", "--config", config, "--json"])
        #expect(output.status == 0, "\(output)")
        #expect(output.firstRun?["status"] as? String == "committed")

        let store = directory.file("rollbook.sqlite")
        #expect(try storedIds(store, "users", district: "d1") == ["u-1", "u-2", "u-3"])
        #expect(try storedIds(store, "enrollments", district: "d1") == ["e-1", "e-2", "e-3", "e-4"])
        #expect(try storedIds(store, "orgs", district: "d1") == ["d-100", "s-110"])

        #expect(server.requests.filter { $0.hasPrefix("POST ") }.isEmpty, "no token request with OAuth 1.0a")
        let gets = server.requests.filter { $0.hasPrefix("GET ") }
        #expect(!gets.isEmpty)
        #expect(gets.allSatisfy { $0.contains(" OAuth oauth_consumer_key=\"rollbook-test\"") }, "\(gets)")
        #expect(gets.allSatisfy { $0.contains("oauth_signature_method=\"HMAC-SHA256\"") })
        let users = gets.filter { $0.hasPrefix("GET /ims/oneroster/v1p1/users?") }.map { $0.split(separator: " ")[1] }
        let filter = "filter=dateLastModified%3E%272024-08-01%27%20%26%20status%3D%27active%27"
        #expect(
            users == [
                "/ims/oneroster/v1p1/users?limit=2&offset=0&\(filter)",
                "/ims/oneroster/v1p1/users?limit=2&offset=2&\(filter)",
            ])
    }

    /// The provider stores the nonce of the failed attempt before it returns 500, so a retry that sent the
    /// same Authorization header again would get a 401 for a replayed nonce.
    @Test func retriedPageGetsNewNonce() throws {
        var scenario = signedScenario()
        scenario["faults"] = [["entity": "users", "request": 2, "kind": "status", "status": 500]]
        let directory = try TemporaryDirectory()
        let server = try OneRosterAPIServer(scenario: scenario, directory: directory)
        let config = try writeOneRosterAPIConfig(
            directory, server: server, settings: "auth = \"oauth1\", page_size = 2")
        let output = try runRollbook(["sync", "--config", config, "--json"])
        #expect(output.status == 0, "\(output)")
        #expect(output.firstRun?["status"] as? String == "committed")

        let store = directory.file("rollbook.sqlite")
        #expect(try storedIds(store, "users", district: "d1") == ["u-1", "u-2", "u-3"])
        #expect(try storedIds(store, "orgs", district: "d1") == ["d-100", "s-110"])

        let gets = server.requests.filter { $0.hasPrefix("GET ") }
        let secondPage = gets.filter { $0.hasPrefix("GET /ims/oneroster/v1p1/users?limit=2&offset=2 ") }
        #expect(secondPage.count == 2, "the failed page is requested twice: \(gets)")
        let nonces = gets.compactMap { line in
            line.firstMatch(of: /oauth_nonce="([^"]*)"/).map { String($0.output.1) }
        }
        #expect(nonces.count == gets.count, "every GET carries a nonce")
        #expect(Set(nonces).count == nonces.count, "a nonce was sent twice: \(nonces)")
        let signatures = secondPage.compactMap { line in
            line.firstMatch(of: /oauth_signature="([^"]*)"/).map { String($0.output.1) }
        }
        #expect(Set(signatures).count == 2, "the retry carries a new signature")
    }

    @Test func providerRejectsUnsignedRequest() throws {
        let directory = try TemporaryDirectory()
        let server = try OneRosterAPIServer(scenario: signedScenario(), directory: directory)
        let url = server.base + "/ims/oneroster/v1p1/users?limit=1&offset=0"

        let unsigned = try curl(url)
        #expect(unsigned.status == 401)
        #expect(unsigned.body.contains("missing OAuth Authorization header"), "\(unsigned.body)")

        let forged = try curl(
            url,
            [
                "-H",
                "Authorization: OAuth oauth_consumer_key=\"rollbook-test\", oauth_nonce=\"abc\", "
                    + "oauth_signature_method=\"HMAC-SHA256\", oauth_timestamp=\"\(Int(Date().timeIntervalSince1970))\", "
                    + "oauth_version=\"1.0\", oauth_signature=\"AAAA\"",
            ])
        #expect(forged.status == 401)
        #expect(forged.body.contains("invalid signature"), "\(forged.body)")
    }

    @Test func wrongSecretFailsCheck() throws {
        let directory = try TemporaryDirectory()
        let server = try OneRosterAPIServer(scenario: signedScenario(), directory: directory)
        let config = try writeOneRosterAPIConfig(
            directory, server: server, clientSecret: "wrong-secret", settings: "auth = \"oauth1\"")
        let output = try runRollbook(["sync", "--config", config, "--json"])
        #expect(output.status == 2, "\(output)")
        let error = output.firstRun?["error"] as? String ?? output.stderr
        #expect(error.contains("rejected the OAuth 1.0a signature with HTTP 401"), "\(error)")
        #expect(error.contains("invalid signature"), "\(error)")
        #expect(error.contains("check client_id (the consumer key), client_secret (the consumer secret)"), "\(error)")
        #expect(!error.contains("wrong-secret"), "the secret must not appear in the message")
        // check stops after the first rejected request.
        #expect(server.requests.filter { $0.hasPrefix("GET ") }.count == 1)
    }

    @Test func unknownAuthIsRejected() throws {
        let directory = try TemporaryDirectory()
        let server = try OneRosterAPIServer(scenario: signedScenario(), directory: directory)
        let config = try writeOneRosterAPIConfig(directory, server: server, settings: "auth = \"oauth3\"")
        let output = try runRollbook(["sync", "--config", config, "--json"])
        #expect(output.status == 2, "\(output)")
        let error = output.firstRun?["error"] as? String ?? output.stderr
        #expect(error.contains("auth 'oauth3' is not supported; expected oauth2 or oauth1"), "\(error)")
        #expect(server.requests.isEmpty)
    }

    /// Reads district `d` from Rollbook's own REST API, signed as an OAuth 1.0a client, into district `d2`.
    @Test func readsRollbookServiceAPI() throws {
        let secret = "consumer-secret-7"
        let setup = try APIServiceSetup()
        try setup.writeMapping(shareAllMapping, name: "all")
        let clients = [APIClientSpec(id: "vendor-signed", oauth1Secret: secret)]
        try setup.writeConfig(apps: [APIAppSpec(id: "vendor", mapping: "all", clients: clients)])
        try setup.sync()
        let service = try setup.start()

        let reader = try TemporaryDirectory()
        let store = reader.file("rollbook.sqlite")
        let text = """
            store = "\(store)"
            connectors_dir = "\(Paths.root)/connectors"
            districts = {
              { id = "d2", connector = "oneroster_api", settings = {
                  base_url = "\(service.baseURL)/ims/oneroster/v1p1",
                  auth = "oauth1",
                  client_id = "vendor-signed",
                  client_secret = "\(secret)",
                  page_size = 3,
                  entities = { "orgs", "academicSessions", "courses", "classes", "users", "enrollments" },
              } },
            }
            """
        let config = reader.file("config.lua")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let output = try runRollbook(["sync", "--config", config, "--json"])
        #expect(output.status == 0, "\(output)")

        for table in ["orgs", "academicSessions", "courses", "classes", "users", "enrollments"] {
            let source = try storedIds(setup.store, table, district: "d")
            #expect(!source.isEmpty, "\(table)")
            #expect(try storedIds(store, table, district: "d2") == source, "\(table)")
        }
    }
}
