import Foundation
import OneRoster
import Store
import Testing

private let fixture = (Paths.root as NSString).appendingPathComponent("connectors/sis/fixtures/edfi-district")

/// The path before each Ed-Fi resource name that the provider serves.
private let prefix = "/data/v3/ed-fi/"

/// Returns a folder under the shared test data, looked up beside the package and, in a worktree, one level higher.
private func sharedFolder(_ relative: String) -> String? {
    for shared in ["../shared", "../../shared"] {
        let path =
            (((Paths.root as NSString).appendingPathComponent(shared) as NSString)
            .appendingPathComponent(relative) as NSString).standardizingPath
        if FileManager.default.fileExists(atPath: path) { return path }
    }
    return nil
}

/// Builds an Ed-Fi provider scenario serving `dataDir` and `collections` as bare JSON arrays.
private func edfiScenario(dataDir: String? = fixture, collections: [String: Any] = [:]) -> [String: Any] {
    var scenario = HTTPConnector.edFi.scenario()
    scenario["data_dir"] = dataDir
    scenario["collections"] = collections
    return scenario
}

/// Starts a provider for `scenario` and runs `rollbook sync --json` against it with the edfi connector.
private func syncEdFi(
    _ directory: TemporaryDirectory, scenario: [String: Any], settings: String = "page_size = 2",
    timeout: TimeInterval = 120
) throws -> (ProcessOutput, OneRosterAPIServer) {
    let server = try OneRosterAPIServer(scenario: scenario, directory: directory)
    let config = try writeOneRosterAPIConfig(
        directory, server: server, root: "/data/v3", settings: settings, connector: "edfi")
    return (try runRollbook(["sync", "--config", config, "--json"], timeout: timeout), server)
}

/// Returns the GET requests of one resource that the server logged, as paths with their query.
private func pages(_ server: OneRosterAPIServer, _ resource: String) -> [String] {
    server.requests.compactMap { line in
        let parts = line.split(separator: " ")
        guard parts.count >= 2, parts[0] == "GET", parts[1].hasPrefix("\(prefix)\(resource)?") else { return nil }
        return String(parts[1].dropFirst(prefix.count))
    }
}

/// Reads one file of the Grand Bend enrollment-composite dump as a list of JSON objects.
private func compositeRecords(_ folder: String, _ file: String) throws -> [[String: Any]] {
    let data = try Data(contentsOf: URL(fileURLWithPath: (folder as NSString).appendingPathComponent(file)))
    return try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
}

