import Foundation
import TestFixtures
import Testing

/// A `rollbook serve` process started with posix_spawn, its JSON log lines appended to a file.
///
/// Foundation's `Process` is not used: while one of its children runs, another child that ended is not always
/// reaped on this toolchain, which would stall the curl calls the tests make meanwhile.
final class ServiceProcess {
    let pid: pid_t
    let logFile: String
    private(set) var port: UInt16 = 0
    private var exitStatus: Int32?

    /// Starts `rollbook serve --config CONFIG` and waits up to 20 seconds for its "service started" line.
    init(config: String, logFile: String, environment: [String: String] = [:]) throws {
        self.logFile = logFile
        var merged = ProcessInfo.processInfo.environment
        merged.merge(environment) { _, new in new }
        do {
            pid = try spawn(Paths.executable, ["serve", "--config", config], logFile: logFile, environment: merged)
        } catch {
            throw ServiceTestError("could not start rollbook serve: \(error)")
        }
        let started = try waitForLog(message: "service started", timeout: 20)
        guard let listen = started["listen"] as? String,
            let port = listen.split(separator: ":").last.flatMap({ UInt16($0) })
        else {
            throw ServiceTestError("the service started line has no port: \(started)")
        }
        self.port = port
    }

    deinit {
        if exitStatus == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Returns the log lines written so far, parsed as JSON objects.
    func logLines() -> [[String: Any]] {
        guard let text = try? String(contentsOfFile: logFile, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// Waits until a log line with `message` appears (after `skipping` earlier ones) and returns it.
    @discardableResult
    func waitForLog(message: String, skipping: Int = 0, timeout: TimeInterval) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let matches = logLines().filter { $0["message"] as? String == message }
            if matches.count > skipping { return matches[skipping] }
            if hasExited() { break }
            usleep(50_000)
        }
        let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        throw ServiceTestError("no log line '\(message)' within \(timeout) s; log:\n\(log.suffix(3000))")
    }

    func signal(_ number: Int32) {
        kill(pid, number)
    }

    /// Returns whether the process has ended, and reaps it when it has.
    func hasExited() -> Bool {
        if exitStatus != nil { return true }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            return true
        }
        return false
    }

    /// Waits up to `timeout` seconds for the process to end and returns its exit status, or nil if it did not.
    func waitForExit(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if hasExited() { return exitStatus }
            usleep(20_000)
        }
        return nil
    }
}

struct ServiceTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension CurlResponse {
    /// The body parsed as a JSON object, or nil.
    var json: [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
    }
}

/// Runs curl against the service and returns the response. `arguments` come before the URL.
func curl(_ url: String, _ arguments: [String] = []) throws -> CurlResponse {
    let output = try runProgram(
        "/usr/bin/curl", ["-s", "-S", "--max-time", "20", "-D", "-"] + arguments + [url], timeout: 30)
    guard output.status == 0 else {
        throw ServiceTestError("curl \(url) failed: \(output.stderr)")
    }
    let text = output.stdout
    // With -D - the headers come first, and a 100 Continue block may precede the final one.
    var rest = Substring(text)
    var response = CurlResponse(status: 0, headers: [:], body: "", seconds: 0)
    while rest.hasPrefix("HTTP/") {
        guard let end = rest.range(of: "\r\n\r\n") else { break }
        let block = rest[..<end.lowerBound].components(separatedBy: "\r\n")
        response.status = Int(block[0].split(separator: " ")[1]) ?? 0
        response.headers = [:]
        for line in block.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            response.headers[name] = response.headers[name].map { $0 + ", " + value } ?? value
        }
        rest = rest[end.upperBound...]
    }
    response.body = String(rest)
    return response
}

/// Runs a SQL statement on a store with the sqlite3 shell and returns its output.
func sqlite(_ database: String, _ sql: String) throws -> String {
    try runProgram("/usr/bin/sqlite3", [database, sql], timeout: 60).stdout.trimmingCharacters(
        in: .whitespacesAndNewlines)
}
