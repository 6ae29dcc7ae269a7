import Foundation
import OneRoster

@testable import Store

/// A fresh folder under the system temp directory, removed when the value is released.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("rollbook-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Returns the path of a store file in this folder.
    func path(_ name: String = "store.sqlite") -> String {
        url.appendingPathComponent(name).path
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}

func makeUser(_ sourcedId: String, givenName: String = "Ada", extensions: [Extension] = []) -> Record {
    var record = Record(entity: .users)
    record["sourcedId"] = sourcedId
    record["status"] = "active"
    record["enabledUser"] = "true"
    record["orgSourcedIds"] = "school-1"
    record["role"] = "student"
    record["username"] = sourcedId + "@example.org"
    record["givenName"] = givenName
    record["familyName"] = "Lovelace"
    record["grades"] = "05"
    record.extensions = extensions
    return record
}

func makeOrg(_ sourcedId: String, name: String) -> Record {
    var record = Record(entity: .orgs)
    record["sourcedId"] = sourcedId
    record["name"] = name
    record["type"] = "school"
    return record
}

/// Reads every record of an entity in a district, in sourcedId order.
func allRecords(_ store: SnapshotStore, district: String, entity: Entity) throws -> [Record] {
    var records: [Record] = []
    try store.forEachRecord(district: district, entity: entity) { records.append($0) }
    return records
}

/// Reads every row of an entity table as stored, hash included, for byte-for-byte comparisons.
func rawRows(_ store: SnapshotStore, entity: Entity) throws -> [[String?]] {
    let table = EntityTable.of(entity)
    let statement = try store.database.prepare(
        "SELECT district, \(table.selectRecordColumns), hash FROM \(table.name) ORDER BY district, \(table.columns[0])",
        cached: false)
    let columnCount = Int32(table.columns.count + 3)
    var rows: [[String?]] = []
    while try statement.step() {
        rows.append((0..<columnCount).map { statement.string(at: $0) })
    }
    return rows
}
