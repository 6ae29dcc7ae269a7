import Archive
import Foundation
import OneRoster
import Testing

@testable import Export

@Suite("CSVPackageWriter zip")
struct PackageZipTests {
    @Test(arguments: [1, 2])
    func zipReadsBack(parallelism: Int) throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        let writer = try CSVPackageWriter(
            directory: folder.path("package"), version: .v1p1, sourceSystem: TestRoster.source,
            deltaTimestamp: TestRoster.exportTime)
        try writer.beginFile(.orgs, mode: .bulk)
        for org in TestRoster.orgs { try writer.append(org) }
        try writer.beginFile(.users, mode: .delta)
        for user in TestRoster.users { try writer.append(user) }
        try writer.beginFile(.enrollments, mode: .delta)
        for enrollment in TestRoster.enrollments { try writer.append(enrollment) }
        _ = try writer.finish()
        let zipPath = folder.path("package.zip")
        try writer.zip(to: zipPath, compressionLevel: 9, parallelism: parallelism)

        let archive = try ZipArchive(path: zipPath)
        #expect(archive.entries.map(\.name) == ["manifest.csv", "orgs.csv", "users.csv", "enrollments.csv"])
        #expect(!FileManager.default.fileExists(atPath: zipPath + ".partial"))

        let (package, diagnostics) = try PackageSource.open(path: zipPath)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(package.presentEntities == [.orgs, .users, .enrollments])
        let (manifest, manifestDiagnostics) = Manifest.parse(
            source: try #require(try package.manifestSource()), presentEntities: package.presentEntities)
        #expect(manifestDiagnostics.isEmpty, "\(manifestDiagnostics)")
        #expect(manifest.version == .v1p1)
        #expect(manifest.sourceSystemName == "Rollbook")
        #expect(manifest.sourceSystemCode == "app-larkspur-bio")
        #expect(manifest.mode(for: .orgs) == .bulk)
        #expect(manifest.mode(for: .users) == .delta)
        #expect(manifest.mode(for: .enrollments) == .delta)
        #expect(manifest.mode(for: .classes) == .absent)
        #expect(manifest.properties["file.lineItems"] == "absent")

        for name in ["orgs.csv", "users.csv", "enrollments.csv"] {
            let zipped = try readAllBytes(try #require(try package.source(for: name)))
            let onDisk = try Data(contentsOf: URL(fileURLWithPath: folder.path("package/" + name)))
            #expect(Data(zipped) == onDisk, "\(name)")
        }
        let enrollments = try readAllBytes(try #require(try package.source(for: "enrollments.csv")))
        let lastRow = String(decoding: enrollments, as: UTF8.self).split(separator: "\r\n").last
        #expect(lastRow == "enr-5,tobedeleted,2024-03-02T09:00:00.000Z,cls-hr-9a,sch-1,stu-2,student,,,")
    }

    @Test func zipToMissingFolderFails() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        let writer = try CSVPackageWriter(directory: folder.path, version: .v1p2, sourceSystem: TestRoster.source)
        _ = try writer.finish()
        let target = folder.path("missing/package.zip")
        let error = #expect(throws: PackageWriterError.self) { try writer.zip(to: target) }
        #expect(error?.code == "package-writer.zip-failed")
        #expect(
            error?.description
                == "failed to write zip '\(target).partial': Failure to create temporary file: No such file or directory"
        )
    }
}

/// Reads a byte source to its end.
func readAllBytes(_ source: any ByteSource) throws -> [UInt8] {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = try chunk.withUnsafeMutableBytes { try source.read(into: $0) }
        if count == 0 { return bytes }
        bytes += chunk[0..<count]
    }
}
