import Foundation
import OneRoster
import Store
import Testing

/// The generic CSV fixture: two buildings, one term, two courses and offerings, four people and four rosters.
private let genericFixture = (Paths.root as NSString).appendingPathComponent(
    "connectors/sis/fixtures/generic-district")

/// The building code mapping, trimmed and lowercased because buildings.csv writes ' north ' and 'SOUTH'.
private let building = "{ column = \"Building Code\", transforms = { \"trim\", \"lowercase\" } }"

/// The course id mapping shared by courses and classes.
private let courseId = "{ column = \"Course Code\", transforms = { \"lowercase\", { prefix = \"course-\" } } }"

/// Returns the `files` setting that maps the fixture, with `usersFields` in place of the users mapping when given.
private func genericFiles(usersFields: String? = nil, extraEntity: String = "") -> String {
    let users =
        usersFields
            ?? """
            sourcedId = "Person ID", givenName = "First", familyName = "Last",
            username = { column = "Login", transforms = { "lowercase" } },
            email = { column = "Login", transforms = { "lowercase" } },
            role = { column = "Kind", transforms = { "lowercase" } }, orgSourcedIds = \(building),
            enabledUser = { value = "true" },
            grades = { column = "Grade", transforms = { { map = { ["9"] = "09", ["10"] = "10" } } } }
            """
    return """
        files = {
          orgs = { file = "buildings.csv", fields = { sourcedId = \(building), name = "Building Name", type = "Kind" } },
          academicSessions = { file = "terms.csv", fields = {
            sourcedId = "Term Code", title = "Term Title", type = { value = "term" },
            startDate = { column = "First Day", transforms = { { date = "MM/DD/YYYY" } } },
            endDate = { column = "Last Day", transforms = { { date = "MM/DD/YYYY" } } },
            schoolYear = "Year" } },
          courses = { file = "courses.csv", fields = {
            sourcedId = \(courseId), title = "Course Title", courseCode = "Course Code", orgSourcedId = \(building) } },
          classes = { file = "offerings.csv", fields = {
            sourcedId = "Offering", title = "Offering Title", schoolSourcedId = \(building),
            termSourcedIds = "Term Code", classType = { value = "scheduled" }, location = "Room",
            courseSourcedId = \(courseId) } },
          users = { file = "people.csv", fields = { \(users) } },
          enrollments = { file = "rosters.csv", fields = {
            sourcedId = { columns = { "Offering", "Person ID" } }, classSourcedId = "Offering", userSourcedId = "Person ID",
            schoolSourcedId = \(building), role = { column = "Kind", transforms = { "lowercase" } } } },
          demographics = { file = "people.csv", fields = {
            sourcedId = "Person ID", birthDate = { column = "Birthday", transforms = { { date = "MM/DD/YYYY" } } } } },
          \(extraEntity)
        }
        """
}

/// Copies the fixture into `directory` and returns the copy's path, so a test can change its files.
private func copyGenericFixture(into directory: TemporaryDirectory) throws -> String {
    let copy = directory.file("generic")
    try FileManager.default.copyItem(atPath: genericFixture, toPath: copy)
    return copy
}

/// A mapping mistake that `check` must catch, and a part of the message it must give.
struct MappingMistake: CustomTestStringConvertible, Sendable {
    let name: String
    let usersFields: String?
    let extraEntity: String
    let expected: String

    var testDescription: String { name }
}

