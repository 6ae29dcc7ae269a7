import Foundation
import OneRoster
import Store
import Testing

/// Kills `rollbook sync` with SIGKILL part way through and checks that the last good snapshot survives.
struct CrashSafetyTests {
    /// Generates a synthetic district with the benchmark generator.
    private func generate(users: Int, seed: Int, into path: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", (Paths.root as NSString).appendingPathComponent("bench/generate_district.py"),
            "--users", "\(users)", "--seed", "\(seed)", "--out", path,
        ]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "the generator failed")
    }

    /// Starts `rollbook sync` and kills it with SIGKILL after a random delay; returns the delay in seconds.
    private func killSync(
        config: String, trial: Int, generator: inout SystemRandomNumberGenerator
    ) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Paths.executable)
        process.arguments = ["sync", "--config", config]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let delay = Double.random(in: 0.05...1.2, using: &generator)
        usleep(useconds_t(delay * 1_000_000))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "trial \(trial) finished before the kill")
        return delay
    }

    private func hashes(_ store: SnapshotStore) throws -> [String] {
        var rows: [String] = []
        for entity in Entity.allCases {
            try store.forEachHash(district: "big", entity: entity) { id, hash in
                rows.append("\(entity.rawValue)/\(id)/\(hash)")
            }
        }
        return rows
    }

    @Test func killedSyncKeepsLastSnapshot() throws {
        let directory = try TemporaryDirectory()
        try generate(users: 20000, seed: 1, into: directory.file("day1"))
        try generate(users: 20000, seed: 2, into: directory.file("day2"))
        let config = try directory.writeConfig(districts: [("big", directory.file("day1"))])
        #expect(try runRollbook(["sync", "--config", config]).status == 0)
        let storePath = directory.file("rollbook.sqlite")
        let before = try hashes(try SnapshotStore(path: storePath))
        #expect(before.count > 200_000)

        // Another seed replaces every record, far over the default safety limit, so the limit is lifted.
        let nextDay = try directory.writeConfig(
            districts: [("big", directory.file("day2"))], extra: ", safety = { removed = 1 }")
        var generator = SystemRandomNumberGenerator()
        for trial in 1...4 {
            let delay = try killSync(config: nextDay, trial: trial, generator: &generator)

            let store = try SnapshotStore(path: storePath)
            #expect(try hashes(store) == before, "trial \(trial), killed after \(delay) s")
            #expect(try store.runs(district: "big").first?.status == .interrupted)
        }

        let output = try runRollbook(["sync", "--config", nextDay])
        #expect(output.status == 0, "\(output)")
        let after = try hashes(try SnapshotStore(path: storePath))
        let changed = after != before
        #expect(changed)
        #expect(after.count > 200_000)
    }

    @Test func killedFirstLoadLeavesNoRecords() throws {
        let directory = try TemporaryDirectory()
        try generate(users: 20000, seed: 3, into: directory.file("day1"))
        let config = try directory.writeConfig(districts: [("big", directory.file("day1"))])
        let storePath = directory.file("rollbook.sqlite")
        var generator = SystemRandomNumberGenerator()
        for trial in 1...3 {
            let delay = try killSync(config: config, trial: trial, generator: &generator)

            let store = try SnapshotStore(path: storePath)
            #expect(try hashes(store).isEmpty, "trial \(trial), killed after \(delay) s")
            #expect(try store.database.scalarText("PRAGMA journal_mode") == "wal")
        }
        let output = try runRollbook(["sync", "--config", config])
        #expect(output.status == 0, "\(output)")
        #expect(try hashes(try SnapshotStore(path: storePath)).count > 200_000)
    }
}

/// The progress line appears on a terminal during a long run, and the summary follows on a clean line.
@Test func progressLineOnTerminal() throws {
    let directory = try TemporaryDirectory()
    let generator = Process()
    generator.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    generator.arguments = [
        "python3", (Paths.root as NSString).appendingPathComponent("bench/generate_district.py"),
        "--users", "20000", "--seed", "4", "--out", directory.file("district"),
    ]
    generator.standardOutput = FileHandle.nullDevice
    try generator.run()
    generator.waitUntilExit()
    let config = try directory.writeConfig(districts: [("big", directory.file("district"))])

    // script(1) gives the command a pseudo-terminal, as an operator's shell would.
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
    process.arguments = ["-qec", "\(Paths.executable) sync --config \(config)", "/dev/null"]
    let output = Pipe()
    process.standardOutput = output
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(text.suffix(400))")
    #expect(text.contains("big: enrollments.csv "), "\(text.prefix(400))")
    #expect(text.contains("\r\u{1B}[KDistrict big (run 1): committed"), "\(text.suffix(400))")
}
