import Foundation
import OneRoster
import Store
import Testing

/// The fixture district, paged by Link and X-Total-Count.
private func districtScenario() -> [String: Any] {
    HTTPConnector.oneRosterAPI.scenario()
}

/// Starts a provider for `scenario` and runs `rollbook sync --json` against it.
private func syncAPI(
    _ directory: TemporaryDirectory, scenario: [String: Any], settings: String = "page_size = 2",
    timeout: TimeInterval = 60
) throws -> (ProcessOutput, OneRosterAPIServer) {
    let server = try OneRosterAPIServer(scenario: scenario, directory: directory)
    let config = try writeOneRosterAPIConfig(directory, server: server, settings: settings)
    return (try runRollbook(["sync", "--config", config, "--json"], timeout: timeout), server)
}

/// Returns the GET requests of one collection that the server logged, as paths with their query.
private func pages(_ server: OneRosterAPIServer, _ entity: String) -> [String] {
    server.requests.compactMap { line in
        let parts = line.split(separator: " ")
        guard parts.count >= 2, parts[0] == "GET", parts[1].hasPrefix("/ims/oneroster/v1p1/\(entity)?") else {
            return nil
        }
        return String(parts[1].dropFirst("/ims/oneroster/v1p1/".count))
    }
}

@Suite struct ConnectorOneRosterAPITests {
    @Test(arguments: RecoveredFault.allCases)
    func recoversFromFault(_ fault: RecoveredFault) throws {
        try expectRecovery(.oneRosterAPI, from: fault)
    }

    @Test(arguments: FailingFault.allCases)
    func faultFailsAndKeepsSnapshot(_ fault: FailingFault) throws {
        try expectFailureKeepsSnapshot(.oneRosterAPI, on: fault)
    }

    @Test func districtStoresExactValues() throws {
        let directory = try TemporaryDirectory()
        let (output, server) = try syncAPI(directory, scenario: districtScenario())
        #expect(output.status == 0, "\(output)")
        #expect(output.firstRun?["status"] as? String == "committed")

        #expect(try storedIds(directory, "orgs") == ["d-100", "s-110"])
        #expect(try stored(directory, "orgs", "s-110", "parentSourcedId") == "d-100")
        #expect(try stored(directory, "orgs", "s-110", "identifier") == "HH-110")
        #expect(try stored(directory, "orgs", "d-100", "parentSourcedId") == "")
        #expect(try stored(directory, "academicSessions", "t-2026-1", "parentSourcedId") == "y-2026")
        #expect(try stored(directory, "academicSessions", "t-2026-1", "schoolYear") == "2026")
        #expect(try stored(directory, "courses", "c-bio", "orgSourcedId") == "s-110")
        #expect(try stored(directory, "courses", "c-bio", "schoolYearSourcedId") == "y-2026")
        #expect(try stored(directory, "classes", "k-bio-1", "courseSourcedId") == "c-bio")
        #expect(try stored(directory, "classes", "k-bio-1", "schoolSourcedId") == "s-110")
        #expect(try stored(directory, "classes", "k-bio-1", "termSourcedIds") == "t-2026-1")
        #expect(try stored(directory, "classes", "k-bio-1", "periods") == "1,2")
        #expect(try storedIds(directory, "users") == ["u-1", "u-2", "u-3"])
        #expect(try stored(directory, "users", "u-1", "orgSourcedIds") == "s-110")
        #expect(try stored(directory, "users", "u-3", "orgSourcedIds") == "s-110,d-100")
        #expect(try stored(directory, "users", "u-1", "userIds") == "{FED:880001}")
        #expect(try stored(directory, "users", "u-2", "enabledUser") == "false")
        #expect(try stored(directory, "users", "u-2", "familyName") == "Díaz")
        #expect(try stored(directory, "users", "u-1", "grades") == "09")
        #expect(try storedIds(directory, "enrollments") == ["e-1", "e-2", "e-3", "e-4"])
        #expect(try stored(directory, "enrollments", "e-3", "userSourcedId") == "u-3")
        #expect(try stored(directory, "enrollments", "e-3", "classSourcedId") == "k-bio-1")
        #expect(try stored(directory, "enrollments", "e-3", "primary") == "true")
        #expect(try stored(directory, "enrollments", "e-4", "primary") == "false")
        #expect(try stored(directory, "demographics", "u-1", "birthDate") == "2011-03-14")
        #expect(try stored(directory, "demographics", "u-2", "hispanicOrLatinoEthnicity") == "true")

        // Two records per page: users take pages at offsets 0 and 2, found through the Link header.
        #expect(pages(server, "users") == ["users?limit=2&offset=0", "users?limit=2&offset=2"])
        #expect(pages(server, "enrollments") == ["enrollments?limit=2&offset=0", "enrollments?limit=2&offset=2"])
        let tokenRequests = server.requests.filter { $0.hasPrefix("POST /token ") }
        #expect(tokenRequests.count == 2, "check and sync each request a token")
        let gets = server.requests.filter { $0.hasPrefix("GET ") }
        #expect(gets.allSatisfy { $0.hasSuffix(" Bearer token-1") || $0.hasSuffix(" Bearer token-2") })
    }

