import Foundation

/// Runs the Python programs that drive headless Chromium, with `Tests/Fixtures/devtools_pipe.py` importable.
enum ChromiumDriverProcess {
    /// The folder with `devtools_pipe.py`, which each driver receives as its first argument.
    static let fixtures = Paths.root + "/Tests/Fixtures"

    /// Writes `script` to the file `name` in `folder`, runs it with `/usr/bin/python3` on the fixtures folder and then
    /// `arguments`, and returns its exit status and standard error.
    ///
    /// The driver's output goes to files, so no pipe stays open if Chromium outlives it. Python runs with `-B`, so it
    /// writes no `__pycache__` into the source tree. Throws when the driver does not finish within `timeout` seconds,
    /// after killing it.
    static func run(
        _ script: String, name: String, arguments: [String], in folder: TemporaryDirectory, timeout: TimeInterval
    ) throws -> (status: Int32, errors: String) {
        let scriptFile = folder.file(name)
        try script.write(toFile: scriptFile, atomically: true, encoding: .utf8)
        let errorFile = folder.file(name + ".errors.txt")
        guard FileManager.default.createFile(atPath: errorFile, contents: nil) else {
            throw ServiceTestError("failed to create the driver's error file '\(errorFile)'")
        }
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: errorFile))
        defer { try? errors.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-B", scriptFile, fixtures] + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw ServiceTestError(
                "the chromium driver '\(name)' did not finish within \(Int(timeout)) s and was killed")
        }
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOfFile: errorFile, encoding: .utf8)) ?? "")
    }
}
