import Foundation
import OneRoster
import Store
import Testing

private let deltaFixture = (Paths.root as NSString).appendingPathComponent(
    "connectors/sis/fixtures/oneroster-api-district")

/// Returns one column of a stored record of district `d1`, or an empty text when it is blank or absent.
private func storedValue(_ directory: TemporaryDirectory, _ table: String, _ id: String, _ column: String) throws
    -> String
{
    try sqlite(
        directory.file("rollbook.sqlite"),
        "SELECT ifnull(\"\(column)\", '') FROM \"\(table)\" WHERE district = 'd1' AND sourcedId = '\(id)'")
}

/// Returns the saved `ctx.state` of district `d1` as JSON text, or an empty text when there is none.
private func savedState(_ directory: TemporaryDirectory) throws -> String {
    try sqlite(directory.file("rollbook.sqlite"), "SELECT state FROM connector_state WHERE district = 'd1'")
}

/// Returns every stored record of the district as entity/sourcedId/hash.
private func storedHashes(_ directory: TemporaryDirectory) throws -> [String] {
    let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
    var rows: [String] = []
    for entity in Entity.allCases {
        try store.forEachHash(district: "d1", entity: entity) { id, hash in
            rows.append("\(entity.rawValue)/\(id)/\(hash)")
        }
    }
    return rows
}

/// Returns a fixture collection as a list of JSON objects.
private func fixtureRecords(_ entity: String) throws -> [[String: Any]] {
    let data = try Data(contentsOf: URL(fileURLWithPath: "\(deltaFixture)/\(entity).json"))
    let document = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    return document?[entity] as? [[String: Any]] ?? []
}

/// The fixture district with filtering on, with `collections` replacing fixture collections.
private func deltaScenario(collections: [String: Any] = [:], faults: [[String: Any]] = []) -> [String: Any] {
    [
        "client_id": "rollbook-test", "client_secret": "s3cret", "data_dir": deltaFixture, "total_count": true,
        "filter_changed": true, "collections": collections, "faults": faults,
    ]
}

/// Starts a provider for `scenario` and runs `rollbook sync --json` with incremental reads.
private func syncIncremental(_ directory: TemporaryDirectory, scenario: [String: Any]) throws
    -> (ProcessOutput, OneRosterAPIServer)
{
    let server = try OneRosterAPIServer(scenario: scenario, directory: directory)
    let config = try writeOneRosterAPIConfig(
        directory, server: server, settings: "page_size = 2, retries = 0, incremental = true")
    // Removing one of four enrollments is over the standard safety limit, which would hold the run.
    let text = try String(contentsOfFile: config, encoding: .utf8)
    try text.replacingOccurrences(of: "{ id = \"d1\",", with: "{ id = \"d1\", safety = { removed = 1, changed = 1 },")
        .write(toFile: config, atomically: true, encoding: .utf8)
    return (try runRollbook(["sync", "--config", config, "--json"], timeout: 60), server)
}

/// Returns the provider's changes: user u-2 renamed and enrollment e-4 marked deleted, both modified at `time`.
private func changedCollections(at time: String) throws -> [String: Any] {
    var users = try fixtureRecords("users")
    var enrollments = try fixtureRecords("enrollments")
    for index in users.indices where users[index]["sourcedId"] as? String == "u-2" {
        users[index]["givenName"] = "Bea"
        users[index]["dateLastModified"] = time
    }
    for index in enrollments.indices where enrollments[index]["sourcedId"] as? String == "e-4" {
        enrollments[index]["status"] = "tobedeleted"
        enrollments[index]["dateLastModified"] = time
    }
    return ["users": users, "enrollments": enrollments]
}

/// Returns an ISO 8601 UTC time `seconds` from now, with milliseconds as the fixture writes them.
private func isoTime(secondsFromNow seconds: TimeInterval) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date().addingTimeInterval(seconds))
}

/// Returns the `since` value of the saved state, or nil.
private func savedSince(_ directory: TemporaryDirectory) throws -> String? {
    let text = try savedState(directory)
    guard let data = text.data(using: .utf8), !text.isEmpty,
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    else { return nil }
    return object["since"] as? String
}

@Suite struct ConnectorOneRosterDeltaTests {
    @Test func incrementalRunAppliesChanges() throws {
        let directory = try TemporaryDirectory()
        let (first, firstServer) = try syncIncremental(directory, scenario: deltaScenario())
        #expect(first.status == 0, "\(first)")
        let firstGets = firstServer.requests.filter { $0.hasPrefix("GET ") }
        #expect(!firstGets.isEmpty)
        #expect(firstGets.allSatisfy { !$0.contains("filter=") }, "the first run reads everything")
        let since = try #require(try savedSince(directory))
        #expect(since.hasSuffix("Z"))

        let changed = try changedCollections(at: isoTime(secondsFromNow: 5))
        let (second, server) = try syncIncremental(directory, scenario: deltaScenario(collections: changed))
        #expect(second.status == 0, "\(second)")
        #expect(second.firstRun?["status"] as? String == "committed")
        // check(ctx) reads one record without a filter; sync reads one page per collection with it.
        let gets = server.requests.filter { $0.hasPrefix("GET ") && !$0.contains("limit=1&") }
        #expect(gets.count == 7, "one page per collection: \(gets)")
        let expectedFilter = "filter=dateLastModified%3E%27\(since.replacingOccurrences(of: ":", with: "%3A"))%27"
        for get in gets {
            #expect(get.contains(expectedFilter), "\(get)")
        }
        #expect(second.count("users", "accepted") == 1)
        #expect(second.count("enrollments", "accepted") == 1)
        #expect(second.count("orgs", "accepted") == nil)

        #expect(try storedValue(directory, "users", "u-2", "givenName") == "Bea")
        #expect(try storedValue(directory, "users", "u-1", "givenName") == "Ada")
        #expect(try storedValue(directory, "users", "u-3", "givenName") == "Chioma")
        #expect(try storedValue(directory, "enrollments", "e-4", "status") == "tobedeleted")
        #expect(try storedValue(directory, "enrollments", "e-1", "status") == "active")
        #expect(try storedValue(directory, "orgs", "s-110", "identifier") == "HH-110")
        let next = try #require(try savedSince(directory))
        #expect(next >= since)
    }

    @Test func failedIncrementalRunKeepsState() throws {
        let directory = try TemporaryDirectory()
        let (first, _) = try syncIncremental(directory, scenario: deltaScenario())
        #expect(first.status == 0, "\(first)")
        let before = try storedHashes(directory)
        let stateBefore = try savedState(directory)
        #expect(!stateBefore.isEmpty)

        let changed = try changedCollections(at: isoTime(secondsFromNow: 5))
        let fault: [String: Any] = ["entity": "enrollments", "request": 1, "kind": "status", "status": 500]
        let (failed, _) = try syncIncremental(
            directory, scenario: deltaScenario(collections: changed, faults: [fault]))
        #expect(failed.status == 2, "\(failed)")
        let error = failed.firstRun?["error"] as? String ?? failed.stderr
        #expect(error.contains("returned HTTP 500"), "\(error)")
        #expect(try storedHashes(directory) == before)
        #expect(try savedState(directory) == stateBefore)
        #expect(try storedValue(directory, "users", "u-2", "givenName") == "Bo")
    }
}