    @Test func cappedPagesWithoutCountKeepPaging() throws {
        // A provider that returns at most 200 users whatever the limit, with neither X-Total-Count nor Link.
        let directory = try TemporaryDirectory()
        let users: [[String: Any]] = (32001...32450).map { number in
            [
                "sourcedId": "u-\(number)", "status": "active", "username": "user\(number)",
                "givenName": "Given\(number)", "familyName": "Family", "role": "student", "enabledUser": "true",
                "orgs": [["sourcedId": "s-1", "type": "org", "href": "/orgs/s-1"]],
            ]
        }
        let orgs: [[String: Any]] = [["sourcedId": "s-1", "status": "active", "name": "Cap School", "type": "school"]]
        let scenario: [String: Any] = [
            "client_id": "rollbook-test", "client_secret": "s3cret", "cap": 200,
            "collections": ["orgs": orgs, "users": users],
        ]
        let server = try OneRosterAPIServer(scenario: scenario, directory: directory)
        let config = try writeOneRosterAPIConfig(
            directory, server: server, settings: "page_size = 1000, entities = { \"orgs\", \"users\" }")
        let output = try runProgram(
            "/usr/bin/env", ["ROLLBOOK_LOG_LEVEL=warning", Paths.executable, "sync", "--config", config, "--json"])
        #expect(output.status == 0, "\(output)")
        #expect(output.count("users", "accepted") == 450)
        let ids = try storedIds(directory, "users")
        #expect(ids.count == 450)
        #expect(ids.first == "u-32001")
        #expect(ids.last == "u-32450")
        #expect(
            pages(server, "users") == [
                "users?limit=1000&offset=0", "users?limit=1000&offset=200", "users?limit=1000&offset=400",
            ])
        #expect(output.stderr.contains("server returned fewer records than the limit"), "\(output.stderr)")
    }

    @Test func shortPageWithCountKeepsPaging() throws {
        // A page short of the limit while X-Total-Count shows that more remain must not end paging.
        let directory = try TemporaryDirectory()
        var scenario = districtScenario()
        scenario["link"] = false
        scenario["cap"] = 1
        let (output, server) = try syncAPI(directory, scenario: scenario, settings: "page_size = 5")
        #expect(output.status == 0, "\(output)")
        #expect(try storedIds(directory, "users") == ["u-1", "u-2", "u-3"])
        #expect(
            pages(server, "users") == [
                "users?limit=5&offset=0", "users?limit=5&offset=1", "users?limit=5&offset=2",
            ])
    }

    @Test func wrongSecretFailsCheck() throws {
        let directory = try TemporaryDirectory()
        let server = try OneRosterAPIServer(scenario: districtScenario(), directory: directory)
        let config = try writeOneRosterAPIConfig(directory, server: server, clientSecret: "wrong")
        let output = try runRollbook(["sync", "--config", config, "--json"])
        #expect(output.status == 2, "\(output)")
        let error = output.firstRun?["error"] as? String ?? output.stderr
        #expect(error.contains("returned HTTP 401; check client_id and client_secret"), "\(error)")
        #expect(!error.contains("wrong"), "the secret must not appear in the message")
        #expect(server.requests.filter { $0.hasPrefix("GET ") }.isEmpty)
    }

    @Test func unknownEntitySettingIsRejected() throws {
        let directory = try TemporaryDirectory()
        let server = try OneRosterAPIServer(scenario: districtScenario(), directory: directory)
        let config = try writeOneRosterAPIConfig(
            directory, server: server, settings: "entities = { \"users\", \"teachers\" }")
        let output = try runRollbook(["sync", "--config", config, "--json"])
        #expect(output.status == 2, "\(output)")
        let error = output.firstRun?["error"] as? String ?? output.stderr
        #expect(error.contains("entities[2] is 'teachers'; expected one of orgs, academicSessions"), "\(error)")
        #expect(server.requests.isEmpty)
    }

    @Test func version12StoresRolesAndProfiles() throws {
        let directory = try TemporaryDirectory()
        let root = "/ims/oneroster/rostering/v1p2"
        let scenario: [String: Any] = [
            "client_id": "rollbook-test", "client_secret": "s3cret", "prefix": root + "/",
            "data_dir": (Paths.root as NSString).appendingPathComponent("connectors/sis/fixtures/oneroster-api-v1p2"),
        ]
        let server = try OneRosterAPIServer(scenario: scenario, directory: directory)
        let config = try writeOneRosterAPIConfig(
            directory, server: server, root: root,
            settings: "version = \"1.2\", entities = { \"orgs\", \"users\" }")
        let output = try runRollbook(["sync", "--config", config, "--json"])
        #expect(output.status == 0, "\(output.diagnostics)")

        #expect(try storedIds(directory, "users") == ["p-1", "p-2"])
        #expect(try stored(directory, "users", "p-1", "primaryOrgSourcedId") == "s-210")
        #expect(try stored(directory, "users", "p-1", "preferredGivenName") == "Lee-Ann")
        #expect(
            try storedIds(directory, "roles") == [
                "p-1:s-210:student", "p-2:d-200:districtAdministrator", "p-2:s-210:teacher",
            ])
        #expect(try stored(directory, "roles", "p-2:d-200:districtAdministrator", "roleType") == "secondary")
        #expect(try stored(directory, "roles", "p-2:s-210:teacher", "beginDate") == "2025-08-01")
        #expect(try stored(directory, "roles", "p-1:s-210:student", "userSourcedId") == "p-1")
        #expect(try storedIds(directory, "userProfiles") == ["prof-1"])
        #expect(try stored(directory, "userProfiles", "prof-1", "credentialType") == "username")
        #expect(try stored(directory, "userProfiles", "prof-1", "username") == "lpark")
        #expect(try stored(directory, "userProfiles", "prof-1", "password") == "")
    }
}
