import Archive
import Foundation
import OneRoster
import Runtime
import Store
import Testing

/// CSV exports of app views: bulk then delta packages, the round trip through the SIS connector, the delivery
/// log and the disclosure audit.
@Suite struct AppExportTests {
    private let shaped = """
        return {
            name = "shaped",
            share = { roles = { "student", "teacher" }, fields = { users = { "email", "grades" } } },
            mask = { users = { familyName = "initial" } },
            user = function(user) user.username = user.email; return user end,
        }
        """

    private func folderExport(version: String = "1.1", mode: String = "delta") -> String {
        """
        { { name = "nightly", type = "csv", version = "\(version)", mode = "\(mode)",
            destination = { type = "folder", path = "out" } } }
        """
    }

    /// Lists the zip files in the export folder, oldest first.
    private func packages(_ setup: AppTestSetup) throws -> [String] {
        let folder = setup.directory.file("out")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        // Names are <app>-<district>-<kind>-<app run>-<time>.zip; the app run orders them.
        func run(_ name: String) -> Int { Int(name.split(separator: "-")[3]) ?? 0 }
        return names.filter { $0.hasSuffix(".zip") }.sorted { run($0) < run($1) }.map { folder + "/" + $0 }
    }

    /// Reads the text of one file in a zip.
    private func entry(_ name: String, in zip: String) throws -> String? {
        let archive = try ZipArchive(path: zip)
        guard let item = archive.entries.first(where: { $0.name == name }) else { return nil }
        let source = try archive.open(item)
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if count == 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: data, as: UTF8.self)
    }

    private func rows(_ text: String?) -> [String] {
        (text ?? "").split(separator: "\r\n").dropFirst().map(String.init)
    }

    @Test func firstDeliveryIsBulkThenDeltas() throws {
        let setup = try AppTestSetup()
        try setup.writeMapping(shaped)
        try setup.writeConfig(exports: folderExport())
        let first = try setup.sync()
        #expect(first.status == 0, "\(first)")
        let bulk = try #require(try packages(setup).first)
        #expect((bulk as NSString).lastPathComponent.hasPrefix("vendor-d-bulk-1-"))
        let manifest = try #require(try entry("manifest.csv", in: bulk))
        #expect(manifest.contains("file.users,bulk"))
        #expect(manifest.contains("file.demographics,absent"))
        let users = rows(try entry("users.csv", in: bulk))
        #expect(users.count == 5)
        #expect(users.contains("s-1,,,true,high,student,jsmith@example.org,,James,S****,,,jsmith@example.org,,,,10,"))

        // One student changes, another leaves the district.
        setup.district.users[0] = "s-1,,,true,high,student,jsmith,Jamie,Smith,jsmith@example.org,555-0101,10,g-1"
        setup.district.users.remove(at: 2)
        setup.district.enrollments.removeAll { $0.hasPrefix("e-4,") }
        try setup.rewritePackage()
        let second = try setup.sync()
        #expect(second.status == 0, "\(second)")
        let delta = try #require(try packages(setup).last)
        #expect((delta as NSString).lastPathComponent.hasPrefix("vendor-d-delta-2-"))
        let deltaManifest = try #require(try entry("manifest.csv", in: delta))
        #expect(deltaManifest.contains("file.users,delta"))
        #expect(deltaManifest.contains("file.enrollments,delta"))
        #expect(deltaManifest.contains("file.orgs,absent"))
        let changed = rows(try entry("users.csv", in: delta))
        #expect(changed.count == 2)
        let jamie = try #require(changed.first { $0.hasPrefix("s-1,") })
        #expect(jamie.hasPrefix("s-1,active,"))
        #expect(jamie.contains(",Jamie,S****,"))
        #expect(changed.contains { $0.hasPrefix("s-3,tobedeleted,") })
        #expect(rows(try entry("enrollments.csv", in: delta)).map { String($0.prefix(15)) } == ["e-4,tobedeleted"])

        // Nothing changed: no third package.
        #expect(try setup.sync().status == 0)
        #expect(try packages(setup).count == 2)
    }

    @Test(arguments: ["1.1", "1.2"])
    func exportedPackageReadsBackAsTheView(version: String) throws {
        let setup = try AppTestSetup()
        try setup.writeMapping(shaped)
        try setup.writeConfig(exports: folderExport(version: version, mode: "bulk"))
        #expect(try setup.sync().status == 0)
        let zip = try #require(try packages(setup).first)

        let copy = try TemporaryDirectory()
        let config = try copy.writeConfig(districts: [("copy", zip)])
        let read = try runRollbook(["sync", "--config", config, "--json"])
        #expect(read.status == 0, "\(read)")

        let view = try #require(
            try AppViewReader(store: SnapshotStore(path: setup.storePath), app: "vendor", district: "d"))
        let stored = try SnapshotStore(path: copy.file("rollbook.sqlite"))
        for entity in Entity.all(in: .v1p1) {
            var expected: [String: [String?]] = [:]
            try view.forEach(entity) { expected[$0.record.sourcedId] = comparable($0.record, version: version) }
            var actual: [String: [String?]] = [:]
            try stored.forEachRecord(district: "copy", entity: entity) {
                actual[$0.sourcedId] = comparable($0, version: version)
            }
            #expect(actual == expected, "\(entity.rawValue)")
        }
    }

    /// Returns the values a package of `version` carries, without the hub's own dateLastModified.
    private func comparable(_ record: Record, version: String) -> [String?] {
        let binding = OneRosterVersion(manifestValue: version) ?? .v1p1
        return Schema.columns(of: record.entity).enumerated().compactMap { index, column in
            guard column.versions.contains(binding), index != 2, index != 1 else { return nil }
            return record.value(at: index)
        }
    }

    @Test func auditListsWhatEachDeliveryDisclosed() throws {
        let setup = try AppTestSetup()
        try setup.writeMapping(shaped)
        try setup.writeConfig(exports: folderExport())
        #expect(try setup.sync().status == 0)

        let output = try runRollbook(["audit", "vendor", "--config", setup.config, "--json"])
        #expect(output.status == 0, "\(output)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        let entries = try #require(document["disclosures"] as? [[String: Any]])
        let users = try #require(entries.first { $0["entity"] as? String == "users" })
        #expect(users["records"] as? Int == 5)
        #expect(users["channel"] as? String == "csv:nightly")
        let fields = try #require(users["fields"] as? [String])
        #expect(fields.contains("email"))
        #expect(!fields.contains("phone"))
        #expect(!fields.contains("dateLastModified"))
        #expect(
            Set(entries.compactMap { $0["entity"] as? String }) == [
                "orgs", "academicSessions", "courses", "classes", "users", "enrollments",
            ])
        let deliveries = try #require(document["deliveries"] as? [[String: Any]])
        #expect(deliveries.first?["state"] as? String == "delivered")
        #expect(deliveries.first?["kind"] as? String == "bulk")
    }

    @Test func failedDeliveryIsLoggedAndRetried() throws {
        let setup = try AppTestSetup()
        try setup.writeMapping(shaped)
        try setup.writeConfig(exports: folderExport())
        // A file where the destination folder should be.
        try "not a folder".write(toFile: setup.directory.file("out"), atomically: true, encoding: .utf8)
        let failed = try setup.sync()
        #expect(failed.status == 4, "\(failed)")
        let delivery = try #require((AppTestSetup.app(failed)?["deliveries"] as? [[String: Any]])?.first)
        #expect(delivery["state"] as? String == "failed")
        #expect((delivery["message"] as? String)?.isEmpty == false)

        try FileManager.default.removeItem(atPath: setup.directory.file("out"))
        let retried = try setup.sync()
        #expect(retried.status == 0, "\(retried)")
        let again = try #require((AppTestSetup.app(retried)?["deliveries"] as? [[String: Any]])?.first)
        #expect(again["state"] as? String == "delivered")
        #expect(again["kind"] as? String == "bulk")
    }

    @Test func editedMappingSendsBulkAgain() throws {
        let setup = try AppTestSetup()
        try setup.writeMapping(shaped)
        try setup.writeConfig(exports: folderExport())
        #expect(try setup.sync().status == 0)
        try setup.writeMapping(shaped.replacingOccurrences(of: "\"initial\"", with: "\"redact\""))
        let second = try setup.sync()
        let delivery = try #require((AppTestSetup.app(second)?["deliveries"] as? [[String: Any]])?.first)
        #expect(delivery["kind"] as? String == "bulk")
        let zip = try #require(try packages(setup).last)
        #expect(rows(try entry("users.csv", in: zip)).contains { $0.contains(",James,***,") })
    }

    @Test func exportSendsOnlyWhatIsNew() throws {
        let setup = try AppTestSetup()
        try setup.writeMapping(shaped)
        try setup.writeConfig(exports: folderExport())
        #expect(try setup.sync().status == 0)

        let nothing = try runRollbook(["export", "vendor", "--config", setup.config])
        #expect(nothing.status == 0, "\(nothing)")
        #expect(nothing.stdout.contains("nothing new to deliver"), "\(nothing.stdout)")
        #expect(try packages(setup).count == 1)

        let bulk = try runRollbook(["export", "vendor", "--bulk", "--config", setup.config])
        #expect(bulk.status == 0, "\(bulk)")
        #expect(try packages(setup).count == 2)
    }

    @Test func newDestinationGetsBulk() throws {
        let setup = try AppTestSetup()
        try setup.writeMapping(shaped)
        try setup.writeConfig(exports: folderExport())
        #expect(try setup.sync().status == 0)

        try setup.writeConfig(
            exports: folderExport().replacingOccurrences(of: "path = \"out\"", with: "path = \"new\""))
        let moved = try setup.sync()
        let delivery = try #require((AppTestSetup.app(moved)?["deliveries"] as? [[String: Any]])?.first)
        #expect(delivery["kind"] as? String == "bulk")
        let names = try FileManager.default.contentsOfDirectory(atPath: setup.directory.file("new"))
        #expect(names.count == 1)
    }
}
