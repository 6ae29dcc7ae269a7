import Foundation
import OneRoster
import Store
import Testing

/// Returns a folder of the shared test data: beside the package, or two levels up from a worktree.
private func sharedFolder(_ relative: String) -> String? {
    for base in ["../shared", "../../shared"] {
        let path = ((Paths.root as NSString).appendingPathComponent("\(base)/\(relative)") as NSString)
            .standardizingPath
        if FileManager.default.fileExists(atPath: path) { return path }
    }
    return nil
}

private let fixtures = (Paths.root as NSString).appendingPathComponent("connectors/sis/fixtures")

/// Writes a config.lua that reads `path` with the sds connector and runs `rollbook sync --json`.
private func syncSDS(_ directory: TemporaryDirectory, path: String, settings: String = "") throws -> ProcessOutput {
    let config = try directory.writeConfig(districts: [("d1", path)], connector: "sds", settings: settings)
    return try runRollbook(["sync", "--config", config, "--json"])
}

/// Returns one metadata value of a stored record, read with the sqlite3 shell.
private func storedMetadata(_ directory: TemporaryDirectory, _ table: String, _ id: String, _ key: String) throws
    -> String
{
    try sqlite(
        directory.file("rollbook.sqlite"),
        "SELECT ifnull(json_extract(ext, '$.\"metadata.\(key)\"'), '') FROM \"\(table)\" "
            + "WHERE district = 'd1' AND sourcedId = '\(id)'")
}

/// Returns the run's finding of `rule` at `file:row`, if there is one.
private func finding(_ output: ProcessOutput, _ rule: String, _ file: String, _ row: Int) -> [String: Any]? {
    output.findings(rule: rule).first { $0["file"] as? String == file && $0["row"] as? Int == row }
}

@Suite struct ConnectorSDSTests {
    @Test(.enabled(if: sharedFolder("cases/B27") != nil, "the shared case B27 is absent"))
    func dayFirstDatesAndRepeatedHeader() throws {
        let directory = try TemporaryDirectory()
        let base = try #require(sharedFolder("cases/B27"))

        let first = try syncSDS(directory, path: base + "/run1")
        // Exit status 1: some rows were rejected and everything else was stored.
        #expect(first.status == 1, "\(first)")
        #expect(first.firstRun?["status"] as? String == "committed")
        #expect(try storedIds(directory, "classes") == ["21001", "21002", "21005"])
        #expect(try storedIds(directory, "users") == ["23001", "23002", "23003", "24001", "24002"])
        #expect(try storedIds(directory, "enrollments").count == 6)
        let schools = try sqlite(
            directory.file("rollbook.sqlite"), "SELECT count(*) FROM orgs WHERE district = 'd1' AND type = 'school'")
        #expect(schools == "2")
        #expect(try stored(directory, "academicSessions", "T2026", "startDate") == "2025-08-18")
        #expect(try stored(directory, "academicSessions", "T2026", "endDate") == "2026-06-05")
        for section in ["21001", "21002", "21005"] {
            #expect(try stored(directory, "classes", section, "termSourcedIds") == "T2026")
        }

        let date = try #require(finding(first, "field.date", "Section.csv", 4), "\(first.diagnostics)")
        #expect(date["field"] as? String == "Term StartDate")
        #expect(date["value"] as? String == "18/08/2025")
        let school = try #require(finding(first, "ref.missing", "Section.csv", 5), "\(first.diagnostics)")
        #expect(school["value"] as? String == "20099")
        #expect(school["field"] as? String == "School SIS ID")
        let student = try #require(finding(first, "ref.missing", "StudentEnrollment.csv", 4))
        #expect(student["value"] as? String == "23099")
        #expect(first.diagnostics.filter { $0["severity"] as? String == "error" }.count == 3)
        // Each left-out row counts as a rejected record: sections 4 and 5, and enrollment row 4.
        #expect(first.count("classes", "rejected") == 2)
        #expect(first.count("enrollments", "rejected") == 1)
        #expect(first.count("users", "rejected") == 0)

        let before = try snapshotHashes(directory)
        let second = try syncSDS(directory, path: base + "/run2_dup_header")
        #expect(second.status == 2, "\(second)")
        let error = try #require(second.firstRun?["error"] as? String, "\(second)")
        #expect(error.contains("Teacher.csv"))
        #expect(error.contains("column 'Username' appears twice"))
        #expect(try snapshotHashes(directory) == before)
    }

