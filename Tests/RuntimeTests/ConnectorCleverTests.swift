import Foundation
import OneRoster
import Store
import Testing

/// The Clever SFTP fixture: two schools, four students, three teachers (one at both schools),
/// three sections (one without term columns) and five student enrollments.
private let cleverFixture = (Paths.root as NSString).appendingPathComponent("connectors/sis/fixtures/clever-district")

/// Settings for the fixture: a district org and the term for sections that carry none.
private let cleverSettings =
    "district_name = \"Lakeview Unified\", term = { name = \"School Year 2024-25\", start = \"2024-08-26\", "
    + "[\"end\"] = \"2025-06-13\" }"

/// Copies the fixture into `directory` and returns the copy's path, so a test can change its files.
private func copyCleverFixture(into directory: TemporaryDirectory) throws -> String {
    let copy = directory.file("clever")
    try FileManager.default.copyItem(atPath: cleverFixture, toPath: copy)
    return copy
}

/// Replaces `old` with `new` in a file of `folder`, recording an issue when `old` is not there.
private func edit(_ folder: String, _ name: String, replacing old: String, with new: String) throws {
    let path = (folder as NSString).appendingPathComponent(name)
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.contains(old), "\(name) does not contain '\(old)'")
    try text.replacingOccurrences(of: old, with: new).write(toFile: path, atomically: true, encoding: .utf8)
}

struct ConnectorCleverTests {
    @Test func cleverFixtureSyncsEveryEntity() throws {
        let directory = try TemporaryDirectory()
        let config = try directory.writeConfig(
            districts: [("d1", cleverFixture)], connector: "clever_csv", settings: cleverSettings)
        let output = try runRollbook(["sync", "--config", config, "--json"])
        #expect(output.status == 0, "\(output)")
        #expect(output.firstRun?["status"] as? String == "committed")
        #expect(output.count("orgs", "accepted") == 3)
        #expect(output.count("users", "accepted") == 7)
        #expect(output.count("classes", "accepted") == 3)
        #expect(output.count("courses", "accepted") == 3)
        #expect(output.count("academicSessions", "accepted") == 2)
        #expect(output.count("enrollments", "accepted") == 9)
        #expect(output.count("demographics", "accepted") == 3)
        #expect(output.diagnostics.filter { $0["severity"] as? String == "error" }.isEmpty, "\(output)")
    }