/// Splits the Grand Bend enrollment composites into the Ed-Fi v3 resources the connector reads.
///
/// Composites nest sessions, students and staff inside sections, so the resources are rebuilt from them:
/// association ids join the section id and the person's unique id because composites carry none.
private func grandBendResources(_ folder: String) throws -> [String: Any] {
    let agencies = try compositeRecords(folder, "064254f4-42e6-4748-a1de-2597ea32e937.json")
    let schools = try compositeRecords(folder, "aaf963ac-29b2-4c06-b2d0-e714c7c93fa8.json")
    let sections = try compositeRecords(folder, "c55b6648-f669-429c-a0bd-cb149d4d35ef.json")
    let staffs = try compositeRecords(folder, "a1f42752-d5c2-4e2d-8d0c-81a03ae65750.json")
    let students = try compositeRecords(folder, "33e1926e-d75b-414a-9755-32e8f6a52d79.json")

    var sessions: [String: [String: Any]] = [:]
    var offerings: [String: [String: Any]] = [:]
    var sectionResources: [[String: Any]] = []
    var studentSections: [[String: Any]] = []
    var staffSections: [[String: Any]] = []
    for section in sections {
        let sectionId = section["Id"] as? String ?? ""
        let session = section["Session"] as? [String: Any] ?? [:]
        let school = session["SchoolId"] ?? 0
        let year = session["SchoolYear"] ?? 0
        let sessionName = session["SessionName"] as? String ?? ""
        let code = section["LocalCourseCode"] as? String ?? ""
        sessions[sessionName + "\(school)"] = [
            "id": session["Id"] ?? "", "schoolReference": ["schoolId": school],
            "schoolYearTypeReference": ["schoolYear": year], "sessionName": sessionName,
            "beginDate": session["BeginDate"] ?? "", "endDate": session["EndDate"] ?? "",
            "termDescriptor": session["TermDescriptor"] ?? "",
        ]
        let offeringReference: [String: Any] = [
            "localCourseCode": code, "schoolId": school, "schoolYear": year, "sessionName": sessionName,
        ]
        offerings[code + sessionName + "\(school)"] = [
            "id": "\(code)-\(school)-\(year)-\(sessionName)", "localCourseCode": code,
            "schoolReference": ["schoolId": school],
            "sessionReference": ["schoolId": school, "schoolYear": year, "sessionName": sessionName],
        ]
        let periods = (section["ClassPeriods"] as? [[String: Any]] ?? []).map { period in
            ["classPeriodReference": ["classPeriodName": period["ClassPeriodName"] ?? "", "schoolId": school]]
        }
        let location = section["Location"] as? [String: Any] ?? [:]
        sectionResources.append([
            "id": sectionId, "sectionIdentifier": section["SectionIdentifier"] ?? "",
            "courseOfferingReference": offeringReference, "classPeriods": periods,
            "locationReference": ["classroomIdentificationCode": location["ClassroomIdentificationCode"] ?? ""],
        ])
        var sectionReference = offeringReference
        sectionReference["sectionIdentifier"] = section["SectionIdentifier"] ?? ""
        for student in section["Students"] as? [[String: Any]] ?? [] {
            let uniqueId = student["StudentUniqueId"] as? String ?? ""
            studentSections.append([
                "id": "\(sectionId)-\(uniqueId)", "studentReference": ["studentUniqueId": uniqueId],
                "sectionReference": sectionReference, "beginDate": student["EnrollmentBeginDate"] ?? "",
                "endDate": student["EnrollmentEndDate"] ?? "",
            ])
        }
        for staff in section["Staff"] as? [[String: Any]] ?? [] {
            let uniqueId = staff["StaffUniqueId"] as? String ?? ""
            staffSections.append([
                "id": "\(sectionId)-\(uniqueId)", "staffReference": ["staffUniqueId": uniqueId],
                "sectionReference": sectionReference,
            ])
        }
    }

    var schoolAssociations: [[String: Any]] = []
    var organizationAssociations: [[String: Any]] = []
    for student in students {
        let uniqueId = student["StudentUniqueId"] as? String ?? ""
        for enrollment in student["StudentSchoolEnrollments"] as? [[String: Any]] ?? [] {
            schoolAssociations.append([
                "id": enrollment["Id"] ?? "", "studentReference": ["studentUniqueId": uniqueId],
                "schoolReference": ["schoolId": enrollment["SchoolId"] ?? 0],
                "entryDate": enrollment["EnrollmentBeginDate"] ?? "",
                "entryGradeLevelDescriptor": enrollment["EntryGradeLevelDescriptor"] ?? "",
            ])
        }
        for demographics in student["StudentDemographics"] as? [[String: Any]] ?? [] {
            organizationAssociations.append([
                "id": "\(uniqueId)-\(demographics["EducationOrganizationId"] ?? 0)",
                "studentReference": ["studentUniqueId": uniqueId],
                "sexDescriptor": demographics["SexDescriptor"] ?? "",
            ])
        }
    }

    return [
        "localEducationAgencies": agencies.map { agency in
            [
                "localEducationAgencyId": agency["LocalEducationAgencyId"] ?? 0,
                "nameOfInstitution": agency["NameOfInstitution"] ?? "",
            ]
        },
        "schools": schools.map { school in
            [
                "schoolId": school["SchoolId"] ?? 0, "nameOfInstitution": school["NameOfInstitution"] ?? "",
                "localEducationAgencyReference": [
                    "localEducationAgencyId": (school["LocalEducationAgency"] as? [String: Any])?[
                        "LocalEducationAgencyId"] ?? 0
                ],
            ]
        },
        "sessions": Array(sessions.values), "courseOfferings": Array(offerings.values), "sections": sectionResources,
        "students": students.map { student in
            [
                "studentUniqueId": student["StudentUniqueId"] ?? "", "firstName": student["FirstName"] ?? "",
                "lastSurname": student["LastSurname"] ?? "", "middleName": student["MiddleName"] ?? NSNull(),
                "birthDate": student["BirthDate"] ?? "",
            ]
        },
        "staffs": staffs.map { staff in
            [
                "staffUniqueId": staff["StaffUniqueId"] ?? "", "firstName": staff["FirstName"] ?? "",
                "lastSurname": staff["LastSurname"] ?? "", "loginId": staff["LoginId"] ?? NSNull(),
                "electronicMails": (staff["ElectronicMails"] as? [[String: Any]] ?? []).map { mail in
                    ["electronicMailAddress": mail["ElectronicMailAddress"] ?? ""]
                },
            ]
        },
        "studentSchoolAssociations": schoolAssociations,
        "studentEducationOrganizationAssociations": organizationAssociations,
        "studentSectionAssociations": studentSections, "staffSectionAssociations": staffSections,
        "descriptorMappings": [[String: Any]](),
    ]
}