    @Test(
        .enabled(if: sharedFolder("samples/ms-sds-csv-samples") != nil, "the shared SDS samples are absent"),
        arguments: [
            ("SDS Format/100 Users", ["orgs": 3, "classes": 28, "users": 98, "enrollments": 630]),
            ("SDS Format/25 Users", ["orgs": 3, "classes": 2, "users": 24, "enrollments": 46]),
            ("SDS Format/Min Required Attributes", ["orgs": 3, "classes": 2, "users": 24, "enrollments": 46]),
            ("UK Format/100 Users", ["orgs": 3, "classes": 28, "users": 98, "enrollments": 630]),
            ("UK Format/25 Users", ["orgs": 3, "classes": 28, "users": 24, "enrollments": 158]),
            ("UK Format/Min Required Attributes", ["orgs": 3, "classes": 28, "users": 24, "enrollments": 158]),
            ("SDS v2", ["orgs": 5, "classes": 4, "users": 29, "enrollments": 29]),
            (
                "SDS v2.1",
                [
                    "academicSessions": 2, "orgs": 4, "users": 8, "roles": 7, "classes": 2, "courses": 3,
                    "enrollments": 6, "demographics": 6,
                ]
            ),
        ])
    func sampleFolderSyncs(folder: String, counts: [String: Int]) throws {
        let directory = try TemporaryDirectory()
        let path = try #require(sharedFolder("samples/ms-sds-csv-samples/\(folder)"))
        // The Min and v2 samples name no terms, so their classes need the school_year setting.
        let output = try syncSDS(directory, path: path, settings: "school_year = 2018")
        #expect(output.status == 0, "\(output)")
        for (entity, count) in counts {
            #expect(output.count(entity, "accepted") == count, "\(entity)")
            #expect(output.count(entity, "rejected") == 0, "\(entity)")
        }
        #expect(output.diagnostics.filter { $0["severity"] as? String == "error" }.isEmpty, "\(output.diagnostics)")
    }

    @Test func ukFixtureStoresExactValues() throws {
        let directory = try TemporaryDirectory()
        let output = try syncSDS(directory, path: fixtures + "/sds-v1-uk", settings: "date_order = \"dmy\"")
        #expect(output.status == 1, "\(output)")
        #expect(output.firstRun?["status"] as? String == "committed")

        #expect(try stored(directory, "orgs", "3001", "parentSourcedId") == "sds-district")
        #expect(try stored(directory, "orgs", "3001", "identifier") == "HP-1")
        #expect(try storedMetadata(directory, "orgs", "3001", "sds.phone") == "01632 960001")
        #expect(try stored(directory, "orgs", "sds-district", "type") == "district")

        #expect(try stored(directory, "academicSessions", "AUT25", "startDate") == "2025-09-01")
        #expect(try stored(directory, "academicSessions", "AUT25", "endDate") == "2025-12-19")
        #expect(try stored(directory, "academicSessions", "AUT25", "schoolYear") == "2026")
        #expect(try stored(directory, "courses", "C-CHEM10", "courseCode") == "CH10")
        #expect(try stored(directory, "courses", "sds-course-5002", "title") == "Year 4 Maths")
        #expect(try stored(directory, "classes", "5001", "periods") == "1,2")
        #expect(try stored(directory, "classes", "5001", "courseSourcedId") == "C-CHEM10")
        #expect(try stored(directory, "classes", "5002", "courseSourcedId") == "sds-course-5002")

        #expect(try stored(directory, "users", "7001", "grades") == "10")
        #expect(try stored(directory, "users", "7002", "grades") == "KG")
        #expect(try stored(directory, "users", "7002", "enabledUser") == "false")
        #expect(try stored(directory, "users", "7002", "middleName") == "Ann")
        #expect(try stored(directory, "users", "7001", "password") == "")
        #expect(try storedMetadata(directory, "users", "8001", "sds.title") == "Dr")
        #expect(try stored(directory, "demographics", "7001", "birthDate") == "2010-02-03")
        #expect(try stored(directory, "demographics", "7002", "birthDate") == "2016-02-29")
        #expect(try storedIds(directory, "enrollments") == ["5001:7001", "5001:8001", "5002:7002"])
        #expect(try stored(directory, "enrollments", "5001:8001", "role") == "teacher")

        // Section 5003 ends before it starts, student 7003 names an unknown school, and two
        // enrollment rows name the rejected section or repeat an earlier row.
        #expect(finding(output, "field.date", "Section.csv", 4)?["value"] as? String == "31/03/2025")
        #expect(finding(output, "ref.missing", "Student.csv", 4)?["field"] as? String == "School DfE Number")
        #expect(finding(output, "ref.missing", "StudentEnrollment.csv", 4)?["value"] as? String == "5003")
        #expect(finding(output, "id.duplicate", "StudentEnrollment.csv", 5) != nil)
        #expect(output.count("classes", "rejected") == 1)
        #expect(output.count("users", "rejected") == 1)
        #expect(output.count("enrollments", "rejected") == 2)
        #expect(output.count("orgs", "rejected") == 0)
    }

