import Foundation
import OneRoster
import Store
import Testing

private let fixture = (Paths.root as NSString).appendingPathComponent("connectors/sis/fixtures/powerschool-district")

/// The fixture district served PowerSchool-style, with `/count` served unless `count` is false.
private func districtScenario(count: Bool = true, cap: Int? = nil) -> [String: Any] {
    var scenario = HTTPConnector.powerSchool.scenario()
    scenario["count"] = count
    if let cap { scenario["cap"] = cap }
    return scenario
}

/// Starts a server for `scenario` and runs `rollbook sync --json` against it.
private func syncPowerSchool(
    _ directory: TemporaryDirectory, scenario: [String: Any],
    settings: String = "page_size = 2, school_year = 2026, retries = 2", clientSecret: String = "s3cret"
) throws -> (ProcessOutput, OneRosterAPIServer) {
    let server = try OneRosterAPIServer(scenario: scenario, directory: directory)
    let config = try writePowerSchoolConfig(directory, server: server, clientSecret: clientSecret, settings: settings)
    return (try runRollbook(["sync", "--config", config, "--json"], timeout: 60), server)
}

/// Returns the logged GET requests whose path starts with `path`, with their query.
private func requests(_ server: OneRosterAPIServer, _ path: String) -> [String] {
    server.requests.compactMap { line in
        let parts = line.split(separator: " ")
        guard parts.count >= 2, parts[0] == "GET", parts[1].hasPrefix(path) else { return nil }
        return String(parts[1])
    }
}

/// Returns the error message of a failed run.
private func runError(_ output: ProcessOutput) -> String {
    (output.firstRun?["error"] as? String) ?? output.stderr
}

@Suite struct ConnectorPowerSchoolTests {
    @Test(arguments: RecoveredFault.allCases)
    func recoversFromFault(_ fault: RecoveredFault) throws {
        try expectRecovery(.powerSchool, from: fault)
    }

    @Test(arguments: FailingFault.allCases)
    func faultFailsAndKeepsSnapshot(_ fault: FailingFault) throws {
        try expectFailureKeepsSnapshot(.powerSchool, on: fault)
    }

    @Test func districtStoresExactValues() throws {
        let directory = try TemporaryDirectory()
        let (output, server) = try syncPowerSchool(directory, scenario: districtScenario())
        #expect(output.status == 0, "\(output)")
        #expect(output.firstRun?["status"] as? String == "committed")

        #expect(try storedIds(directory, "orgs") == ["district-5", "school-110", "school-120"])
        #expect(try stored(directory, "orgs", "district-5", "name") == "Harbor Unified")
        #expect(try stored(directory, "orgs", "district-5", "type") == "district")
        #expect(try stored(directory, "orgs", "school-110", "parentSourcedId") == "district-5")
        #expect(try stored(directory, "orgs", "school-110", "identifier") == "110")
        #expect(try stored(directory, "orgs", "school-120", "name") == "Bay Middle")

        // The 2024-2025 term is outside school_year 2026; term ids repeat across schools.
        #expect(try storedIds(directory, "academicSessions") == ["term-110-3500", "term-110-3501", "term-120-3500"])
        #expect(try stored(directory, "academicSessions", "term-110-3500", "type") == "schoolYear")
        #expect(try stored(directory, "academicSessions", "term-110-3500", "schoolYear") == "2026")
        #expect(try stored(directory, "academicSessions", "term-110-3500", "parentSourcedId") == "")
        #expect(try stored(directory, "academicSessions", "term-110-3501", "type") == "semester")
        #expect(try stored(directory, "academicSessions", "term-110-3501", "parentSourcedId") == "term-110-3500")
        #expect(try stored(directory, "academicSessions", "term-110-3501", "startDate") == "2025-08-18")
        #expect(try stored(directory, "academicSessions", "term-110-3501", "endDate") == "2026-01-16")
        #expect(try stored(directory, "academicSessions", "term-120-3500", "startDate") == "2025-08-20")

        #expect(try storedIds(directory, "courses") == ["course-701", "course-702", "course-801"])
        #expect(try stored(directory, "courses", "course-701", "title") == "Biology")
        #expect(try stored(directory, "courses", "course-701", "courseCode") == "BIO1")
        #expect(try stored(directory, "courses", "course-801", "orgSourcedId") == "school-120")

        #expect(try storedIds(directory, "classes") == ["section-9001", "section-9002", "section-9101"])
        #expect(try stored(directory, "classes", "section-9001", "title") == "Biology 1")
        #expect(try stored(directory, "classes", "section-9001", "courseSourcedId") == "course-701")
        #expect(try stored(directory, "classes", "section-9001", "schoolSourcedId") == "school-110")
        #expect(try stored(directory, "classes", "section-9001", "termSourcedIds") == "term-110-3501")
        #expect(try stored(directory, "classes", "section-9001", "periods") == "1(A)")
        #expect(try stored(directory, "classes", "section-9101", "termSourcedIds") == "term-120-3500")

        #expect(
            try storedIds(directory, "users") == [
                "staff-41", "staff-42", "staff-43", "student-1001", "student-1002", "student-1003", "student-1101",
                "student-1102",
            ])
        #expect(try stored(directory, "users", "student-1001", "givenName") == "Ava")
        #expect(try stored(directory, "users", "student-1001", "middleName") == "June")
        #expect(try stored(directory, "users", "student-1001", "username") == "ava.lee")
        #expect(try stored(directory, "users", "student-1001", "identifier") == "880001")
        #expect(try stored(directory, "users", "student-1001", "grades") == "09")
        #expect(try stored(directory, "users", "student-1001", "role") == "student")
        #expect(try stored(directory, "users", "student-1001", "orgSourcedIds") == "school-110")
        #expect(try stored(directory, "users", "student-1002", "familyName") == "Díaz")
        #expect(try stored(directory, "users", "student-1002", "enabledUser") == "false")
        #expect(try stored(directory, "users", "student-1102", "grades") == "KG")
        #expect(try stored(directory, "users", "staff-43", "orgSourcedIds") == "school-110,school-120")
        #expect(try stored(directory, "users", "staff-43", "role") == "teacher")
        #expect(try stored(directory, "users", "staff-41", "email") == "mgrant@harbor.example.org")
        #expect(try stored(directory, "users", "staff-41", "username") == "mgrant")

