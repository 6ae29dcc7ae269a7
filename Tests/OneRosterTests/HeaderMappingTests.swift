import Foundation
import OneRoster
import Testing

@Suite("HeaderMapping")
struct HeaderMappingTests {
    private func names(_ entity: Entity, _ version: OneRosterVersion) -> [String] {
        Schema.columns(of: entity, version: version).map(\.name)
    }

    private func rules(_ diagnostics: [Diagnostic]) -> [String] {
        diagnostics.map(\.rule)
    }

    @Test(arguments: Entity.allCases)
    func specHeaderMapsCleanly(entity: Entity) {
        let version: OneRosterVersion = Entity.all(in: .v1p1).contains(entity) ? .v1p1 : .v1p2
        let header = names(entity, version)
        let (mapping, diagnostics) = HeaderMapping.map(
            header: header, entity: entity, version: version, fileName: entity.fileName)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        for (position, name) in header.enumerated() {
            #expect(mapping.targets[position] == .column(Schema.index(of: name, in: entity) ?? -1))
            #expect(mapping.positions[Schema.index(of: name, in: entity) ?? 0] == position)
        }
    }

    @Test func usersUnionIndexesFor1_2() throws {
        let (mapping, diagnostics) = HeaderMapping.map(
            header: names(.users, .v1p2), entity: .users, version: .v1p2, fileName: "users.csv")
        #expect(diagnostics.isEmpty)
        let roleIndex = try #require(Schema.index(of: "role", in: .users))
        #expect(mapping.positions[roleIndex] == nil)
        #expect(mapping.targets[4] == .column(try #require(Schema.index(of: "username", in: .users))))
    }

