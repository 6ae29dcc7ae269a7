import Foundation
import OneRoster
import Testing

@testable import Export

/// Compares a written package folder with `Golden/<name>/` next to this file, byte for byte.
///
/// With `ROLLBOOK_UPDATE_GOLDEN=1` in the environment the golden folder is replaced by the written files first.
func expectMatchesGolden(_ folder: String, case name: String) throws {
    let manager = FileManager.default
    let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
        .appendingPathComponent(name)
    let written = try manager.contentsOfDirectory(atPath: folder).sorted()
    if ProcessInfo.processInfo.environment["ROLLBOOK_UPDATE_GOLDEN"] == "1" {
        try? manager.removeItem(at: golden)
        try manager.createDirectory(at: golden, withIntermediateDirectories: true)
        for file in written {
            try manager.copyItem(
                at: URL(fileURLWithPath: folder).appendingPathComponent(file), to: golden.appendingPathComponent(file))
        }
    }
    let expected = try manager.contentsOfDirectory(atPath: golden.path).sorted()
    #expect(written == expected, "files of \(name)")
    for file in expected where written.contains(file) {
        let actual = try String(contentsOfFile: (folder as NSString).appendingPathComponent(file), encoding: .utf8)
        let goldenText = try String(contentsOf: golden.appendingPathComponent(file), encoding: .utf8)
        if actual != goldenText {
            let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let goldenLines = goldenText.split(separator: "\n", omittingEmptySubsequences: false)
            let common = min(actualLines.count, goldenLines.count)
            let line = (0..<common).first { actualLines[$0] != goldenLines[$0] } ?? common
            let writtenLine = line < actualLines.count ? String(actualLines[line]) : "<end>"
            let goldenLine = line < goldenLines.count ? String(goldenLines[line]) : "<end>"
            Issue.record(
                "\(name)/\(file) differs at line \(line + 1): written '\(writtenLine)', golden '\(goldenLine)'")
        }
    }
}

/// Writes the given entities in `Entity` order, each in one mode, and finishes the package.
func writePackage(
    to folder: String, version: OneRosterVersion, files: [(Entity, FileMode, [Record])]
) throws -> PackageSummary {
    let writer = try CSVPackageWriter(
        directory: folder, version: version, sourceSystem: TestRoster.source, deltaTimestamp: TestRoster.exportTime)
    for (entity, mode, records) in files {
        try writer.beginFile(entity, mode: mode)
        for record in records { try writer.append(record) }
    }
    return try writer.finish()
}

@Suite("Package golden files")
struct PackageGoldenTests {
    @Test func v1p1Bulk() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        let summary = try writePackage(
            to: folder.path, version: .v1p1,
            files: [
                (.orgs, .bulk, TestRoster.orgs),
                (.academicSessions, .bulk, TestRoster.academicSessions),
                (.courses, .bulk, TestRoster.courses),
                (.classes, .bulk, TestRoster.classes),
                (.users, .bulk, TestRoster.users),
                (.enrollments, .bulk, TestRoster.enrollments),
            ])
        try expectMatchesGolden(folder.path, case: "v1p1-bulk")

        #expect(summary.files.map(\.entity) == Entity.all(in: .v1p1))
        let enrollments = try #require(summary.file(for: .enrollments))
        #expect(enrollments.mode == .bulk)
        #expect(enrollments.rowCount == 4)
        #expect(enrollments.skippedDeletedRows == 1)
        #expect(enrollments.fileName == "enrollments.csv")
        let size = try FileManager.default.attributesOfItem(atPath: folder.path("enrollments.csv"))[.size] as? Int
        #expect(enrollments.byteCount == size)
        #expect(summary.file(for: .demographics)?.mode == .absent)
        #expect(summary.file(for: .demographics)?.fileName == nil)
        #expect(summary.file(for: .roles) == nil)
        #expect(summary.file(for: .users)?.replacedLineBreaks == 0)
    }

    @Test func v1p1Delta() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        var deletedStudent = TestRoster.users[2]
        deletedStudent["status"] = "tobedeleted"
        deletedStudent["dateLastModified"] = "2024-03-04T10:15:00.000Z"
        // A record without status or date: the writer fills `active` and its delta timestamp.
        var changedStudent = TestRoster.users[1]
        changedStudent["status"] = nil
        changedStudent["dateLastModified"] = nil
        changedStudent["email"] = "zoe.nguyen@larkspur.example"
        var droppedEnrollment = TestRoster.enrollments[2]
        droppedEnrollment["status"] = "tobedeleted"
        droppedEnrollment["dateLastModified"] = "2024-03-04T10:15:00.000Z"

        let summary = try writePackage(
            to: folder.path, version: .v1p1,
            files: [
                (.users, .delta, [changedStudent, deletedStudent]),
                (.enrollments, .delta, [droppedEnrollment]),
            ])
        try expectMatchesGolden(folder.path, case: "v1p1-delta")

        #expect(summary.file(for: .users)?.mode == .delta)
        #expect(summary.file(for: .users)?.rowCount == 2)
        #expect(summary.file(for: .enrollments)?.skippedDeletedRows == 0)
        #expect(summary.file(for: .orgs)?.mode == .absent)
        #expect(summary.fileNames == ["manifest.csv", "users.csv", "enrollments.csv"])
    }

    @Test func v1p2BulkWithDerivedRoles() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        var orgTypes: [String: String] = [:]
        for org in TestRoster.orgs { orgTypes[org.sourcedId] = org["type"] }
        let roles = TestRoster.users.flatMap { RoleConversion.roles(derivedFrom: $0, orgTypes: orgTypes) }

        let summary = try writePackage(
            to: folder.path, version: .v1p2,
            files: [
                (.orgs, .bulk, TestRoster.orgs),
                (.academicSessions, .bulk, TestRoster.academicSessions),
                (.courses, .bulk, TestRoster.courses),
                (.classes, .bulk, TestRoster.classes),
                (.users, .bulk, TestRoster.users),
                (.roles, .bulk, roles),
                (.enrollments, .bulk, TestRoster.enrollments),
            ])
        try expectMatchesGolden(folder.path, case: "v1p2-bulk")

        #expect(summary.files.map(\.entity) == Entity.all(in: .v1p2))
        #expect(summary.file(for: .roles)?.rowCount == 5)
        #expect(summary.file(for: .userProfiles)?.mode == .absent)
    }
}