private let mappingMistakes: [MappingMistake] = [
    MappingMistake(
        name: "unknown field",
        usersFields: "sourcedId = \"Person ID\", firstName = \"First\"", extraEntity: "",
        expected: "files.users.fields.firstName: 'firstName' is not a OneRoster field of users; expected one of "),
    MappingMistake(
        name: "missing column",
        usersFields: "sourcedId = \"Person ID\", givenName = \"First Name\"", extraEntity: "",
        expected:
            "files.users.fields.givenName reads column 'First Name', which is missing from 'people.csv'; its header has "
            + "Person ID, First, Last"),
    MappingMistake(
        name: "unknown transform",
        usersFields: "sourcedId = { column = \"Person ID\", transforms = { \"capitalize\" } }", extraEntity: "",
        expected: "files.users.fields.sourcedId.transforms[1] is unknown transform 'capitalize'; expected one of "),
    MappingMistake(
        name: "bad date layout",
        usersFields:
            "sourcedId = \"Person ID\", password = { column = \"Birthday\", transforms = { { date = \"D/M/Y\" } } }",
        extraEntity: "",
        expected: "files.users.fields.password.transforms[1] (date) needs one of DD.MM.YYYY, DD/MM/YYYY, MM/DD/YYYY"),
    MappingMistake(
        name: "column and value",
        usersFields: "sourcedId = { column = \"Person ID\", value = \"x\" }", extraEntity: "",
        expected: "files.users.fields.sourcedId must have exactly one of 'column', 'columns' and 'value'"),
    MappingMistake(
        name: "single joined column",
        usersFields: "sourcedId = { columns = { \"Person ID\" } }", extraEntity: "",
        expected: "files.users.fields.sourcedId.columns must be a list of at least two column names"),
    MappingMistake(
        name: "missing joined column",
        usersFields: "sourcedId = { columns = { \"Person ID\", \"Campus\" }, separator = \":\" }", extraEntity: "",
        expected: "files.users.fields.sourcedId reads column 'Campus', which is missing from 'people.csv'"),
    MappingMistake(
        name: "no sourcedId",
        usersFields: "givenName = \"First\"", extraEntity: "",
        expected: "files.users.fields has no 'sourcedId'"),
    MappingMistake(
        name: "unknown entity",
        usersFields: nil, extraEntity: "students = { file = \"people.csv\", fields = {} },",
        expected: "files.students is not a OneRoster entity; expected one of orgs, academicSessions"),
    MappingMistake(
        name: "missing file",
        usersFields: nil, extraEntity: "roles = { file = \"roles.csv\", fields = { sourcedId = \"id\" } },",
        expected: "files.roles: cannot read 'roles.csv' in folder '"),
]

struct ConnectorGenericCSVTests {
    @Test func genericFixtureSyncsEveryEntity() throws {
        let directory = try TemporaryDirectory()
        let config = try directory.writeConfig(
            districts: [("d1", genericFixture)], connector: "generic_csv", settings: genericFiles())
        let output = try runRollbook(["sync", "--config", config, "--json"])
        #expect(output.status == 0, "\(output)")
        #expect(output.firstRun?["status"] as? String == "committed")
        #expect(output.count("orgs", "accepted") == 2)
        #expect(output.count("academicSessions", "accepted") == 1)
        #expect(output.count("courses", "accepted") == 2)
        #expect(output.count("classes", "accepted") == 2)
        #expect(output.count("users", "accepted") == 4)
        #expect(output.count("enrollments", "accepted") == 4)
        #expect(output.count("demographics", "accepted") == 4)
        #expect(output.diagnostics.isEmpty, "\(output.diagnostics)")
    }

