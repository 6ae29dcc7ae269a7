import Foundation
import OneRoster
import Testing

@testable import Archive

@Suite("PackageSource zips", .enabled(if: SharedData.isAvailable, "needs the shared cases and samples folders"))
struct PackageSourceZipTests {
    @Test func flatZip() throws {
        let (package, diagnostics) = try PackageSource.open(path: SharedData.path("cases/B15/flat.zip"))
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(package.hasManifest)
        #expect(package.fileNames == ["orgs.csv", "users.csv"])
        #expect(package.displayName(for: "users.csv") == "users.csv")
        #expect(package.presentEntities == [.orgs, .users])
        let users = try readRows(try #require(try package.source(for: "users.csv")), fileName: "users.csv")
        #expect(users.first?.first == "sourcedId")
        #expect(users.count > 1)
    }

    @Test func nestedOneFolderZip() throws {
        let (package, diagnostics) = try PackageSource.open(path: SharedData.path("cases/B15/nested_one_folder.zip"))
        #expect(diagnostics.map(\.rule) == ["package.unwrapped"])
        #expect(diagnostics.first?.severity == .info)
        #expect(
            diagnostics.first?.message
                == "the package files are read from the folder 'OneRosterv1p1BaseCSV/' inside the zip")
        #expect(diagnostics.first?.file == SharedData.path("cases/B15/nested_one_folder.zip"))
        #expect(package.fileNames == ["orgs.csv", "users.csv"])
        #expect(package.displayName(for: "users.csv") == "OneRosterv1p1BaseCSV/users.csv")
        #expect(package.displayName(for: "manifest.csv") == "OneRosterv1p1BaseCSV/manifest.csv")
        let manifestSource = try #require(try package.manifestSource())
        let (manifest, manifestDiagnostics) = Manifest.parse(
            source: manifestSource, presentEntities: package.presentEntities)
        #expect(manifestDiagnostics.isEmpty, "\(manifestDiagnostics)")
        #expect(manifest.mode(for: .users) == .bulk)
    }

    @Test func macOSJunkZip() throws {
        let (package, diagnostics) = try PackageSource.open(path: SharedData.path("cases/B15/macos_junk.zip"))
        #expect(diagnostics.map(\.rule) == ["package.junk-ignored", "package.unwrapped"])
        #expect(diagnostics.allSatisfy { $0.severity == .info })
        #expect(diagnostics.first?.message == "ignored 1 macOS metadata entry (__MACOSX/, ._*, .DS_Store)")
        #expect(package.fileNames == ["orgs.csv", "users.csv"])
        #expect(package.displayName(for: "users.csv") == "export/users.csv")
    }

