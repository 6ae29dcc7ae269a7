import Foundation
import OneRoster
import Testing

@testable import Export

@Suite("CSVPackageWriter errors")
struct PackageWriterErrorTests {
    @Test func nonEmptyFolderRejected() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.path, withIntermediateDirectories: true)
        try Data("old".utf8).write(to: folder.url.appendingPathComponent("users.csv"))
        let error = #expect(throws: PackageWriterError.self) {
            try CSVPackageWriter(directory: folder.path, version: .v1p1, sourceSystem: TestRoster.source)
        }
        #expect(error?.code == "package-writer.folder-not-empty")
        #expect(
            error?.description
                == "package folder '\(folder.path)' is not empty (it contains 'users.csv'); "
                + "write each package to a new or empty folder")
    }

    @Test func emptyFolderAccepted() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.path, withIntermediateDirectories: true)
        let writer = try CSVPackageWriter(directory: folder.path, version: .v1p1, sourceSystem: TestRoster.source)
        let summary = try writer.finish()
        #expect(summary.fileNames == ["manifest.csv"])
        #expect(summary.files.allSatisfy { $0.mode == .absent })
    }

    @Test func fileInsteadOfFolderRejected() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.path, withIntermediateDirectories: true)
        let file = folder.path("package")
        try Data().write(to: URL(fileURLWithPath: file))
        let error = #expect(throws: PackageWriterError.self) {
            try CSVPackageWriter(directory: file, version: .v1p1, sourceSystem: TestRoster.source)
        }
        #expect(error?.code == "package-writer.folder-not-empty")
        #expect(error?.description == "'\(file)' is a file; expected a missing or empty folder for the package")
    }

    @Test func rolesInV1p1Rejected() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        let writer = try CSVPackageWriter(directory: folder.path, version: .v1p1, sourceSystem: TestRoster.source)
        for entity in [Entity.roles, .userProfiles] {
            let error = #expect(throws: PackageWriterError.self) { try writer.beginFile(entity, mode: .bulk) }
            #expect(error?.code == "package-writer.entity-not-in-version")
            #expect(
                error?.description
                    == "entity '\(entity.rawValue)' is not part of OneRoster 1.1; write it only in a 1.2 package, "
                    + "or derive the 1.1 user fields from it with fillV1p1Fields(of:from:)")
        }
        #expect(try writer.finish().fileNames == ["manifest.csv"])
    }

    @Test func appendBeforeBeginFileRejected() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        let writer = try CSVPackageWriter(directory: folder.path, version: .v1p1, sourceSystem: TestRoster.source)
        let error = #expect(throws: PackageWriterError.self) { try writer.append(TestRoster.users[0]) }
        #expect(error?.code == "package-writer.no-open-file")
        #expect(error?.description == "no file is open for the user 'tch-1'; call beginFile(users, mode:) first")
    }

    @Test func recordOfOtherEntityRejected() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        let writer = try CSVPackageWriter(directory: folder.path, version: .v1p1, sourceSystem: TestRoster.source)
        try writer.beginFile(.orgs, mode: .bulk)
        let error = #expect(throws: PackageWriterError.self) { try writer.append(TestRoster.users[0]) }
        #expect(error?.code == "package-writer.wrong-entity")
        #expect(error?.description == "the user 'tch-1' cannot go into orgs.csv; begin users.csv for it")
    }

    @Test func entityBegunTwiceRejected() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        let writer = try CSVPackageWriter(directory: folder.path, version: .v1p1, sourceSystem: TestRoster.source)
        try writer.beginFile(.orgs, mode: .bulk)
        try writer.append(TestRoster.orgs[0])
        #expect(throws: PackageWriterError.self) { try writer.beginFile(.orgs, mode: .bulk) }
        try writer.beginFile(.users, mode: .bulk)
        let error = #expect(throws: PackageWriterError.self) { try writer.beginFile(.orgs, mode: .delta) }
        #expect(error?.code == "package-writer.file-written-twice")
        #expect(error?.description == "orgs.csv was already begun in this package; write each entity once")
    }

    @Test func absentModeRejected() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        let writer = try CSVPackageWriter(directory: folder.path, version: .v1p2, sourceSystem: TestRoster.source)
        let error = #expect(throws: PackageWriterError.self) { try writer.beginFile(.orgs, mode: .absent) }
        #expect(error?.code == "package-writer.invalid-mode")
    }

    @Test func unwritablePathRejected() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        // A regular file as a parent folder fails for every user, root included.
        try FileManager.default.createDirectory(atPath: folder.path, withIntermediateDirectories: true)
        let blocker = folder.path("blocker")
        try Data().write(to: URL(fileURLWithPath: blocker))
        let target = blocker + "/package"
        let error = #expect(throws: PackageWriterError.self) {
            try CSVPackageWriter(directory: target, version: .v1p1, sourceSystem: TestRoster.source)
        }
        #expect(error?.code == "package-writer.folder-create-failed")
        #expect(error?.description.hasPrefix("failed to create package folder '\(target)': ") == true)
    }

    @Test func useAfterFinishRejected() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        let writer = try CSVPackageWriter(directory: folder.path, version: .v1p1, sourceSystem: TestRoster.source)
        try writer.beginFile(.orgs, mode: .bulk)
        try writer.append(TestRoster.orgs[0])
        let first = try writer.finish()
        #expect(try writer.finish() == first)
        let error = #expect(throws: PackageWriterError.self) { try writer.beginFile(.users, mode: .bulk) }
        #expect(error?.code == "package-writer.already-finished")
    }

    @Test func zipBeforeFinishRejected() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        let writer = try CSVPackageWriter(directory: folder.path, version: .v1p1, sourceSystem: TestRoster.source)
        let error = #expect(throws: PackageWriterError.self) { try writer.zip(to: folder.path + ".zip") }
        #expect(error?.code == "package-writer.not-finished")
    }
}