    @Test func genericTransformsApplied() throws {
        let directory = try TemporaryDirectory()
        let config = try directory.writeConfig(
            districts: [("d1", genericFixture)], connector: "generic_csv", settings: genericFiles())
        #expect(try runRollbook(["sync", "--config", config]).status == 0)
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))

        #expect(try store.record(district: "d1", entity: .orgs, sourcedId: "north")?["name"] == "North High School")
        #expect(try store.record(district: "d1", entity: .orgs, sourcedId: "south")?["type"] == "school")

        let student = try #require(try store.record(district: "d1", entity: .users, sourcedId: "p-1"))
        #expect(student["username"] == "ivance@north.example.org")
        #expect(student["role"] == "student")
        #expect(student["grades"] == "09")
        #expect(student["enabledUser"] == "true")
        #expect(student["orgSourcedIds"] == "north")
        let teacher = try #require(try store.record(district: "d1", entity: .users, sourcedId: "p-4"))
        #expect(teacher["orgSourcedIds"] == "south")
        #expect(teacher["grades"] == nil)

        let term = try #require(try store.record(district: "d1", entity: .academicSessions, sourcedId: "fall24"))
        #expect(term["startDate"] == "2024-08-26")
        #expect(term["endDate"] == "2024-12-20")
        let biology = try #require(try store.record(district: "d1", entity: .classes, sourcedId: "off-1"))
        #expect(biology["courseSourcedId"] == "course-bio")
        #expect(biology["classType"] == "scheduled")
        #expect(biology["location"] == "R101")
        #expect(try store.record(district: "d1", entity: .demographics, sourcedId: "p-1")?["birthDate"] == "2009-09-01")

        // Enrollment ids join the Offering and Person ID columns with the default separator '-'.
        let enrollment = try #require(try store.record(district: "d1", entity: .enrollments, sourcedId: "off-2-p-4"))
        #expect(enrollment["role"] == "teacher")
        #expect(enrollment["schoolSourcedId"] == "south")
    }

    @Test func genericMissingColumnFailsKeepingSnapshot() throws {
        let directory = try TemporaryDirectory()
        let folder = try copyGenericFixture(into: directory)
        let config = try directory.writeConfig(
            districts: [("d1", folder)], connector: "generic_csv", settings: genericFiles())
        #expect(try runRollbook(["sync", "--config", config]).status == 0)
        let before = try storedHashes(directory.file("rollbook.sqlite"))

        let people = folder + "/people.csv"
        let text = try String(contentsOfFile: people, encoding: .utf8)
        try text.replacingOccurrences(of: "Person ID,First,", with: "Person ID,Given,").write(
            toFile: people, atomically: true, encoding: .utf8)
        let output = try runRollbook(["sync", "--config", config, "--json"])
        #expect(output.status == 2, "\(output)")
        let error = try #require(output.firstRun?["error"] as? String)
        #expect(
            error.contains("files.users.fields.givenName reads column 'First', which is missing from 'people.csv'"),
            "\(error)")
        #expect(try storedHashes(directory.file("rollbook.sqlite")) == before)
    }

    @Test func genericBadValueRejectsOnlyThatRow() throws {
        let directory = try TemporaryDirectory()
        let folder = try copyGenericFixture(into: directory)
        let people = folder + "/people.csv"
        let text = try String(contentsOfFile: people, encoding: .utf8)
        try text.replacingOccurrences(of: "02/28/2008", with: "02/30/2008").write(
            toFile: people, atomically: true, encoding: .utf8)
        let config = try directory.writeConfig(
            districts: [("d1", folder)], connector: "generic_csv", settings: genericFiles())
        let output = try runRollbook(["sync", "--config", config, "--json"])
        // Exit status 1: a record was rejected, and everything else was stored.
        #expect(output.status == 1, "\(output)")
        #expect(output.count("demographics", "accepted") == 3)
        #expect(output.count("demographics", "rejected") == 1)
        #expect(output.count("users", "accepted") == 4)
        let finding = try #require(output.findings(rule: "field.date").first, "\(output.diagnostics)")
        #expect(finding["file"] as? String == "emit:demographics")
        #expect(finding["row"] as? Int == 2)
        #expect(finding["field"] as? String == "birthDate")
        #expect(finding["value"] as? String == "2008-02-30")
        #expect(finding["sourcedId"] as? String == "p-2")
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        #expect(try store.record(district: "d1", entity: .demographics, sourcedId: "p-2") == nil)
        #expect(try store.record(district: "d1", entity: .users, sourcedId: "p-2")?["givenName"] == "Tomas")
    }

    @Test func genericCheckFailsOnMissingFolder() throws {
        let directory = try TemporaryDirectory()
        let config = try directory.writeConfig(
            districts: [("d1", directory.file("no-such-export"))], connector: "generic_csv",
            settings: genericFiles())
        let output = try runRollbook(["sync", "--config", config, "--json"])
        #expect(output.status == 2)
        let error = try #require(output.firstRun?["error"] as? String, "\(output)")
        #expect(error.contains("files.orgs: cannot read 'buildings.csv' in folder '"), "\(error)")
        #expect(error.contains("no-such-export"), "\(error)")
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        #expect(try store.count(district: "d1", entity: .orgs) == 0)
    }

    @Test(arguments: mappingMistakes)
    func genericCheckRejectsMapping(_ mistake: MappingMistake) throws {
        let directory = try TemporaryDirectory()
        let config = try directory.writeConfig(
            districts: [("d1", genericFixture)], connector: "generic_csv",
            settings: genericFiles(usersFields: mistake.usersFields, extraEntity: mistake.extraEntity))
        let output = try runRollbook(["sync", "--config", config, "--json"])
        #expect(output.status == 2, "\(output)")
        let error = try #require(output.firstRun?["error"] as? String, "\(output)")
        #expect(error.contains(mistake.expected), "\(error)")
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        #expect(try store.count(district: "d1", entity: .users) == 0)
    }
}
