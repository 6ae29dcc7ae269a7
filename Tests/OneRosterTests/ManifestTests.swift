import Foundation
import OneRoster
import Testing

@Suite("Manifest")
struct ManifestTests {
    private static let completeVersion11 = """
        propertyName,value
        manifest.version,1.0
        oneroster.version,1.1
        file.academicSessions,bulk
        file.categories,absent
        file.classes,bulk
        file.classResources,absent
        file.courses,delta
        file.courseResources,absent
        file.demographics,absent
        file.enrollments,bulk
        file.lineItems,absent
        file.orgs,bulk
        file.resources,absent
        file.results,absent
        file.users,bulk
        source.systemName,CaseFixture
        source.systemCode,CASE

        """

    private func parse(_ text: String, present: Set<Entity> = []) -> (Manifest, [Diagnostic]) {
        Manifest.parse(source: DataByteSource(text), presentEntities: present)
    }

    @Test func completeManifest() {
        let (manifest, diagnostics) = parse(Self.completeVersion11)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(manifest.version == .v1p1)
        #expect(manifest.mode(for: .users) == .bulk)
        #expect(manifest.mode(for: .courses) == .delta)
        #expect(manifest.mode(for: .demographics) == .absent)
        #expect(manifest.mode(for: .roles) == .absent)
        #expect(manifest.sourceSystemName == "CaseFixture")
        #expect(manifest.sourceSystemCode == "CASE")
        #expect(manifest.properties["file.results"] == "absent")
    }

    @Test func crlfByteOrderMarkAndNoFinalNewline() {
        // "\r\n" is one Character in Swift, so dropLast() removes the whole final line end.
        let text = "\u{FEFF}" + Self.completeVersion11.replacingOccurrences(of: "\n", with: "\r\n").dropLast()
        let (manifest, diagnostics) = parse(String(text))
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(manifest.sourceSystemCode == "CASE")
        #expect(manifest.mode(for: .orgs) == .bulk)
    }

