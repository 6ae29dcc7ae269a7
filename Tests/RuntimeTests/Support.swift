import Foundation
import Testing

/// Paths of the package under test and of the shared test data beside it.
enum Paths {
    /// The package root: three levels above this file.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The shared folder of real-world cases and samples, when it is there.
    static let shared = (root as NSString).appendingPathComponent("../shared")

    static func sharedPath(_ relative: String) -> String? {
        let path = ((shared as NSString).appendingPathComponent(relative) as NSString).standardizingPath
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// The `rollbook` executable built next to the test bundle.
    static var executable: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0])
        var directory = bundle.deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("rollbook").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return (root as NSString).appendingPathComponent(".build/debug/rollbook")
    }
}

/// The output of one `rollbook` process.
struct ProcessOutput {
    var status: Int32
    var stdout: String
    var stderr: String

    /// The `--json` document's first run.
    var firstRun: [String: Any]? {
        guard let data = stdout.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let runs = object["runs"] as? [[String: Any]]
        else { return nil }
        return runs.first
    }

    var diagnostics: [[String: Any]] { firstRun?["diagnostics"] as? [[String: Any]] ?? [] }

    func findings(rule: String) -> [[String: Any]] {
        diagnostics.filter { $0["rule"] as? String == rule }
    }

    func count(_ entity: String, _ kind: String) -> Int? {
        (firstRun?["counts"] as? [String: [String: Int]])?[entity]?[kind]
    }
}

/// Runs the rollbook executable and waits for it, at most `timeout` seconds.
func runRollbook(_ arguments: [String], in directory: String? = nil, timeout: TimeInterval = 120) throws
    -> ProcessOutput
{
    try runProgram(Paths.executable, arguments, in: directory, timeout: timeout)
}

/// Runs a program with `input` on its standard input (none when nil) and waits for it, at most `timeout` seconds.
func runProgram(
    _ executable: String, _ arguments: [String], in directory: String? = nil, input: String? = nil,
    timeout: TimeInterval = 120
) throws -> ProcessOutput {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let output = Pipe()
    let errors = Pipe()
    let feed = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = input == nil ? FileHandle.nullDevice : feed
    try process.run()
    if let input {
        feed.fileHandleForWriting.write(Data(input.utf8))
        try feed.fileHandleForWriting.close()
    }
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(10_000) }
    if process.isRunning {
        process.terminate()
        let name = (executable as NSString).lastPathComponent
        Issue.record("\(name) \(arguments.joined(separator: " ")) did not finish in \(timeout) s")
    }
    process.waitUntilExit()
    return ProcessOutput(
        status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
        stderr: String(decoding: errorData, as: UTF8.self))
}

/// A temporary folder removed when the value is released.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("rollbook-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String {
        (path as NSString).appendingPathComponent(name)
    }

    /// Writes a config.lua with one district per (id, package path) and returns its path.
    @discardableResult
    func writeConfig(
        districts: [(id: String, path: String)], connector: String = "oneroster_csv", settings: String = "",
        extra: String = "",
        connectorsDirectory: String = (Paths.root as NSString).appendingPathComponent("connectors")
    ) throws -> String {
        var text = "store = \"\(file("rollbook.sqlite"))\"\nconnectors_dir = \"\(connectorsDirectory)\"\n"
        text += "districts = {\n"
        for district in districts {
            text +=
                "  { id = \"\(district.id)\", connector = \"\(connector)\", settings = { path = \"\(district.path)\", \(settings) }\(extra) },\n"
        }
        text += "}\n"
        let path = file("config.lua")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

extension ProcessOutput: CustomStringConvertible {
    /// A short form for failure messages: the status, standard error and the start of standard output.
    var description: String {
        "exit \(status); stderr: \(stderr.prefix(500)); stdout: \(stdout.prefix(500))"
    }
}
