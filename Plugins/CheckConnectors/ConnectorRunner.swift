import Foundation

/// Runs `rollbook connector run NAME --fixtures DIR --json` and reads the per-entity counts it prints.
struct ConnectorRunner {
    let binary: URL
    let packageDirectory: URL
    let workDirectory: URL
    let timeout: TimeInterval

    /// Runs the connector on one fixtures folder and returns its counts per entity.
    func run(_ fixture: ExpectedCounts.Fixture) throws -> [String: EntityCount] {
        let name = fixture.folder.lastPathComponent
        var arguments = [
            "connector", "run", fixture.expected.connector, "--fixtures", fixture.folder.path, "--json", "--limit", "1",
        ]
        if !fixture.expected.settings.isEmpty {
            let settings = workDirectory.appending(path: "settings-\(name).lua")
            try Data(settingsFile(fixture.expected.settings).utf8).write(to: settings)
            arguments += ["--settings", settings.path]
        }

        let output = workDirectory.appending(path: "run-\(name).json")
        let errors = workDirectory.appending(path: "run-\(name).err")
        // FileHandle(forWritingTo:) below reports a file that could not be made.
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        let outputHandle = try FileHandle(forWritingTo: output)
        let errorHandle = try FileHandle(forWritingTo: errors)
        defer {
            try? outputHandle.close()
            try? errorHandle.close()
        }

        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = packageDirectory
        var environment = ProcessInfo.processInfo.environment
        environment["ROLLBOOK_CONNECTORS"] = packageDirectory.appending(path: "connectors").path
        process.environment = environment
        process.standardOutput = outputHandle
        process.standardError = errorHandle
        try process.run()

        // Output goes to files, not pipes, so a large findings list cannot block the child while this loop waits.
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw CheckError("`rollbook \(arguments.joined(separator: " "))` timed out after \(Int(timeout)) s")
        }

        let text = try String(decoding: Data(contentsOf: output), as: UTF8.self)
        return try counts(fromJSON: text, status: process.terminationStatus, errorLog: errors)
    }

    /// Reads `entities` from the run's JSON output; a run that could not happen becomes an error with its message.
    private func counts(fromJSON text: String, status: Int32, errorLog: URL) throws -> [String: EntityCount] {
        let document = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        if let message = document?["error"] as? String {
            throw CheckError("the run failed (exit status \(status)): \(message)")
        }
        guard let entities = document?["entities"] as? [String: Any] else {
            let log = (try? String(decoding: Data(contentsOf: errorLog), as: UTF8.self)) ?? ""
            let detail = [text, log].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                .filter { !$0.isEmpty }.joined(separator: "\n")
            throw CheckError("the run printed no entity counts (exit status \(status)): \(detail)")
        }
        var counts: [String: EntityCount] = [:]
        for (entity, value) in entities {
            let fields = value as? [String: Any]
            guard let count = fields?["count"] as? Int, let rejected = fields?["rejected"] as? Int else {
                throw CheckError("the run's counts for '\(entity)' are not numbers: \(value)")
            }
            counts[entity] = EntityCount(count: count, rejected: rejected)
        }
        return counts
    }

    /// Returns a Lua settings file that returns the given settings as a table.
    private func settingsFile(_ settings: [String: SettingValue]) -> String {
        let entries = settings.keys.sorted().map { key in
            "    [\(SettingValue.string(key).luaLiteral)] = \(settings[key]?.luaLiteral ?? "nil"),"
        }
        return (["return {"] + entries + ["}", ""]).joined(separator: "\n")
    }
}
