import Foundation
import OneRoster
import Testing

@testable import Archive

@Suite("ZipWriter")
struct ZipWriterTests {
    /// Files with text that deflates well and one that is empty.
    let files = [
        "manifest.csv": "propertyName,value\noneroster.version,1.1\nfile.orgs,bulk\n",
        "orgs.csv": String(repeating: "sch-1,,,Larkspur,school,,\n", count: 5000),
        "users.csv": "sourcedId,givenName\nu-1,Zoë\n",
        "empty.csv": "",
    ]
    let order = ["manifest.csv", "orgs.csv", "users.csv", "empty.csv"]

    func entries(in folder: TemporaryFolder) -> [ZipWriter.Entry] {
        order.map { ZipWriter.Entry(name: $0, path: folder.url.appendingPathComponent($0).path) }
    }

    @Test(arguments: [(1, 1), (6, 1), (9, 2), (6, 3)])
    func roundTrip(level: Int, parallelism: Int) throws {
        let folder = try TemporaryFolder(files: files)
        defer { folder.remove() }
        let zipPath = folder.url.appendingPathComponent("out.zip").path
        try ZipWriter(compressionLevel: level, parallelism: parallelism).write(entries(in: folder), to: zipPath)

        let archive = try ZipArchive(path: zipPath)
        #expect(archive.entries.map(\.name) == order)
        #expect(!archive.entries.contains { $0.isDirectory })
        for entry in archive.entries {
            let bytes = try readAll(try archive.open(entry))
            #expect(String(decoding: bytes, as: UTF8.self) == files[entry.name], "\(entry.name)")
            #expect(entry.size == UInt64(bytes.count))
        }
        let zipSize = try #require(try FileManager.default.attributesOfItem(atPath: zipPath)[.size] as? Int)
        #expect(zipSize < 20_000, "orgs.csv should be deflated")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
            $0.contains(".partial")
        }
        #expect(leftovers.isEmpty)
    }

    @Test func replacesExistingZip() throws {
        let folder = try TemporaryFolder(files: files.merging(["out.zip": "old"]) { $1 })
        defer { folder.remove() }
        let zipPath = folder.url.appendingPathComponent("out.zip").path
        try ZipWriter().write(Array(entries(in: folder).prefix(1)), to: zipPath)
        #expect(try ZipArchive(path: zipPath).entries.map(\.name) == ["manifest.csv"])
    }

    @Test(arguments: [1, 2])
    func missingFileNamed(parallelism: Int) throws {
        // The zip of an earlier run stays as it was when the new one fails.
        let folder = try TemporaryFolder(files: files.merging(["out.zip": "earlier zip"]) { $1 })
        defer { folder.remove() }
        let zipPath = folder.url.appendingPathComponent("out.zip").path
        let missing = folder.url.appendingPathComponent("roles.csv").path
        let error = #expect(throws: ZipWriterError.self) {
            try ZipWriter(parallelism: parallelism).write(
                entries(in: folder) + [ZipWriter.Entry(name: "roles.csv", path: missing)], to: zipPath)
        }
        #expect(error?.code == "zip-writer.add-failed")
        #expect(error?.entry == "roles.csv")
        #expect(error?.file == missing)
        #expect(
            error?.description
                == "failed to add '\(missing)' as 'roles.csv' to zip '\(zipPath)': No such file or directory")
        #expect(try String(contentsOfFile: zipPath, encoding: .utf8) == "earlier zip")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
            $0.contains(".partial")
        }
        #expect(leftovers.isEmpty)
    }

    @Test(arguments: ["", "data/users.csv"])
    func invalidNameRejected(name: String) throws {
        let error = #expect(throws: ZipWriterError.self) {
            try ZipWriter().write([ZipWriter.Entry(name: name, path: "/dev/null")], to: "/tmp/unused.zip")
        }
        #expect(error?.code == "zip-writer.invalid-name")
        #expect(
            error?.description
                == "invalid entry name '\(name)' for zip '/tmp/unused.zip': a name cannot be empty or contain '/'")
    }

    @Test func duplicateNameRejected() throws {
        let entry = ZipWriter.Entry(name: "users.csv", path: "/dev/null")
        let error = #expect(throws: ZipWriterError.self) {
            try ZipWriter().write([entry, entry], to: "/tmp/unused.zip")
        }
        #expect(
            error?.description
                == "invalid entry name 'users.csv' for zip '/tmp/unused.zip': the name is given twice; store each once")
    }

    @Test func unwritableTargetFails() throws {
        let folder = try TemporaryFolder(files: files)
        defer { folder.remove() }
        // A regular file used as a folder cannot contain the zip, even when the tests run as root.
        let zipPath = folder.url.appendingPathComponent("users.csv/out.zip").path
        let error = #expect(throws: ZipWriterError.self) { try ZipWriter().write(entries(in: folder), to: zipPath) }
        #expect(error?.code == "zip-writer.create-failed")
        #expect(error?.description == "failed to create zip '\(zipPath).partial': Read error: Not a directory")
    }

    @Test func levelsAreClamped() {
        #expect(ZipWriter(compressionLevel: 0).compressionLevel == 1)
        #expect(ZipWriter(compressionLevel: 12).compressionLevel == 9)
        #expect(ZipWriter(parallelism: 0).parallelism == 1)
    }
}