@Suite("CSVPackageWriter rows")
struct PackageWriterRowTests {
    @Test func fileWithNoRowsIsAbsent() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        let deletedOnly = [TestRoster.enrollments[4]]
        let summary = try writePackage(
            to: folder.path, version: .v1p1,
            files: [(.orgs, .bulk, TestRoster.orgs), (.users, .bulk, []), (.enrollments, .bulk, deletedOnly)])
        #expect(summary.fileNames == ["manifest.csv", "orgs.csv"])
        #expect(summary.file(for: .users)?.mode == .absent)
        #expect(summary.file(for: .enrollments)?.mode == .absent)
        #expect(summary.file(for: .enrollments)?.skippedDeletedRows == 1)
        #expect(!FileManager.default.fileExists(atPath: folder.path("users.csv")))
        let manifest = try String(contentsOfFile: folder.path("manifest.csv"), encoding: .utf8)
        #expect(manifest.contains("file.users,absent\r\n"))
        #expect(manifest.contains("file.orgs,bulk\r\n"))
    }

    @Test func lineBreaksBecomeSpaces() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        var org = TestRoster.orgs[0]
        org["name"] = "Larkspur\r\nUnified\nDistrict"
        let summary = try writePackage(to: folder.path, version: .v1p1, files: [(.orgs, .bulk, [org])])
        let text = try String(contentsOfFile: folder.path("orgs.csv"), encoding: .utf8)
        #expect(text.hasSuffix("\r\ndist-1,,,\"Larkspur  Unified District\",district,0601234,\r\n"))
        #expect(summary.file(for: .orgs)?.replacedLineBreaks == 3)
    }

    @Test func lfLineEndingAndLongValue() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        // A value longer than the output buffer goes through the byte-by-byte path.
        let long = String(repeating: "ab", count: 200_000)
        var org = TestRoster.orgs[0]
        org["name"] = long
        let writer = try CSVPackageWriter(
            directory: folder.path, version: .v1p2, sourceSystem: TestRoster.source, lineEnding: .lf)
        try writer.beginFile(.orgs, mode: .bulk)
        try writer.append(org)
        try writer.append(TestRoster.orgs[1])
        let summary = try writer.finish()
        let text = try String(contentsOfFile: folder.path("orgs.csv"), encoding: .utf8)
        #expect(
            text
                == "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
                + "dist-1,,,\(long),district,0601234,\n" + "sch-1,,,Larkspur High,school,0601234-01,dist-1\n")
        #expect(summary.file(for: .orgs)?.byteCount == text.utf8.count)
    }

    @Test func deltaTimestampFormat() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        let writer = try CSVPackageWriter(
            directory: folder.path, version: .v1p1, sourceSystem: TestRoster.source,
            deltaTimestamp: TestRoster.exportTime)
        #expect(writer.deltaTimestamp == "2024-03-05T07:00:00.250Z")
    }
}