    @Test func cleverValuesMappedToOneRoster() throws {
        let directory = try TemporaryDirectory()
        let config = try directory.writeConfig(
            districts: [("d1", cleverFixture)], connector: "clever_csv", settings: cleverSettings)
        let output = try runRollbook(["sync", "--config", config, "--json"])
        #expect(output.status == 0, "\(output)")
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))

        let school = try #require(try store.record(district: "d1", entity: .orgs, sourcedId: "sch-100"))
        #expect(school["parentSourcedId"] == "district")
        #expect(school["identifier"] == "100")
        #expect(try store.record(district: "d1", entity: .orgs, sourcedId: "district")?["type"] == "district")

        let kindergartner = try #require(try store.record(district: "d1", entity: .users, sourcedId: "stu-1"))
        #expect(kindergartner["grades"] == "KG")
        #expect(kindergartner["role"] == "student")
        #expect(kindergartner["username"] == "ada.okafor")
        #expect(kindergartner["userIds"] == "{state:S-1001}")
        let firstGrader = try #require(try store.record(district: "d1", entity: .users, sourcedId: "stu-2"))
        #expect(firstGrader["grades"] == "01")
        #expect(firstGrader["username"] == "elsa.l@maple.example.org")

        let teacher = try #require(try store.record(district: "d1", entity: .users, sourcedId: "tch-3"))
        #expect(teacher["role"] == "teacher")
        #expect(teacher["orgSourcedIds"] == "sch-100,sch-200")

        let birth = try #require(try store.record(district: "d1", entity: .demographics, sourcedId: "stu-1"))
        #expect(birth["birthDate"] == "2019-03-14")
        #expect(birth["sex"] == "female")
    }

    @Test func cleverSectionsMakeClassesCoursesTerms() throws {
        let directory = try TemporaryDirectory()
        let config = try directory.writeConfig(
            districts: [("d1", cleverFixture)], connector: "clever_csv", settings: cleverSettings)
        #expect(try runRollbook(["sync", "--config", config]).status == 0)
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))

        let math = try #require(try store.record(district: "d1", entity: .classes, sourcedId: "sec-20"))
        #expect(math["courseSourcedId"] == "course-sch-200-math7")
        #expect(math["termSourcedIds"] == "term-fall-2024-2024-08-26-2024-12-20")
        #expect(math["grades"] == "07")
        #expect(math["classCode"] == "M7-2")
        #expect(math["periods"] == "2")
        let course = try #require(try store.record(district: "d1", entity: .courses, sourcedId: "course-sch-200-math7"))
        #expect(course["title"] == "Math 7")
        #expect(course["courseCode"] == "MATH7")
        #expect(course["orgSourcedId"] == "sch-200")

        let fall = try #require(
            try store.record(
                district: "d1", entity: .academicSessions, sourcedId: "term-fall-2024-2024-08-26-2024-12-20"))
        #expect(fall["startDate"] == "2024-08-26")
        #expect(fall["endDate"] == "2024-12-20")
        #expect(fall["schoolYear"] == "2025")

        // Band has no term or course columns, so it takes the `term` setting and a course of its own.
        let band = try #require(try store.record(district: "d1", entity: .classes, sourcedId: "sec-21"))
        #expect(band["termSourcedIds"] == "term-school-year-2024-25-2024-08-26-2025-06-13")
        #expect(band["courseSourcedId"] == "course-sec-21")
    }

    @Test func cleverTeachersEnrolledFromSections() throws {
        let directory = try TemporaryDirectory()
        let config = try directory.writeConfig(
            districts: [("d1", cleverFixture)], connector: "clever_csv", settings: cleverSettings)
        #expect(try runRollbook(["sync", "--config", config]).status == 0)
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))

        let primary = try #require(try store.record(district: "d1", entity: .enrollments, sourcedId: "sec-10-tch-1"))
        #expect(primary["role"] == "teacher")
        #expect(primary["primary"] == "true")
        let secondary = try #require(try store.record(district: "d1", entity: .enrollments, sourcedId: "sec-10-tch-3"))
        #expect(secondary["primary"] == "false")
        let student = try #require(try store.record(district: "d1", entity: .enrollments, sourcedId: "sec-21-stu-4"))
        #expect(student["role"] == "student")
        #expect(student["classSourcedId"] == "sec-21")
        #expect(student["schoolSourcedId"] == "sch-200")
    }

    @Test func cleverRerunKeepsSourcedIds() throws {
        let directory = try TemporaryDirectory()
        let config = try directory.writeConfig(
            districts: [("d1", cleverFixture)], connector: "clever_csv", settings: cleverSettings)
        #expect(try runRollbook(["sync", "--config", config]).status == 0)
        let first = try storedHashes(directory.file("rollbook.sqlite")).map { $0.split(separator: "/").prefix(2) }
        #expect(try runRollbook(["sync", "--config", config]).status == 0)
        let second = try storedHashes(directory.file("rollbook.sqlite")).map { $0.split(separator: "/").prefix(2) }
        #expect(first == second)
        #expect(first.count == 30)
    }

    @Test func cleverMissingColumnFailsKeepingSnapshot() throws {
        let directory = try TemporaryDirectory()
        let folder = try copyCleverFixture(into: directory)
        let config = try directory.writeConfig(
            districts: [("d1", folder)], connector: "clever_csv", settings: cleverSettings)
        #expect(try runRollbook(["sync", "--config", config]).status == 0)
        let before = try storedHashes(directory.file("rollbook.sqlite"))

        try edit(folder, "students.csv", replacing: "School_id,Student_id,", with: "School_id,StudentID,")
        let output = try runRollbook(["sync", "--config", config, "--json"])
        #expect(output.status == 2, "\(output)")
        let error = try #require(output.firstRun?["error"] as? String)
        #expect(error.contains("students.csv: missing required column 'Student_id'"), "\(error)")
        #expect(try storedHashes(directory.file("rollbook.sqlite")) == before)
    }

    @Test func cleverDuplicateColumnFails() throws {
        let directory = try TemporaryDirectory()
        let folder = try copyCleverFixture(into: directory)
        try edit(folder, "schools.csv", replacing: "School_number,State_id", with: "School_name,State_id")
        let config = try directory.writeConfig(districts: [("d1", folder)], connector: "clever_csv")
        let output = try runRollbook(["sync", "--config", config, "--json"])
        #expect(output.status == 2)
        let error = try #require(output.firstRun?["error"] as? String)
        #expect(error.contains("schools.csv"), "\(error)")
        #expect(error.contains("column 'School_name' appears twice in the header"), "\(error)")
    }

    @Test func cleverBadDateRejectsOnlyThatRow() throws {
        let directory = try TemporaryDirectory()
        let folder = try copyCleverFixture(into: directory)
        try edit(folder, "students.csv", replacing: "11/30/2012", with: "30.11.2012")
        let config = try directory.writeConfig(
            districts: [("d1", folder)], connector: "clever_csv", settings: cleverSettings)
        let output = try runRollbook(["sync", "--config", config, "--json"])
        // Exit status 1: a record was rejected, and everything else was stored.
        #expect(output.status == 1, "\(output)")
        #expect(output.count("demographics", "accepted") == 2)
        #expect(output.count("demographics", "rejected") == 1)
        #expect(output.count("users", "accepted") == 7)
        let finding = try #require(
            output.diagnostics.first { $0["severity"] as? String == "error" && $0["field"] as? String == "birthDate" },
            "\(output.diagnostics)")
        #expect(finding["file"] as? String == "emit:demographics")
        #expect(finding["row"] as? Int == 3)
        #expect(finding["value"] as? String == "30.11.2012")
        #expect(finding["sourcedId"] as? String == "stu-3")
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        #expect(try store.record(district: "d1", entity: .demographics, sourcedId: "stu-3") == nil)
        #expect(try store.record(district: "d1", entity: .users, sourcedId: "stu-3")?["givenName"] == "Omar")
    }

    @Test func cleverCheckFailsOnMissingFolder() throws {
        let directory = try TemporaryDirectory()
        let missing = directory.file("no-such-upload")
        let config = try directory.writeConfig(districts: [("d1", missing)], connector: "clever_csv")
        let output = try runRollbook(["sync", "--config", config, "--json"])
        #expect(output.status == 2)
        let error = try #require(output.firstRun?["error"] as? String, "\(output)")
        #expect(error.contains("cannot read 'schools.csv' in folder '"), "\(error)")
        #expect(error.contains("no-such-upload"), "\(error)")
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        #expect(try store.count(district: "d1", entity: .orgs) == 0)
    }

    @Test(arguments: [
        (#"{ name = "Year", start = "2024-08-26" }"#, "clever_csv settings: term.end is 'nil'; expected a date"),
        (
            #"{ start = "26/08/2024", ["end"] = "2025-06-13" }"#,
            "clever_csv settings: term.start is '26/08/2024'; expected a date"
        ),
        (#""2024-25""#, "setting 'term' is '2024-25' (string); expected a table"),
    ])
    func cleverIncompleteTermIsRejected(term: String, message: String) throws {
        let directory = try TemporaryDirectory()
        let settings = directory.file("settings.lua")
        try "return { term = \(term) }".write(toFile: settings, atomically: true, encoding: .utf8)
        let fixture = (Paths.root as NSString).appendingPathComponent("connectors/sis/fixtures/clever-district")

        let output = try runRollbook([
            "connector", "run", "clever_csv", "--fixtures", fixture, "--settings", settings, "--json",
        ])

        #expect(output.status == 2, "\(output)")
        let error = ConnectorCommandTests.object(output)["error"] as? String ?? ""
        #expect(error.contains(message), "\(error)")
    }
}