    @Test func missingVersion() {
        let (manifest, diagnostics) = parse("propertyName,value\nfile.users,bulk\n", present: [.users])
        #expect(manifest.version == nil)
        let versionErrors = diagnostics.filter { $0.rule == "manifest.version" }
        #expect(versionErrors.count == 1)
        #expect(versionErrors.first?.severity == .error)
        #expect(
            versionErrors.first?.message
                == "manifest.csv has no oneroster.version row; add one with the value 1.1 or 1.2")
    }

    @Test func unknownVersion() {
        let (manifest, diagnostics) = parse("propertyName,value\noneroster.version,1.0\n")
        #expect(manifest.version == nil)
        let error = diagnostics.first { $0.rule == "manifest.version" }
        #expect(error?.severity == .error)
        #expect(error?.row == 2)
        #expect(error?.message == "oneroster.version is '1.0'; expected 1.1, 1.2 or 1.2.1")
    }

    @Test func errataVersion() {
        let (manifest, _) = parse("propertyName,value\noneroster.version,1.2.1\n")
        #expect(manifest.version == .v1p2)
    }

    @Test func badModeValue() {
        let text = Self.completeVersion11.replacingOccurrences(of: "file.users,bulk", with: "file.users,Bulk")
        let (manifest, diagnostics) = parse(text, present: [.users])
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.severity == .error)
        #expect(diagnostics.first?.rule == "manifest.mode")
        #expect(diagnostics.first?.row == 16)
        #expect(diagnostics.first?.field == "file.users")
        #expect(diagnostics.first?.message == "file.users is 'Bulk'; expected bulk, delta or absent")
        #expect(manifest.mode(for: .users) == .absent)
    }

    @Test func missingKeyFollowsFilePresence() {
        let text = Self.completeVersion11.replacingOccurrences(of: "file.users,bulk\n", with: "")
            .replacingOccurrences(of: "file.classes,bulk\n", with: "")
        let (manifest, diagnostics) = parse(text, present: [.users, .orgs])
        #expect(manifest.mode(for: .users) == .bulk)
        #expect(manifest.mode(for: .classes) == .absent)
        #expect(diagnostics.map(\.rule) == ["manifest.missing-key", "manifest.missing-key"])
        #expect(diagnostics.allSatisfy { $0.severity == .warning })
        #expect(
            diagnostics.map(\.message) == [
                "manifest.csv has no file.classes row; classes.csv is not in the package, so it is treated as absent",
                "manifest.csv has no file.users row; users.csv is in the package, so it is read as bulk",
            ])
    }

    @Test func missing1_2KeysNotExpectedIn1_1() {
        let (_, diagnostics) = parse(Self.completeVersion11)
        #expect(!diagnostics.contains { $0.field == "file.roles" })
    }

    @Test func starredKeysAndBlankValue() {
        let text = """
            propertyName,value
            oneroster.version,1.2
            file.orgs,bulk
            file.roles*,delta
            file.userProfiles,
            """
        let (manifest, diagnostics) = parse(text, present: [.orgs, .roles, .userProfiles])
        #expect(manifest.mode(for: .roles) == .delta)
        #expect(manifest.mode(for: .userProfiles) == .bulk)
        let blank = diagnostics.first { $0.field == "file.userProfiles" }
        #expect(blank?.rule == "manifest.missing-key")
        #expect(blank?.row == 5)
        #expect(blank?.message.hasPrefix("manifest.csv has a blank file.userProfiles;") == true)
    }

    @Test func gradebookKeysIgnored() {
        let text = Self.completeVersion11.replacingOccurrences(of: "file.results,absent", with: "file.results,bulk")
        let (manifest, diagnostics) = parse(text)
        #expect(diagnostics.map(\.rule) == ["manifest.unsupported-file"])
        #expect(diagnostics.first?.severity == .info)
        #expect(manifest.properties["file.results"] == "bulk")
    }

    @Test func duplicateProperty() {
        let (manifest, diagnostics) = parse(Self.completeVersion11 + "file.users,delta\n")
        #expect(diagnostics.map(\.rule) == ["manifest.duplicate"])
        #expect(manifest.mode(for: .users) == .bulk)
    }

    @Test func missingHeaderRow() {
        let text = Self.completeVersion11.replacingOccurrences(of: "propertyName,value\n", with: "")
        let (manifest, diagnostics) = parse(text)
        #expect(diagnostics.map(\.rule) == ["manifest.header"])
        #expect(manifest.version == .v1p1)
    }

    @Test func invalidUTF8BecomesDiagnostic() {
        let bytes = Data("propertyName,value\nsource.systemName,Jos".utf8) + Data([0xE9, 0x0A])
        let (_, diagnostics) = Manifest.parse(source: DataByteSource(bytes))
        #expect(diagnostics.first?.rule == "csv.invalid-utf8")
        #expect(diagnostics.first?.row == 2)
        #expect(diagnostics.contains { $0.rule == "manifest.version" })
    }

    @Test(.enabled(if: SharedData.isAvailable, "needs the shared samples folder next to the package"))
    func nicelionAllQuotedManifest() throws {
        let path = SharedData.path("samples/nicelion-oneroster-mocker/oneroster-example-csv/manifest.csv")
        let (manifest, diagnostics) = Manifest.parse(
            source: try FileByteSource(path: path),
            presentEntities: [.academicSessions, .classes, .courses, .demographics, .enrollments, .orgs, .users])
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(manifest.version == .v1p1)
        #expect(manifest.sourceSystemName == "ClassLink OneRoster")
        #expect(manifest.sourceSystemCode == "ClassLink")
        #expect(manifest.mode(for: .users) == .bulk)
        #expect(manifest.mode(for: .demographics) == .absent)
    }

    @Test(.enabled(if: SharedData.isAvailable, "needs the shared samples folder next to the package"))
    func moodle1_2DeltaManifest() throws {
        let path = SharedData.path("samples/moodle-enrol-oneroster/extracted/oneroster_test_data/manifest.csv")
        let (manifest, diagnostics) = Manifest.parse(source: try FileByteSource(path: path))
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(manifest.version == .v1p2)
        for entity in Entity.all(in: .v1p2) {
            #expect(manifest.mode(for: entity) == .delta, "\(entity)")
        }
    }

    @Test(.enabled(if: SharedData.isAvailable, "needs the shared cases folder next to the package"))
    func caseB01Manifest() throws {
        let (manifest, diagnostics) = Manifest.parse(
            source: try FileByteSource(path: SharedData.path("cases/B01/manifest.csv")),
            presentEntities: [.orgs, .users])
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(manifest.mode(for: .orgs) == .bulk)
        #expect(manifest.mode(for: .classes) == .absent)
    }
}
