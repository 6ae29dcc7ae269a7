import Foundation
import OneRoster
import Store
import Testing

/// Real public OneRoster CSV exports under ../shared/samples, read through `rollbook validate`.
///
/// Each expectation was checked by reading the files: the counts and the named findings are what
/// the data deserves, not what the code happened to print.
private let samplesPresent = Paths.sharedPath("samples") != nil

private func validate(_ relative: String, _ options: [String] = []) throws -> ProcessOutput {
    let path = try #require(Paths.sharedPath("samples/\(relative)"), "sample \(relative) is absent")
    return try runRollbook(["validate", path, "--json"] + options)
}

/// Whether the output has a finding of `rule` at `file:row`.
private func has(_ output: ProcessOutput, _ rule: String, _ file: String, _ row: Int?) -> Bool {
    output.findings(rule: rule).contains { $0["file"] as? String == file && $0["row"] as? Int == row }
}

@Suite(.enabled(if: samplesPresent, "../shared/samples is absent"))
struct SampleTests {
    @Test func moodleFullDataSet() throws {
        let output = try validate("moodle-enrol-oneroster/Test_full_data_set.zip")
        #expect(output.status == 1)
        #expect(output.count("orgs", "accepted") == 1)
        #expect(output.count("academicSessions", "accepted") == 5)
        #expect(output.count("users", "accepted") == 6)
        #expect(output.count("classes", "rejected") == 2)
        #expect(output.count("enrollments", "rejected") == 6)
        // classType 'Scheduled' is capitalised; the other class names a course in an absent courses.csv.
        #expect(has(output, "field.enum", "classes.csv", 2))
        #expect(has(output, "ref.missing", "classes.csv", 3))
        #expect(output.findings(rule: "ref.rejected").count == 6)
        // enabledUser TRUE, a 1.0 'inactive' status and tobedeleted rows in a bulk file.
        #expect(output.findings(rule: "field.boolean-case").count == 6)
        #expect(has(output, "field.status-legacy", "academicSessions.csv", 4))
        #expect(has(output, "ref.missing-optional", "orgs.csv", 2))
    }