        // Enrollment 50003 is dropped, and section 9003 (last school year) is never read.
        #expect(
            try storedIds(directory, "enrollments") == [
                "enrollment-50001", "enrollment-50002", "enrollment-50011", "enrollment-51001", "enrollment-51002",
                "section-9001-teacher-41", "section-9002-teacher-42", "section-9101-teacher-43",
            ])
        #expect(try stored(directory, "enrollments", "enrollment-50002", "userSourcedId") == "student-1002")
        #expect(try stored(directory, "enrollments", "enrollment-50002", "classSourcedId") == "section-9001")
        #expect(try stored(directory, "enrollments", "enrollment-50002", "endDate") == "2025-10-03")
        #expect(try stored(directory, "enrollments", "enrollment-50002", "role") == "student")
        #expect(try stored(directory, "enrollments", "section-9101-teacher-43", "userSourcedId") == "staff-43")
        #expect(try stored(directory, "enrollments", "section-9101-teacher-43", "primary") == "true")
        #expect(requests(server, "/ws/v1/section/9003").isEmpty)

        let tokenRequests = server.requests.filter { $0.hasPrefix("POST /oauth/access_token ") }
        #expect(tokenRequests.count == 2, "check and sync each request a token")
    }

    @Test func pagingFollowsCount() throws {
        let directory = try TemporaryDirectory()
        let (output, server) = try syncPowerSchool(directory, scenario: districtScenario())
        #expect(output.status == 0, "\(output)")

        // Three students at two per page: the count of 3 ends paging after page 2.
        #expect(
            requests(server, "/ws/v1/school/110/student") == [
                "/ws/v1/school/110/student/count",
                "/ws/v1/school/110/student?expansions=school_enrollment&pagesize=2&page=1",
                "/ws/v1/school/110/student?expansions=school_enrollment&pagesize=2&page=2",
            ])
        #expect(
            requests(server, "/ws/v1/school/120/term") == [
                "/ws/v1/school/120/term/count", "/ws/v1/school/120/term?pagesize=2&page=1",
            ])
    }

    @Test func pagingWithoutCountEndsOnShortPage() throws {
        // No /count, and the server returns at most 2 records whatever the page size.
        let directory = try TemporaryDirectory()
        let (output, server) = try syncPowerSchool(
            directory, scenario: districtScenario(count: false, cap: 2), settings: "page_size = 5, school_year = 2026")
        #expect(output.status == 0, "\(output)")
        #expect(try storedIds(directory, "users").count == 8)
        #expect(
            requests(server, "/ws/v1/school/110/student") == [
                "/ws/v1/school/110/student/count",
                "/ws/v1/school/110/student?expansions=school_enrollment&pagesize=5&page=1",
                "/ws/v1/school/110/student?expansions=school_enrollment&pagesize=5&page=2",
            ])
        // Once a count failed for a kind of resource, it is not asked again.
        #expect(requests(server, "/ws/v1/school/120/student/count").isEmpty)
    }

    @Test func cappedPagesFollowCount() throws {
        // The server returns one record per page although two are requested, and its count is 3.
        let directory = try TemporaryDirectory()
        let (output, server) = try syncPowerSchool(directory, scenario: districtScenario(cap: 1))
        #expect(output.status == 0, "\(output)")
        #expect(try storedIds(directory, "users").count == 8)
        #expect(
            requests(server, "/ws/v1/school/110/student") == [
                "/ws/v1/school/110/student/count",
                "/ws/v1/school/110/student?expansions=school_enrollment&pagesize=2&page=1",
                "/ws/v1/school/110/student?expansions=school_enrollment&pagesize=2&page=2",
                "/ws/v1/school/110/student?expansions=school_enrollment&pagesize=2&page=3",
            ])
    }

    @Test func wrongSecretFailsCheck() throws {
        let directory = try TemporaryDirectory()
        let (output, server) = try syncPowerSchool(directory, scenario: districtScenario(), clientSecret: "wrong")
        #expect(output.status == 2, "\(output)")
        let error = runError(output)
        #expect(error.contains("returned HTTP 401; check client_id and client_secret"), "\(error)")
        #expect(!error.contains("wrong"), "the secret must not appear in the message")
        #expect(server.requests.allSatisfy { !$0.hasPrefix("GET ") })
    }

    @Test func unknownGradeIsReported() throws {
        // A copy of the fixture where student 1003 has grade_level 99, which has no CEDS code.
        let directory = try TemporaryDirectory()
        let data = directory.file("data")
        try FileManager.default.copyItem(atPath: fixture, toPath: data)
        let students = (data as NSString).appendingPathComponent("ws.v1.school.110.student.json")
        let original = try String(contentsOfFile: students, encoding: .utf8)
        let changed = original.replacingOccurrences(of: "\"grade_level\": 12", with: "\"grade_level\": 99")
        #expect(changed != original)
        try changed.write(toFile: students, atomically: true, encoding: .utf8)

        var scenario = districtScenario()
        scenario["data_dir"] = data
        let (output, _) = try syncPowerSchool(directory, scenario: scenario)
        let findings = output.diagnostics.filter { $0["field"] as? String == "grades" }
        #expect(findings.count == 1, "\(output.diagnostics)")
        #expect(findings.first?["value"] as? String == "99")
        #expect(findings.first?["file"] as? String == "emit:users")
        #expect(try stored(directory, "users", "student-1001", "grades") == "09")
    }

    @Test func badSettingsAreRejected() throws {
        let cases: [(settings: String, message: String)] = [
            ("page_size = 0", "page_size '0' must be at least 1"),
            ("school_year = 26", "school_year '26' is not a year"),
            ("retries = 11", "retries '11' must be from 0 to 10"),
            ("timeout = -1", "timeout '-1' must be a positive number of seconds"),
        ]
        for (settings, message) in cases {
            let directory = try TemporaryDirectory()
            let (output, server) = try syncPowerSchool(directory, scenario: districtScenario(), settings: settings)
            #expect(output.status == 2, "\(settings): \(output)")
            #expect(runError(output).contains(message), "\(settings): \(runError(output))")
            #expect(server.requests.isEmpty, "\(settings)")
        }
    }

    @Test func everySettingsProblemIsNamed() throws {
        let directory = try TemporaryDirectory()
        let (output, server) = try syncPowerSchool(
            directory, scenario: districtScenario(), settings: "page_size = 0, school_year = 1850, retries = -5")

        #expect(output.status == 2, "\(output)")
        let error = runError(output)
        #expect(error.contains("powerschool settings:\n"), "\(error)")
        #expect(error.contains("page_size '0' must be at least 1"), "\(error)")
        #expect(error.contains("school_year '1850' is not a year"), "\(error)")
        #expect(error.contains("retries '-5' must be from 0 to 10"), "\(error)")
        #expect(server.requests.isEmpty)
    }
}