    @Test func dayFirstFileUnderMonthFirstRejectsSections() throws {
        let directory = try TemporaryDirectory()
        let output = try syncSDS(directory, path: fixtures + "/sds-v1-uk")
        #expect(output.status == 1, "\(output)")
        #expect(output.firstRun?["status"] as? String == "committed")
        // 19/12/2025 is no month-first date, so the default order rejects both autumn sections.
        #expect(finding(output, "field.date", "Section.csv", 2)?["value"] as? String == "19/12/2025")
        #expect(finding(output, "field.date", "Section.csv", 3)?["value"] as? String == "19/12/2025")
        #expect(try storedIds(directory, "classes").isEmpty)
        // All three sections, student 7003 and every enrollment row, which names a rejected section.
        #expect(output.count("classes", "rejected") == 3)
        #expect(output.count("users", "rejected") == 1)
        #expect(output.count("enrollments", "rejected") == 5)
    }

    @Test func v21FixtureStoresExactValues() throws {
        let directory = try TemporaryDirectory()
        let output = try syncSDS(directory, path: fixtures + "/sds-v21", settings: "school_year = 2026")
        #expect(output.status == 1, "\(output)")
        #expect(output.firstRun?["status"] as? String == "committed")

        #expect(try stored(directory, "orgs", "s-110", "type") == "school")
        #expect(try stored(directory, "orgs", "c-120", "type") == "ext:college")
        #expect(try stored(directory, "academicSessions", "t1-2026", "startDate") == "2025-08-20")
        #expect(try stored(directory, "academicSessions", "t1-2026", "type") == "semester")
        #expect(try stored(directory, "users", "u-1", "primaryOrgSourcedId") == "s-110")
        #expect(try stored(directory, "users", "u-1", "grades") == "09")
        #expect(try stored(directory, "users", "u-1", "agentSourcedIds") == "u-3")
        #expect(try stored(directory, "users", "u-1", "password") == "")
        #expect(try storedMetadata(directory, "users", "u-1", "sds.flags") == "iep")
        #expect(try stored(directory, "roles", "u-2:s-110:teacher", "roleType") == "primary")
        #expect(try storedMetadata(directory, "roles", "u-2:s-110:teacher", "sds.role") == "Professor")
        #expect(try stored(directory, "roles", "u-3:d-100:guardian", "role") == "guardian")
        #expect(try stored(directory, "classes", "cls-art-2", "courseSourcedId") == "sds-course-cls-art-2")
        #expect(try stored(directory, "classes", "cls-art-2", "termSourcedIds") == "sds-sy-2026")
        #expect(try stored(directory, "academicSessions", "sds-sy-2026", "startDate") == "2025-07-01")
        #expect(try stored(directory, "enrollments", "cls-bio-1:u-2", "role") == "teacher")
        #expect(try stored(directory, "enrollments", "cls-bio-1:u-2", "schoolSourcedId") == "s-110")
        #expect(try stored(directory, "demographics", "u-1", "sex") == "female")
        #expect(try stored(directory, "demographics", "u-1", "asian") == "true")
        #expect(try stored(directory, "demographics", "u-1", "white") == "true")

        #expect(finding(output, "ref.missing", "roles.csv", 5)?["value"] as? String == "u-9")
        #expect(finding(output, "ref.missing", "enrollments.csv", 5)?["value"] as? String == "cls-gone")
        #expect(output.count("roles", "rejected") == 1)
        #expect(output.count("enrollments", "rejected") == 1)
        #expect(output.count("users", "rejected") == 0)
    }