    @Test func moodleVersion12WithBrokenHeaders() throws {
        let output = try validate("moodle-enrol-oneroster/v1p2_full_dataset.zip")
        #expect(output.count("users", "accepted") == 6)
        // d/m/yyyy dateLastModified in a bulk file is reported but keeps the user.
        #expect(has(output, "field.datetime-ignored", "users.csv", 2))
        // roles.csv spells dateLastModified as dataLastModified and has two unnamed trailing columns.
        let typo = output.findings(rule: "header.unknown").first { $0["file"] as? String == "roles.csv" }
        #expect((typo?["message"] as? String)?.contains("did you mean 'dateLastModified'?") == true)
        #expect(has(output, "header.empty", "roles.csv", 1))
        // userprofiles.csv is a copy of roles.csv, so its required columns are missing.
        #expect(
            output.findings(rule: "header.missing-column").contains {
                ($0["file"] as? String)?.lowercased() == "userprofiles.csv"
            })
        #expect(output.count("userProfiles", "accepted") == 0)
    }

    @Test func moodleDayFirstDates() throws {
        let output = try validate("moodle-enrol-oneroster/history/test01.zip")
        #expect(output.count("academicSessions", "rejected") == 2)
        #expect(
            output.findings(rule: "field.date").contains {
                $0["value"] as? String == "1/09/2022" && $0["field"] as? String == "startDate"
            })
        #expect(output.count("orgs", "accepted") == 3)
    }

    @Test func oatVendorVariant() throws {
        let output = try validate("oat-oneroster-import/OneRosterv1p1BaseCSV")
        #expect(output.status == 1)
        #expect(output.count("orgs", "accepted") == 2)
        #expect(output.count("users", "accepted") == 2)
        #expect(output.count("classes", "rejected") == 3)
        #expect(output.findings(rule: "field.required").allSatisfy { $0["field"] as? String == "courseSourcedId" })
        #expect(
            output.findings(rule: "header.missing-column").compactMap { $0["file"] as? String }.sorted()
                == ["academicSessions.csv", "demographics.csv"])
        let userId = output.findings(rule: "header.unknown").first { $0["field"] as? String == "userId" }
        #expect((userId?["message"] as? String)?.contains("did you mean 'userIds'?") == true)
        #expect(has(output, "field.datetime-zone", "orgs.csv", 2))
    }

    @Test func extensionColumnsStoredInOrder() throws {
        let directory = try TemporaryDirectory()
        let path = try #require(Paths.sharedPath("samples/oat-oneroster-import/OneRosterv1p1BaseCSV"))
        let config = try directory.writeConfig(districts: [("oat", path)])
        #expect(try runRollbook(["sync", "--config", config]).status == 1)
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        let org = try #require(try store.record(district: "oat", entity: .orgs, sourcedId: "12345"))
        #expect(org["metadata.classification"] == "Classification 1")
        #expect(org["metadata.gender"] == "mixed")
        #expect(org["metadata.boarding"] == "FALSE")
        #expect(org["parentSourcedId"] == "54321")
        #expect(
            org.extensions.map(\.name) == [
                "metadata.classification", "metadata.gender", "metadata.boarding", "ext_imagineLearning_databaseId",
            ])
        // sourcedIds are exact strings, never numbers: "12345" stays as written.
        #expect(org.sourcedId == "12345")
    }

    @Test func snapwizYesNoAndOrphanDemographics() throws {
        let output = try validate("snapwiz-oneroster/OneRosterv1p1BaseCSV")
        #expect(output.count("users", "accepted") == 11)
        #expect(output.count("enrollments", "accepted") == 15)
        #expect(output.count("enrollments", "rejected") == 4)
        #expect(output.findings(rule: "field.boolean").allSatisfy { $0["field"] as? String == "primary" })
        #expect(output.count("demographics", "rejected") == 3)
        #expect(
            output.findings(rule: "ref.missing").compactMap { $0["value"] as? String }.sorted()
                == ["user12", "user13", "user14"])
        #expect(has(output, "csv.row-width", "academicSessions.csv", 2))
    }

    @Test func onerostersyncBrokenReferences() throws {
        let output = try validate("onerostersync-net")
        #expect(output.findings(rule: "manifest.missing").count == 1)
        #expect(output.count("academicSessions", "rejected") == 3)
        #expect(
            output.findings(rule: "field.date").contains { $0["value"] as? String == "8/27/2018" })
        let camel = output.findings(rule: "field.enum").first { $0["value"] as? String == "toBeDeleted" }
        #expect((camel?["message"] as? String)?.contains("did you mean 'tobedeleted'?") == true)
        #expect(output.findings(rule: "ref.missing").contains { $0["value"] as? String == "Sch_000002" })
        #expect(has(output, "header.empty", "enrollments.csv", 1))
        #expect(output.count("orgs", "accepted") == 3)
    }

    @Test func nicelionEmptyClassLinkExport() throws {
        let output = try validate("nicelion-oneroster-mocker/oneroster-example-csv")
        #expect(output.status == 0)
        #expect(output.findings(rule: "csv.header-only").count == 6)
        #expect(output.findings(rule: "manifest.absent-file-present").first?["file"] as? String == "demographics.csv")
    }

    @Test func nicelionOutputs() throws {
        let output = try validate("nicelion-oneroster-mocker/outputs")
        #expect(output.count("users", "accepted") == 3)
        let role = output.findings(rule: "field.enum").first
        #expect(role?["value"] as? String == "principal")
        #expect(output.findings(rule: "field.userids").count == 4)
        #expect(output.findings(rule: "package.unknown-file").first?["file"] as? String == "test-csv.csv")
    }

    @Test func rosterhubDatedFileNames() throws {
        let output = try validate("rosterhub-jp-exports")
        #expect(output.findings(rule: "package.unknown-file").count == 2)
        #expect(output.count("users", "accepted") == nil)
    }

    @Test func rosterhubAs12WithLegacyColumns() throws {
        let directory = try TemporaryDirectory()
        let source = try #require(Paths.sharedPath("samples/rosterhub-jp-exports"))
        for name in try FileManager.default.contentsOfDirectory(atPath: source) {
            let target = name.hasPrefix("orgs-") ? "orgs.csv" : "users.csv"
            try FileManager.default.copyItem(
                atPath: (source as NSString).appendingPathComponent(name), toPath: directory.file(target))
        }
        let output = try runRollbook(["validate", directory.path, "--json", "--version", "1.2"])
        #expect(output.count("orgs", "accepted") == 6)
        #expect(output.count("users", "accepted") == 4)
        #expect(
            output.findings(rule: "header.version").compactMap { $0["field"] as? String }.sorted() == [
                "orgSourcedIds", "role",
            ])
        // userIds written as the JSON literal [] instead of {type:id} tokens.
        #expect(output.findings(rule: "field.userids").allSatisfy { $0["value"] as? String == "[]" })

        let guessed = try runRollbook(["validate", directory.path, "--json"])
        #expect(guessed.count("users", "rejected") == 4)
        #expect(guessed.findings(rule: "field.required").allSatisfy { $0["field"] as? String == "orgSourcedIds" })
    }
}