@Suite struct ConnectorEdFiTests {
    @Test(arguments: RecoveredFault.allCases)
    func recoversFromFault(_ fault: RecoveredFault) throws {
        try expectRecovery(.edFi, from: fault)
    }

    @Test(arguments: FailingFault.allCases)
    func faultFailsAndKeepsSnapshot(_ fault: FailingFault) throws {
        try expectFailureKeepsSnapshot(.edFi, on: fault)
    }

    @Test func fixtureStoresExactValues() throws {
        let directory = try TemporaryDirectory()
        let (output, server) = try syncEdFi(directory, scenario: edfiScenario())
        #expect(output.status == 0, "\(output)")
        #expect(output.firstRun?["status"] as? String == "committed")

        #expect(try storedIds(directory, "orgs") == ["7700", "7700010"])
        #expect(try stored(directory, "orgs", "7700", "type") == "district")
        #expect(try stored(directory, "orgs", "7700010", "type") == "school")
        #expect(try stored(directory, "orgs", "7700010", "parentSourcedId") == "7700")
        #expect(try stored(directory, "orgs", "7700010", "name") == "Harbor Hills High School")
        #expect(try storedIds(directory, "academicSessions") == ["ses-fall", "ses-year"])
        #expect(try stored(directory, "academicSessions", "ses-fall", "type") == "semester")
        #expect(try stored(directory, "academicSessions", "ses-year", "type") == "schoolYear")
        #expect(try stored(directory, "academicSessions", "ses-fall", "schoolYear") == "2026")
        #expect(try stored(directory, "academicSessions", "ses-fall", "endDate") == "2025-12-19")
        #expect(try stored(directory, "courses", "off-bio", "title") == "Biology I")
        #expect(try stored(directory, "courses", "off-bio", "courseCode") == "BIO-1")
        #expect(try stored(directory, "courses", "off-bio", "orgSourcedId") == "7700010")
        #expect(try storedIds(directory, "classes") == ["sec-bio-1", "sec-bio-2"])
        #expect(try stored(directory, "classes", "sec-bio-1", "courseSourcedId") == "off-bio")
        #expect(try stored(directory, "classes", "sec-bio-1", "termSourcedIds") == "ses-fall")
        #expect(try stored(directory, "classes", "sec-bio-1", "schoolSourcedId") == "7700010")
        #expect(try stored(directory, "classes", "sec-bio-1", "classCode") == "BIO1-P1")
        #expect(try stored(directory, "classes", "sec-bio-1", "location") == "B12")
        #expect(try stored(directory, "classes", "sec-bio-2", "periods") == "02 - Traditional")

        #expect(try storedIds(directory, "users") == ["770001", "770002", "770003", "T-100", "T-101"])
        #expect(try stored(directory, "users", "770001", "username") == "adiaz")
        #expect(try stored(directory, "users", "770002", "username") == "770002")
        #expect(try stored(directory, "users", "770001", "familyName") == "Díaz")
        #expect(try stored(directory, "users", "770001", "grades") == "09")
        #expect(try stored(directory, "users", "770002", "grades") == "10", "mapped through descriptorMappings")
        #expect(try stored(directory, "users", "770003", "grades") == "11")
        #expect(try stored(directory, "users", "T-100", "email") == "rlee@harbor.example.org")
        #expect(try stored(directory, "users", "770001", "primaryOrgSourcedId") == "7700010")
        #expect(try stored(directory, "roles", "770001:7700010:student", "role") == "student")
        #expect(try stored(directory, "roles", "T-100:7700010:teacher", "roleType") == "primary")
        #expect(try stored(directory, "demographics", "770001", "birthDate") == "2010-03-14")
        #expect(try stored(directory, "demographics", "770001", "sex") == "female")
        #expect(try stored(directory, "demographics", "770002", "sex") == "male")
        #expect(try stored(directory, "demographics", "770003", "sex") == "unspecified")

        #expect(
            try storedIds(directory, "enrollments") == [
                "stfsec-1", "stfsec-2", "stsec-1", "stsec-2", "stsec-3", "stsec-4",
            ])
        #expect(try stored(directory, "enrollments", "stsec-3", "classSourcedId") == "sec-bio-2")
        #expect(try stored(directory, "enrollments", "stsec-3", "userSourcedId") == "770003")
        #expect(try stored(directory, "enrollments", "stsec-3", "role") == "student")
        #expect(try stored(directory, "enrollments", "stfsec-1", "role") == "teacher")
        #expect(try stored(directory, "enrollments", "stfsec-1", "primary") == "true")
        #expect(try stored(directory, "enrollments", "stfsec-2", "primary") == "false")
        #expect(try stored(directory, "enrollments", "stfsec-2", "schoolSourcedId") == "7700010")

