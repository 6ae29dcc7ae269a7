import Foundation
import OneRoster
import Store

// Helpers that read what a connector test's sync stored for district `d1`.

/// Returns one column of a stored record of district `d1`, read with the sqlite3 shell.
func stored(_ directory: TemporaryDirectory, _ table: String, _ id: String, _ column: String) throws -> String {
    try sqlite(
        directory.file("rollbook.sqlite"),
        "SELECT ifnull(\"\(column)\", '') FROM \"\(table)\" WHERE district = 'd1' AND sourcedId = '\(id)'")
}

/// Returns the sorted sourcedIds stored for a table of district `d1`.
func storedIds(_ directory: TemporaryDirectory, _ table: String) throws -> [String] {
    let text = try sqlite(
        directory.file("rollbook.sqlite"),
        "SELECT sourcedId FROM \"\(table)\" WHERE district = 'd1' ORDER BY sourcedId")
    return text.split(separator: "\n").map(String.init)
}

/// Returns every stored record of district `d1` in the store at `path` as entity/sourcedId/hash, for before and
/// after comparisons.
func storedHashes(_ path: String) throws -> [String] {
    let store = try SnapshotStore(path: path)
    var rows: [String] = []
    for entity in Entity.allCases {
        try store.forEachHash(district: "d1", entity: entity) { id, hash in
            rows.append("\(entity.rawValue)/\(id)/\(hash)")
        }
    }
    return rows
}

/// Returns every stored record of district `d1` in the test's store as entity/sourcedId/hash.
func snapshotHashes(_ directory: TemporaryDirectory) throws -> [String] {
    try storedHashes(directory.file("rollbook.sqlite"))
}
