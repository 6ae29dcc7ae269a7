import Foundation
import OneRoster
import Store
import Testing

/// The real-world cases under ../shared/cases that the intake and the validator must handle.
private func casePath(_ name: String) -> String? { Paths.sharedPath("cases/\(name)") }

private let casesPresent = Paths.sharedPath("cases") != nil

/// Syncs one package as district `d1` and returns the output and the store's path.
private func syncCase(_ path: String, in directory: TemporaryDirectory, extra: String = "") throws -> ProcessOutput {
    let config = try directory.writeConfig(districts: [("d1", path)], extra: extra)
    return try runRollbook(["sync", "--config", config, "--json"])
}

@Suite(.enabled(if: casesPresent, "../shared/cases is absent"))
struct CaseTests {
    @Test func byteOrderMarkAndCRLF() throws {
        let directory = try TemporaryDirectory()
        let output = try syncCase(try #require(casePath("B01")), in: directory)
        #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
        #expect(output.count("orgs", "accepted") == 1)
        #expect(output.count("users", "accepted") == 2)
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        let user = try #require(try store.record(district: "d1", entity: .users, sourcedId: "u-101"))
        #expect(user["password"] == nil)
        #expect(user["grades"] == "07")
        #expect(user.values.allSatisfy { !($0 ?? "").contains("\r") })
        #expect(
            try store.record(district: "d1", entity: .orgs, sourcedId: "sch-100")?["name"] == "Larkspur Middle School")
    }

    @Test func windows1252RejectedUnlessSelected() throws {
        let directory = try TemporaryDirectory()
        let path = try #require(casePath("B02"))
        let output = try syncCase(path, in: directory)
        #expect(output.status == 1)
        let encoding = try #require(output.diagnostics.first { ($0["rule"] as? String)?.hasPrefix("csv.") == true })
        #expect(encoding["file"] as? String == "users.csv")
        #expect(encoding["row"] as? Int == 2)
        #expect((encoding["message"] as? String)?.contains("not valid UTF-8") == true)
        #expect(output.count("orgs", "accepted") == 1)
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        #expect(try store.count(district: "d1", entity: .users) == 0)

        let selected = try TemporaryDirectory()
        let config = try selected.writeConfig(districts: [("d1", path)], settings: "encoding = \"windows-1252\"")
        let legacy = try runRollbook(["sync", "--config", config, "--json"])
        #expect(legacy.status == 0, "\(legacy.stdout)\(legacy.stderr)")
        let legacyStore = try SnapshotStore(path: selected.file("rollbook.sqlite"))
        var names: [String] = []
        try legacyStore.forEachRecord(district: "d1", entity: .users) { user in
            names.append("\(user["givenName"] ?? "") \(user["familyName"] ?? "")")
        }
        #expect(names.sorted() == ["Chloé Fontaine", "José Núñez", "Søren Vik"])
    }