    @Test func misspelledColumnSuggested() throws {
        var header = names(.roles, .v1p2)
        header[2] = "dataLastModified"
        let (mapping, diagnostics) = HeaderMapping.map(
            header: header, entity: .roles, version: .v1p2, fileName: "roles.csv")
        #expect(diagnostics.count == 1)
        let diagnostic = try #require(diagnostics.first)
        #expect(diagnostic.severity == .warning)
        #expect(diagnostic.rule == "header.unknown")
        #expect(diagnostic.row == 1)
        #expect(diagnostic.field == "dataLastModified")
        #expect(
            diagnostic.message
                == "column 'dataLastModified' is not a OneRoster column; did you mean 'dateLastModified'? "
                + "It is kept as an extension column")
        #expect(mapping.targets[2] == .extensionColumn("dataLastModified"))
    }

    @Test func caseMismatchOfRequiredColumn() throws {
        var header = names(.users, .v1p1)
        header[8] = "givenname"
        let (mapping, diagnostics) = HeaderMapping.map(
            header: header, entity: .users, version: .v1p1, fileName: "users.csv")
        #expect(rules(diagnostics) == ["header.unknown", "header.missing-column"])
        #expect(diagnostics[0].message.contains("did you mean 'givenName'?"))
        #expect(
            diagnostics[1].message
                == "users.csv is missing the required column 'givenName'; column 9 is 'givenname', "
                + "rename it to 'givenName'")
        #expect(mapping.targets[8] == .extensionColumn("givenname"))
    }

    @Test func missingRequiredColumn() throws {
        let header = names(.users, .v1p1).filter { $0 != "givenName" }
        let (_, diagnostics) = HeaderMapping.map(header: header, entity: .users, version: .v1p1, fileName: "users.csv")
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.severity == .error)
        #expect(diagnostics.first?.rule == "header.missing-column")
        #expect(diagnostics.first?.field == "givenName")
        #expect(diagnostics.first?.message == "users.csv is missing the required column 'givenName'")
    }

    @Test func missingDeltaColumnsAreNotErrors() {
        let header = names(.orgs, .v1p1).filter { $0 != "status" && $0 != "dateLastModified" }
        let (_, diagnostics) = HeaderMapping.map(header: header, entity: .orgs, version: .v1p1, fileName: "orgs.csv")
        #expect(diagnostics.isEmpty)
    }

    @Test func duplicateColumn() throws {
        let header = names(.orgs, .v1p1) + ["name"]
        let (mapping, diagnostics) = HeaderMapping.map(
            header: header, entity: .orgs, version: .v1p1, fileName: "orgs.csv")
        #expect(rules(diagnostics) == ["header.duplicate"])
        #expect(diagnostics.first?.severity == .error)
        #expect(
            diagnostics.first?.message
                == "column 'name' appears twice (columns 4 and 8); remove one of them, only column 4 is read")
        #expect(mapping.targets[7] == .ignored)
        #expect(mapping.positions[3] == 3)
    }

    @Test func otherVersionColumn() throws {
        let header = [
            "sourcedId", "status", "dateLastModified", "enabledUser", "role", "username", "givenName", "familyName",
        ]
        let (mapping, diagnostics) = HeaderMapping.map(
            header: header, entity: .users, version: .v1p2, fileName: "users.csv")
        #expect(rules(diagnostics) == ["header.version"])
        #expect(diagnostics.first?.severity == .warning)
        #expect(diagnostics.first?.field == "role")
        #expect(
            diagnostics.first?.message == "column 'role' is a OneRoster 1.1 column, not a 1.2 one; it is still read")
        #expect(mapping.targets[4] == .column(try #require(Schema.index(of: "role", in: .users))))
    }

    @Test func extensionColumns() {
        let header = names(.orgs, .v1p1) + ["metadata.address1", "ext_district_code"]
        let (mapping, diagnostics) = HeaderMapping.map(
            header: header, entity: .orgs, version: .v1p1, fileName: "orgs.csv")
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.severity == .info)
        #expect(diagnostics.first?.rule == "header.extension")
        #expect(diagnostics.first?.field == "ext_district_code")
        #expect(mapping.targets[7] == .extensionColumn("metadata.address1"))
        #expect(mapping.targets[8] == .extensionColumn("ext_district_code"))
    }

    @Test func metadataNameNearAColumnStaysSilent() {
        let header = names(.orgs, .v1p1) + ["metadata.name"]
        let (_, diagnostics) = HeaderMapping.map(header: header, entity: .orgs, version: .v1p1, fileName: "orgs.csv")
        #expect(diagnostics.isEmpty)
    }

    @Test func nearNameOfPresentColumnIsExtension() {
        let header = names(.users, .v1p1) + ["userId"]
        let (_, diagnostics) = HeaderMapping.map(header: header, entity: .users, version: .v1p1, fileName: "users.csv")
        #expect(rules(diagnostics) == ["header.extension"])
    }

    @Test func emptyHeaderNames() {
        let header = ["sourcedId", "name", "type", "", "identifier", ""]
        let (mapping, diagnostics) = HeaderMapping.map(
            header: header, entity: .orgs, version: .v1p1, fileName: "orgs.csv")
        #expect(rules(diagnostics) == ["header.empty"])
        #expect(
            diagnostics.first?.message
                == "columns 4 and 6 have no name; values found there are kept as extension columns named "
                + "'column4' and 'column6'")
        #expect(mapping.targets[3] == .unnamed("column4"))
        #expect(mapping.targets[5] == .unnamed("column6"))
    }

    @Test func spacesAroundName() {
        let header = ["sourcedId", " name ", "type"]
        let (mapping, diagnostics) = HeaderMapping.map(
            header: header, entity: .orgs, version: .v1p1, fileName: "orgs.csv")
        #expect(rules(diagnostics) == ["header.whitespace"])
        #expect(mapping.targets[1] == .column(3))
    }

    @Test func columnsOutOfOrder() {
        let header = [
            "sourcedId", "enabledUser", "status", "dateLastModified", "orgSourcedIds", "role", "username",
            "givenName", "familyName", "identifier", "email",
        ]
        let (mapping, diagnostics) = HeaderMapping.map(
            header: header, entity: .users, version: .v1p1, fileName: "users.csv")
        #expect(rules(diagnostics) == ["header.order"])
        #expect(diagnostics.first?.severity == .warning)
        #expect(diagnostics.first?.field == "status")
        #expect(
            diagnostics.first?.message.hasPrefix(
                "columns are not in OneRoster order: 'status' comes after 'enabledUser'") == true)
        #expect(mapping.targets[1] == .column(3))
        #expect(mapping.targets[2] == .column(1))
    }

    @Test func extensionBeforeStandardColumn() {
        let header = ["sourcedId", "metadata.code", "name", "type"]
        let (_, diagnostics) = HeaderMapping.map(header: header, entity: .orgs, version: .v1p1, fileName: "orgs.csv")
        #expect(rules(diagnostics) == ["header.order"])
        #expect(diagnostics.first?.field == "metadata.code")
    }

    @Test(.enabled(if: SharedData.isAvailable, "needs the shared samples folder next to the package"))
    func onerostersyncEnrollmentsHeader() throws {
        let reader = CSVReader(
            source: try FileByteSource(path: SharedData.path("samples/onerostersync-net/enrollments.csv")),
            fileName: "enrollments.csv")
        let header = try #require(try reader.readRow())
        #expect(header.suffix(4) == ["role", "", "", ""])
        let (mapping, diagnostics) = HeaderMapping.map(
            header: header, entity: .enrollments, version: .v1p1, fileName: "enrollments.csv")
        #expect(rules(diagnostics) == ["header.empty"])
        #expect(diagnostics.first?.severity == .warning)
        #expect(diagnostics.first?.message.hasPrefix("columns 8, 9 and 10 have no name") == true)
        #expect(mapping.targets[7] == .unnamed("column8"))
        #expect(mapping.targets[9] == .unnamed("column10"))
        #expect(mapping.targets[6] == .column(6))
    }

    @Test(.enabled(if: SharedData.isAvailable, "needs the shared samples folder next to the package"))
    func moodleRolesHeader() throws {
        let path = "samples/moodle-enrol-oneroster/extracted/v1p2_full_dataset/roles.csv"
        let reader = CSVReader(source: try FileByteSource(path: SharedData.path(path)), fileName: "roles.csv")
        let header = try #require(try reader.readRow())
        let (_, diagnostics) = HeaderMapping.map(header: header, entity: .roles, version: .v1p2, fileName: "roles.csv")
        #expect(rules(diagnostics) == ["header.unknown", "header.empty"])
        #expect(diagnostics.first?.field == "dataLastModified")
    }

    @Test(.enabled(if: SharedData.isAvailable, "needs the shared samples folder next to the package"))
    func oatUsersHeader() throws {
        let path = "samples/oat-oneroster-import/OneRosterv1p1BaseCSV/users.csv"
        let reader = CSVReader(source: try FileByteSource(path: SharedData.path(path)), fileName: "users.csv")
        let header = try #require(try reader.readRow())
        let (_, diagnostics) = HeaderMapping.map(header: header, entity: .users, version: .v1p1, fileName: "users.csv")
        #expect(diagnostics.filter { $0.rule == "header.order" }.count == 1)
        let userId = diagnostics.first { $0.field == "userId" }
        #expect(userId?.rule == "header.unknown")
        #expect(diagnostics.filter { $0.rule == "header.extension" }.count == 8)
        #expect(!diagnostics.contains { $0.severity == .error })
    }

    @Test(arguments: [
        ("", "", 0), ("abc", "", 3), ("", "ab", 2), ("dataLastModified", "dateLastModified", 1),
        ("kitten", "sitting", 3), ("grade", "grades", 1), ("Søren", "Soren", 1), ("ab", "ba", 2),
    ])
    func editDistanceValues(first: String, second: String, expected: Int) {
        #expect(editDistance(first, second) == expected)
        #expect(editDistance(second, first) == expected)
    }
}