    @Test func twoManifestsRejected() throws {
        let error = #expect(throws: PackageError.self) {
            try PackageSource.open(path: SharedData.path("cases/B15/two_manifests.zip"))
        }
        #expect(error?.description == "zip contains 2 manifest.csv files (a/, b/)")
        #expect(error?.code == "package.multiple-manifests")
    }

    @Test(arguments: [
        "Test_full_data_set.zip", "Test_minimal_data_set.zip", "oneroster_test_data.zip", "v1p2_full_dataset.zip",
        "history/VRd118.zip", "history/test01.zip",
    ])
    func moodleZipsOpenAndRead(zip: String) throws {
        let (package, diagnostics) = try PackageSource.open(
            path: SharedData.path("samples/moodle-enrol-oneroster/\(zip)"))
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(package.hasManifest)
        #expect(package.fileNames.count >= 5)
        let (manifest, _) = Manifest.parse(
            source: try #require(try package.manifestSource()), presentEntities: package.presentEntities)
        #expect(manifest.version != nil)
        for name in package.fileNames {
            let rows = try readRows(try #require(try package.source(for: name)), fileName: name)
            #expect(rows.first?.first == "sourcedId", "\(zip) \(name)")
            #expect(!rows.contains { $0.contains { $0.contains("\r") } }, "\(zip) \(name)")
        }
    }

    @Test func entryBytesMatchExtractedFiles() throws {
        let zip = SharedData.path("samples/moodle-enrol-oneroster/v1p2_full_dataset.zip")
        let extracted = SharedData.path("samples/moodle-enrol-oneroster/extracted/v1p2_full_dataset")
        let archive = try ZipArchive(path: zip)
        #expect(archive.entries.count == 8)
        for entry in archive.entries {
            let expected = Array(try Data(contentsOf: URL(fileURLWithPath: extracted + "/" + entry.name)))
            let actual = try readAll(try archive.open(entry))
            #expect(actual == expected, "\(entry.name)")
            #expect(entry.size == UInt64(expected.count), "\(entry.name)")
        }
    }

    @Test func lowerCaseFileNameFound() throws {
        let (package, _) = try PackageSource.open(
            path: SharedData.path("samples/moodle-enrol-oneroster/v1p2_full_dataset.zip"))
        #expect(package.fileNames.contains("userprofiles.csv"))
        #expect(package.presentEntities.contains(.userProfiles))
        #expect(try package.source(for: Entity.userProfiles.fileName) != nil)
        #expect(try package.source(for: "USERS.CSV") != nil)
        #expect(package.displayName(for: "userProfiles.csv") == "userprofiles.csv")
        #expect(try package.source(for: "courses.csv") == nil)
    }

    @Test func entrySourceOutlivesArchiveReference() throws {
        var archive: ZipArchive? = try ZipArchive(path: SharedData.path("cases/B15/flat.zip"))
        let entry = try #require(archive?.entries.first { $0.name == "orgs.csv" })
        let source = try #require(try archive?.open(entry))
        archive = nil
        let rows = try readRows(source, fileName: "orgs.csv")
        #expect(rows.count == 2)
    }

    @Test func caseB01FolderOpens() throws {
        let (package, diagnostics) = try PackageSource.open(path: SharedData.path("cases/B01"))
        #expect(diagnostics.map(\.rule) == ["package.other-ignored"])
        #expect(diagnostics.first?.message.hasSuffix("expected.txt") == true)
        #expect(package.fileNames == ["orgs.csv", "users.csv"])
        let users = try readRows(try #require(try package.source(for: "users.csv")), fileName: "users.csv")
        #expect(users.first?.first == "sourcedId")
    }

    @Test func folderWithoutManifest() throws {
        let (package, diagnostics) = try PackageSource.open(path: SharedData.path("samples/onerostersync-net"))
        #expect(!package.hasManifest)
        #expect(try package.manifestSource() == nil)
        #expect(package.fileNames.count == 6)
        #expect(diagnostics.map(\.rule) == ["package.other-ignored"])
    }
}

@Suite("PackageSource folders and errors")
struct PackageSourceFolderTests {
    @Test func folderWithOneSubfolderUnwrapped() throws {
        let folder = try TemporaryFolder(files: [
            "district/manifest.csv": minimalManifest, "district/orgs.csv": minimalOrgs, ".DS_Store": "x",
        ])
        defer { folder.remove() }
        let (package, diagnostics) = try PackageSource.open(path: folder.path)
        #expect(diagnostics.map(\.rule) == ["package.junk-ignored", "package.unwrapped"])
        #expect(package.fileNames == ["orgs.csv"])
        #expect(package.displayName(for: "orgs.csv") == "district/orgs.csv")
        let rows = try readRows(try #require(try package.source(for: "orgs.csv")), fileName: "orgs.csv")
        #expect(rows.count == 2)
    }

    @Test func folderWithTwoManifests() throws {
        let folder = try TemporaryFolder(files: ["b/manifest.csv": minimalManifest, "a/manifest.csv": minimalManifest])
        defer { folder.remove() }
        let error = #expect(throws: PackageError.self) { try PackageSource.open(path: folder.path) }
        #expect(error?.description == "folder contains 2 manifest.csv files (a/, b/)")
    }

    @Test func notAZip() throws {
        let folder = try TemporaryFolder(files: ["roster.zip": "this is not a zip"])
        defer { folder.remove() }
        let path = folder.url.appendingPathComponent("roster.zip").path
        let error = #expect(throws: PackageError.self) { try PackageSource.open(path: path) }
        #expect(error?.code == "package.open-failed")
        #expect(error?.description == "failed to open zip '\(path)': Not a zip archive")
    }

    @Test func missingPath() throws {
        let error = #expect(throws: PackageError.self) { try PackageSource.open(path: "/nonexistent/roster.zip") }
        #expect(error?.description == "'/nonexistent/roster.zip' does not exist")
    }

    @Test func zipErrorDescription() throws {
        let error = #expect(throws: ZipError.self) { try ZipArchive(path: "/nonexistent/roster.zip") }
        #expect(error?.code == "zip.open-failed")
        #expect(error?.description == "failed to open zip '/nonexistent/roster.zip': No such file")
    }
}

@Suite("PackageLayout")
struct PackageLayoutTests {
    @Test func rootManifestWins() throws {
        let layout = try PackageLayout(
            paths: ["manifest.csv", "users.csv", "old/users.csv"], container: "zip", path: "p.zip")
        #expect(layout.folder == "")
        #expect(layout.files == ["users.csv": "users.csv"])
        #expect(layout.diagnostics.map(\.rule) == ["package.other-ignored"])
    }

    @Test func noManifestRootCSV() throws {
        let layout = try PackageLayout(paths: ["users.csv", "orgs.csv"], container: "zip", path: "p.zip")
        #expect(layout.manifest == nil)
        #expect(layout.files.count == 2)
        #expect(layout.diagnostics.isEmpty)
    }

    @Test func noManifestOneFolder() throws {
        let layout = try PackageLayout(paths: ["x/users.csv", "x/orgs.csv"], container: "zip", path: "p.zip")
        #expect(layout.folder == "x/")
        #expect(layout.diagnostics.map(\.rule) == ["package.unwrapped"])
    }

    @Test func noManifestTwoFolders() throws {
        let error = #expect(throws: PackageError.self) {
            try PackageLayout(paths: ["a/users.csv", "b/orgs.csv"], container: "zip", path: "p.zip")
        }
        #expect(error?.code == "package.no-csv-files")
        #expect(error?.description == "zip has no CSV files at its root or in one top-level folder (found a/, b/)")
    }

    @Test func emptyZip() throws {
        let error = #expect(throws: PackageError.self) {
            try PackageLayout(paths: ["readme.txt"], container: "zip", path: "p.zip")
        }
        #expect(error?.description == "zip has no CSV files at its root or in one top-level folder")
    }

    @Test func namesDifferingInCase() throws {
        let error = #expect(throws: PackageError.self) {
            try PackageLayout(paths: ["manifest.csv", "users.csv", "Users.csv"], container: "zip", path: "p.zip")
        }
        #expect(error?.code == "package.ambiguous-name")
        #expect(error?.description == "zip contains both Users.csv and users.csv; remove one of them")
    }

    @Test func rootAndFolderManifests() throws {
        let error = #expect(throws: PackageError.self) {
            try PackageLayout(paths: ["manifest.csv", "copy/manifest.csv"], container: "zip", path: "p.zip")
        }
        #expect(error?.description == "zip contains 2 manifest.csv files (./, copy/)")
    }

    @Test(arguments: ["__MACOSX/x/._users.csv", "._users.csv", "x/.DS_Store", ".DS_Store", "__MACOSX/manifest.csv"])
    func macOSMetadataDetected(path: String) {
        #expect(PackageLayout.isMacOSMetadata(path))
    }

    @Test func junkManifestNotCounted() throws {
        let layout = try PackageLayout(
            paths: ["manifest.csv", "__MACOSX/._manifest.csv", "__MACOSX/manifest.csv"], container: "zip",
            path: "p.zip")
        #expect(layout.manifest == "manifest.csv")
        #expect(layout.diagnostics.first?.message == "ignored 2 macOS metadata entries (__MACOSX/, ._*, .DS_Store)")
    }
}