    /// A rejected enrollment row names the sourcedId it would have had, so a later run keeps its stored version
    /// instead of removing it, as it keeps a record that the validator rejects.
    @Test func rejectedRowKeepsStoredRecord() throws {
        let directory = try TemporaryDirectory()
        let export = directory.file("export")
        try FileManager.default.createDirectory(atPath: export, withIntermediateDirectories: true)
        for name in ["academicSessions", "classes", "courses", "orgs", "users"] {
            try FileManager.default.copyItem(atPath: fixtures + "/sds-v21/\(name).csv", toPath: export + "/\(name).csv")
        }
        // roles.csv makes the folder SDS v2.1; its row for the unknown user u-9 is left out.
        let roles = try String(contentsOfFile: fixtures + "/sds-v21/roles.csv", encoding: .utf8)
        try roles.split(separator: "\n").filter { !$0.hasPrefix("u-9,") }.joined(separator: "\n")
            .write(toFile: export + "/roles.csv", atomically: true, encoding: .utf8)
        let enrollments = "classSourcedId,userSourcedId,role\ncls-bio-1,u-1,student\ncls-bio-1,u-2,teacher\n"
        try enrollments.write(toFile: export + "/enrollments.csv", atomically: true, encoding: .utf8)
        let first = try syncSDS(directory, path: export, settings: "school_year = 2026")
        #expect(first.status == 0, "\(first)")
        #expect(try storedIds(directory, "enrollments") == ["cls-bio-1:u-1", "cls-bio-1:u-2"])

        // The second export leaves the teacher's role blank, so the connector rejects that row.
        try (enrollments.replacingOccurrences(of: "u-2,teacher", with: "u-2,"))
            .write(toFile: export + "/enrollments.csv", atomically: true, encoding: .utf8)
        let second = try syncSDS(directory, path: export, settings: "school_year = 2026")
        #expect(second.status == 1, "\(second)")
        #expect(second.firstRun?["status"] as? String == "committed")
        #expect(second.count("enrollments", "rejected") == 1)
        #expect(finding(second, "field.required", "enrollments.csv", 3)?["sourcedId"] as? String == "cls-bio-1:u-2")
        #expect(try storedIds(directory, "enrollments") == ["cls-bio-1:u-1", "cls-bio-1:u-2"])
        #expect(try stored(directory, "enrollments", "cls-bio-1:u-2", "role") == "teacher")
    }

    @Test func classWithoutTermNeedsSchoolYear() throws {
        let directory = try TemporaryDirectory()
        let output = try syncSDS(directory, path: fixtures + "/sds-v21")
        #expect(output.status != 0)
        let error = try #require(output.firstRun?["error"] as? String, "\(output)")
        #expect(error.contains("classes.csv:3: the row names no term or session"))
        #expect(error.contains("set school_year"))
    }

    @Test func checkFailsOnMissingFolder() throws {
        let directory = try TemporaryDirectory()
        let output = try syncSDS(directory, path: directory.file("no-such-export"))
        #expect(output.status == 2, "\(output)")
        let error = try #require(output.firstRun?["error"] as? String, "\(output)")
        #expect(error.contains("has neither School.csv (SDS v1) nor orgs.csv"))
        let store = directory.file("rollbook.sqlite")
        if FileManager.default.fileExists(atPath: store) {
            #expect(try storedIds(directory, "users").isEmpty)
        }
    }

    @Test func checkRejectsUnknownFormat() throws {
        let directory = try TemporaryDirectory()
        let output = try syncSDS(directory, path: fixtures + "/sds-v21", settings: "format = \"v3\"")
        #expect(output.status == 2, "\(output)")
        let error = try #require(output.firstRun?["error"] as? String, "\(output)")
        #expect(error.contains("setting format is 'v3'; expected v1, v2, v2.1 or auto"))
    }
}