    @Test func duplicateSourcedIdRejectsEveryCopy() throws {
        let directory = try TemporaryDirectory()
        let output = try syncCase(try #require(casePath("B09")), in: directory)
        #expect(output.status == 1)
        let duplicates = output.findings(rule: "id.duplicate")
        #expect(duplicates.compactMap { $0["row"] as? Int }.sorted() == [2, 3])
        #expect(duplicates.allSatisfy { $0["value"] as? String == "u-900" })
        let nearDuplicates = output.findings(rule: "id.case-duplicate")
        #expect(nearDuplicates.compactMap { $0["value"] as? String } == ["U-900"])
        #expect(output.count("users", "accepted") == 2)
        #expect(output.count("users", "rejected") == 2)
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        #expect(try store.record(district: "d1", entity: .users, sourcedId: "u-900") == nil)
        #expect(try store.record(district: "d1", entity: .users, sourcedId: "U-900")?["username"] == "umoss")
        #expect(try store.record(district: "d1", entity: .users, sourcedId: "u-902") != nil)
    }

    @Test func nonStandardGradesKeptAndFlagged() throws {
        let directory = try TemporaryDirectory()
        let output = try syncCase(try #require(casePath("B11")), in: directory)
        #expect(output.count("users", "accepted") == 7)
        let flagged = output.findings(rule: "grade.nonstandard")
        #expect(flagged.compactMap { $0["row"] as? Int } == [3, 4, 6, 7])
        #expect(flagged.compactMap { $0["severity"] as? String }.allSatisfy { $0 == "warning" })
        #expect(output.status == 0)
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        #expect(try store.record(district: "d1", entity: .users, sourcedId: "u-1102")?["grades"] == "K")
        #expect(try store.record(district: "d1", entity: .users, sourcedId: "u-1107")?["grades"] == "09,10")

        let mapped = try TemporaryDirectory()
        let mappedOutput = try syncCase(
            try #require(casePath("B11")), in: mapped, extra: ", grade_map = { K = \"KG\", [\"9\"] = \"09\" }")
        #expect(mappedOutput.findings(rule: "grade.nonstandard").compactMap { $0["row"] as? Int } == [6, 7])
        let mappedStore = try SnapshotStore(path: mapped.file("rollbook.sqlite"))
        #expect(try mappedStore.record(district: "d1", entity: .users, sourcedId: "u-1102")?["grades"] == "KG")
        #expect(try mappedStore.record(district: "d1", entity: .users, sourcedId: "u-1103")?["grades"] == "09")
    }

    @Test func classWithoutTeacherAndSchoolMismatch() throws {
        let directory = try TemporaryDirectory()
        let output = try syncCase(try #require(casePath("B12")), in: directory)
        #expect(output.status == 1)
        let noTeacher = output.findings(rule: "class.no-teacher")
        #expect(noTeacher.compactMap { $0["message"] as? String } == ["class cls-2 has no teacher enrollment"])
        let mismatch = output.findings(rule: "enrollment.school-mismatch")
        #expect(mismatch.count == 1)
        #expect(mismatch.first?["row"] as? Int == 5)
        #expect(mismatch.first?["sourcedId"] as? String == "e-4")
        #expect(output.count("enrollments", "accepted") == 3)
        #expect(output.count("enrollments", "rejected") == 1)
        #expect(output.count("classes", "accepted") == 2)
        #expect(output.count("users", "accepted") == 4)
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        #expect(try store.record(district: "d1", entity: .classes, sourcedId: "cls-2") != nil)
        #expect(try store.record(district: "d1", entity: .enrollments, sourcedId: "e-4") == nil)
        #expect(try store.count(district: "d1", entity: .enrollments) == 3)
    }

    @Test(arguments: ["flat.zip", "nested_one_folder.zip", "macos_junk.zip"])
    func zipLayoutsImport(name: String) throws {
        let directory = try TemporaryDirectory()
        let zip = try #require(casePath("B15/\(name)"))
        let output = try syncCase(zip, in: directory)
        #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
        #expect((output.count("users", "accepted") ?? 0) > 0)
        #expect(output.count("orgs", "accepted") == 1)
        if name != "flat.zip" {
            #expect(output.findings(rule: "package.unwrapped").first?["severity"] as? String == "info")
        }
        if name == "macos_junk.zip" {
            #expect(!output.findings(rule: "package.junk-ignored").isEmpty)
        }
    }

    @Test func twoManifestsRejected() throws {
        let directory = try TemporaryDirectory()
        let output = try syncCase(try #require(casePath("B15/two_manifests.zip")), in: directory)
        #expect(output.status == 2)
        #expect(output.firstRun?["status"] as? String == "failed")
        #expect((output.firstRun?["error"] as? String)?.contains("zip contains 2 manifest.csv files (a/, b/)") == true)
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        #expect(try store.count(district: "d1", entity: .users) == 0)
    }
}

/// Two districts may use the same sourcedIds; `--district` syncs one of them.
@Test(.enabled(if: Paths.sharedPath("cases/B12") != nil, "../shared/cases is absent"))
func districtsStayApart() throws {
    let directory = try TemporaryDirectory()
    let path = try #require(Paths.sharedPath("cases/B12"))
    let config = try directory.writeConfig(districts: [("north", path), ("south", path)])

    let one = try runRollbook(["sync", "--config", config, "--district", "south", "--json"])
    #expect(one.status == 1)
    #expect(one.firstRun?["district"] as? String == "south")
    let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
    #expect(try store.count(district: "north", entity: .users) == 0)
    #expect(try store.count(district: "south", entity: .users) == 4)

    let both = try runRollbook(["sync", "--config", config, "--json"])
    let data = try #require(both.stdout.data(using: .utf8))
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let runs = try #require(object["runs"] as? [[String: Any]])
    #expect(runs.compactMap { $0["district"] as? String } == ["north", "south"])
    let after = try SnapshotStore(path: directory.file("rollbook.sqlite"))
    #expect(try after.count(district: "north", entity: .users) == 4)
    #expect(try after.record(district: "north", entity: .users, sourcedId: "u-1201") != nil)
    #expect(try after.record(district: "south", entity: .users, sourcedId: "u-1201") != nil)
}