        // Two records per page: three students take pages at offsets 0 and 2, and the short page ends paging.
        #expect(pages(server, "students") == ["students?limit=2&offset=0", "students?limit=2&offset=2"])
        #expect(
            pages(server, "studentSectionAssociations") == [
                "studentSectionAssociations?limit=2&offset=0", "studentSectionAssociations?limit=2&offset=2",
                "studentSectionAssociations?limit=2&offset=4",
            ])
        let findings = output.diagnostics.filter { ($0["rule"] as? String ?? "").hasPrefix("edfi-") }
        #expect(findings.isEmpty, "\(findings)")
    }

    @Test func fixtureAsVersion11() throws {
        let directory = try TemporaryDirectory()
        let (output, _) = try syncEdFi(
            directory, scenario: edfiScenario(), settings: "page_size = 2, version = \"1.1\"")
        #expect(output.status == 0, "\(output)")
        #expect(try stored(directory, "users", "770001", "role") == "student")
        #expect(try stored(directory, "users", "770001", "orgSourcedIds") == "7700010")
        #expect(try stored(directory, "users", "T-101", "role") == "teacher")
        #expect(try stored(directory, "demographics", "770003", "sex") == "", "1.1 has no 'unspecified'")
        #expect(try storedIds(directory, "roles").isEmpty)
    }

    @Test func schoolYearFiltersRequests() throws {
        let directory = try TemporaryDirectory()
        let (output, server) = try syncEdFi(
            directory, scenario: edfiScenario(), settings: "page_size = 5, school_year = 2026")
        #expect(output.status == 0, "\(output)")
        #expect(pages(server, "sections") == ["sections?limit=5&offset=0&schoolYear=2026"])
        #expect(pages(server, "students") == ["students?limit=5&offset=0"])
    }

    @Test func badPageSizeIsRejected() throws {
        let directory = try TemporaryDirectory()
        let (output, _) = try syncEdFi(directory, scenario: edfiScenario(), settings: "page_size = 0")
        #expect(output.status != 0)
        let error = output.firstRun?["error"] as? String ?? output.stderr
        #expect(error.contains("page_size '0' must be from 1 to 500"), "\(error)")
        #expect(try storedIds(directory, "users").isEmpty)
    }

    /// Resources that the descriptor case does not include, served beside it so that its references resolve.
    private static func caseSurroundings() -> [String: Any] {
        let section: [String: Any] = [
            "localCourseCode": "ALG-1", "schoolId": 8_801_001, "schoolYear": 2026,
            "sessionName": "2025-2026 Fall Semester",
        ]
        return [
            "localEducationAgencies": [["localEducationAgencyId": 8801, "nameOfInstitution": "Maple ISD"]],
            "schools": [
                [
                    "schoolId": 8_801_001, "nameOfInstitution": "Maple High School",
                    "localEducationAgencyReference": ["localEducationAgencyId": 8801],
                ]
            ],
            "courseOfferings": [
                [
                    "id": "off-alg-1", "localCourseCode": "ALG-1", "localCourseTitle": "Algebra I",
                    "schoolReference": ["schoolId": 8_801_001],
                    "sessionReference": [
                        "schoolId": 8_801_001, "schoolYear": 2026, "sessionName": "2025-2026 Fall Semester",
                    ],
                ]
            ],
            "sections": [
                ["id": "sec-alg1-p1", "sectionIdentifier": "ALG1-P1", "courseOfferingReference": section]
            ],
            "students": (1...7).map { number in
                ["studentUniqueId": "60400\(number)", "firstName": "Student\(number)", "lastSurname": "Maple"]
            },
            "staffs": (1...4).map { number in
                ["staffUniqueId": "S-900\(number)", "firstName": "Teacher\(number)", "lastSurname": "Maple"]
            },
            "studentSectionAssociations": [[String: Any]](),
        ]
    }

    @Test func descriptorCaseMapsAndReports() throws {
        guard let folder = sharedFolder("cases/B26") else {
            print("skipped: the shared descriptor case folder cases/B26 is not beside the package")
            return
        }
        let directory = try TemporaryDirectory()
        let scenario = edfiScenario(dataDir: folder, collections: Self.caseSurroundings())
        let (output, _) = try syncEdFi(directory, scenario: scenario, settings: "page_size = 3")
        #expect(output.status != 2, "\(output)")
        #expect(output.firstRun?["status"] as? String == "committed")

        let grades = [
            "604001": "09", "604002": "KG", "604003": "PK", "604004": "10", "604005": "09", "604006": "",
            "604007": "13",
        ]
        for (student, grade) in grades {
            #expect(try stored(directory, "users", student, "grades") == grade, "\(student)")
        }
        #expect(try stored(directory, "enrollments", "ssec-S-9001", "primary") == "true")
        #expect(try stored(directory, "enrollments", "ssec-S-9002", "primary") == "false")
        #expect(try stored(directory, "enrollments", "ssec-S-9003", "primary") == "false")
        #expect(try stored(directory, "enrollments", "ssec-S-9004", "primary") == "")
        #expect(try stored(directory, "enrollments", "ssec-S-9004", "role") == "teacher")
        #expect(try stored(directory, "enrollments", "ssec-S-9004", "classSourcedId") == "sec-alg1-p1")
        #expect(try stored(directory, "academicSessions", "ses-1", "type") == "semester")
        #expect(try stored(directory, "academicSessions", "ses-2", "type") == "gradingPeriod")
        #expect(try stored(directory, "academicSessions", "ses-3", "type") == "schoolYear")
        #expect(try stored(directory, "demographics", "604001", "sex") == "female")
        #expect(try stored(directory, "demographics", "604002", "sex") == "unspecified")

        let unknown = output.findings(rule: "edfi-descriptor-unknown")
        #expect(unknown.count == 2, "\(unknown)")
        let bridge = unknown.first { $0["sourcedId"] as? String == "ssa-604006" }
        #expect(bridge?["value"] as? String == "uri://maple-isd.example.org/GradeLevelDescriptor#Bridge")
        #expect(bridge?["file"] as? String == "studentSchoolAssociations")
        #expect(bridge?["severity"] as? String == "warning")
        let coTeacher = unknown.first { $0["sourcedId"] as? String == "ssec-S-9004" }
        #expect(coTeacher?["value"] as? String == "uri://maple-isd.example.org/ClassroomPositionDescriptor#Co-Teacher")
        let assumed = output.findings(rule: "edfi-descriptor-namespace")
        #expect(assumed.count == 1, "\(assumed)")
        #expect(assumed.first?["sourcedId"] as? String == "ssa-604004")
        #expect(assumed.first?["value"] as? String == "Tenth grade")
    }

    @Test func descriptorCaseAsVersion11() throws {
        guard let folder = sharedFolder("cases/B26") else {
            print("skipped: the shared descriptor case folder cases/B26 is not beside the package")
            return
        }
        let directory = try TemporaryDirectory()
        let scenario = edfiScenario(dataDir: folder, collections: Self.caseSurroundings())
        let (output, _) = try syncEdFi(directory, scenario: scenario, settings: "page_size = 3, version = \"1.1\"")
        #expect(output.status != 2, "\(output)")
        #expect(try stored(directory, "demographics", "604001", "sex") == "female")
        #expect(try stored(directory, "demographics", "604002", "sex") == "", "1.1 has no 'unspecified'")
        #expect(try stored(directory, "users", "604005", "grades") == "09")
        #expect(try stored(directory, "users", "604005", "role") == "student")
        #expect(try stored(directory, "users", "S-9004", "orgSourcedIds") == "8801001")
    }

    @Test func grandBendSampleCountsAndValues() throws {
        guard let folder = sharedFolder("samples/edfi-roster-sample-grandbend") else {
            print("skipped: the shared Grand Bend sample is not beside the package")
            return
        }
        let directory = try TemporaryDirectory()
        let scenario = edfiScenario(dataDir: nil, collections: try grandBendResources(folder))
        let (output, server) = try syncEdFi(directory, scenario: scenario, settings: "page_size = 500")
        #expect(output.status != 2, "\(output.stderr) \(output.firstRun?["error"] ?? "")")

        #expect(try storedIds(directory, "orgs").count == 4)
        #expect(try storedIds(directory, "academicSessions").count == 6)
        #expect(try storedIds(directory, "courses").count == 164)
        #expect(try storedIds(directory, "classes").count == 532)
        #expect(try storedIds(directory, "users").count == 960 + 68)
        #expect(try storedIds(directory, "enrollments").count == 13_440 + 528)
        #expect(try stored(directory, "orgs", "255901001", "name") == "Grand Bend High School")
        #expect(try stored(directory, "orgs", "255901001", "parentSourcedId") == "255901")
        #expect(try stored(directory, "users", "604821", "givenName") == "Tyrone")
        #expect(try stored(directory, "users", "604821", "grades") == "03")
        #expect(try stored(directory, "users", "604821", "primaryOrgSourcedId") == "255901107")
        #expect(try stored(directory, "demographics", "604821", "birthDate") == "2003-11-13")
        #expect(try stored(directory, "demographics", "604821", "sex") == "male")
        #expect(try stored(directory, "users", "207265", "username") == "alee")
        #expect(try stored(directory, "users", "207265", "email") == "AlvinLee@edfi.org")
        #expect(
            try stored(directory, "classes", "5e4b79f2f3d142b7bebfb88d15977a4d", "classCode")
                == "25590100102Trad220ALG112011")
        #expect(
            try stored(directory, "classes", "5e4b79f2f3d142b7bebfb88d15977a4d", "termSourcedIds")
                == "70f38cbb131f44d9addce3861984681d")
        #expect(
            try stored(directory, "academicSessions", "70f38cbb131f44d9addce3861984681d", "startDate") == "2010-08-23")
        #expect(try stored(directory, "academicSessions", "70f38cbb131f44d9addce3861984681d", "type") == "semester")
        #expect(output.findings(rule: "edfi-descriptor-unknown").isEmpty)
        // 13,440 student section associations at 500 per request take 27 pages.
        #expect(pages(server, "studentSectionAssociations").count == 27)
    }
}
