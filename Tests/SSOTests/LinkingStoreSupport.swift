import Foundation
import OneRoster
import Store
import Synchronization
import Testing

@testable import SSO

/// A snapshot store file in a fresh temp folder, removed when the value is released.
final class LinkingStoreFile {
    let folder: URL
    /// The store file's path.
    let path: String

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("rollbook-links-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent("store.sqlite").path
    }

    /// Commits `users` as the district's whole users file, through a sync run as the service stores them.
    func commitUsers(district: String, _ users: [Record]) throws {
        let store = try SnapshotStore(path: path)
        let run = try store.beginRun(district: district, kind: .sync)
        let writer = try store.writeSnapshot(district: district, runId: run)
        try writer.replaceEntity(.users)
        for user in users { try writer.upsert(user) }
        try writer.commit()
    }

    /// Commits a case's users.csv, read by the OneRoster CSV reader with its header naming the columns.
    func commitUsers(district: String, csv file: URL) throws {
        let reader = CSVReader(source: try FileByteSource(path: file.path), fileName: file.lastPathComponent)
        let header = try #require(try reader.readRow())
        var users: [Record] = []
        while let row = try reader.readRow() {
            var record = Record(entity: .users)
            for (name, value) in zip(header, row) where !value.isEmpty {
                record[name] = value
            }
            users.append(record)
        }
        try commitUsers(district: district, users)
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }
}

/// Returns a users record with the fields that linking reads.
func rosterRecord(
    _ sourcedId: String, username: String, email: String? = nil, userIds: String? = nil, status: String = "active"
) -> Record {
    var record = Record(entity: .users)
    record["sourcedId"] = sourcedId
    record["status"] = status
    record["enabledUser"] = "true"
    record["orgSourcedIds"] = "sch-1"
    record["role"] = "teacher"
    record["username"] = username
    record["email"] = email
    record["userIds"] = userIds
    record["givenName"] = "Ada"
    record["familyName"] = "Finch"
    return record
}

/// A link store that hides stored links from the first lookups, as if another login saved its link between this
/// login's check and its save.
final class LateLinkStore: LinkStore {
    private let store: StoreLinkStore
    private let hiddenLookups = Mutex(0)

    init(_ store: StoreLinkStore, hiding count: Int) {
        self.store = store
        hiddenLookups.withLock { $0 = count }
    }

    private func isHidden() -> Bool {
        hiddenLookups.withLock { count in
            guard count > 0 else { return false }
            count -= 1
            return true
        }
    }

    func link(district: String, key: LinkKey) throws -> StoredLink? {
        isHidden() ? nil : try store.link(district: district, key: key)
    }

    func link(district: String, providerID: String, userSourcedId: String) throws -> StoredLink? {
        isHidden() ? nil : try store.link(district: district, providerID: providerID, userSourcedId: userSourcedId)
    }

    func save(_ link: StoredLink) throws {
        try store.save(link)
    }
}
