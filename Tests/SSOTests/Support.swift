import Foundation
import Synchronization

@testable import SSO

/// A clock that tests set and advance by hand.
final class TestClock: Sendable {
    private let seconds: Mutex<Double>

    init(_ start: Double = 1_700_000_000) {
        seconds = Mutex(start)
    }

    func now() -> Date {
        Date(timeIntervalSince1970: seconds.withLock { $0 })
    }

    func advance(by delta: Double) {
        seconds.withLock { $0 += delta }
    }
}

/// Runs a short-lived tool to completion and returns its standard output and exit status.
///
/// Tools run one at a time. curl and Python get their own time limits so a hung server cannot stall the suite.
func runTool(_ path: String, _ arguments: [String]) throws -> (output: String, status: Int32) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (String(decoding: data, as: UTF8.self), process.terminationStatus)
}

/// The status, header fields and body of one HTTP response as curl printed it with `--include`.
struct CurlResponse {
    var status = 0
    var headers: [String: String] = [:]
    var body = ""

    init(_ output: String) {
        let sections = output.components(separatedBy: "\r\n\r\n")
        let head = sections.first ?? ""
        body = sections.dropFirst().joined(separator: "\r\n\r\n")
        for (index, line) in head.components(separatedBy: "\r\n").enumerated() {
            if index == 0 {
                status = Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
            } else if let colon = line.firstIndex(of: ":") {
                let name = line[..<colon].lowercased()
                headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
    }

    /// The body parsed as a JSON object, or an empty one.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }
}

/// Sends one request with curl to the loopback server and returns the parsed response.
func curl(_ arguments: [String]) throws -> CurlResponse {
    let result = try runTool(
        "/usr/bin/curl", ["--silent", "--include", "--max-time", "10", "--noproxy", "*"] + arguments)
    return CurlResponse(result.output)
}

/// Whether `python3` can import the OAuth 1.0a client library the signed-request tests drive.
let oauthlibAvailable: Bool = {
    guard let result = try? runTool("/usr/bin/env", ["python3", "-c", "import requests, requests_oauthlib"]) else {
        return false
    }
    return result.status == 0
}()

/// Makes a client whose secret hash uses the fewest accepted iterations, to keep tests fast.
func makeClient(
    id: String, secret: String? = nil, app: String = "codequest", district: String = "district-7",
    scopes: [String] = ["roster-core.readonly"], consumerSecret: String? = nil, allowsHMACSHA1: Bool = false
) throws -> APIClient {
    let hash = secret.map { SecretHash.make(secret: $0, iterations: SecretHash.minimumIterations) }
    return try APIClient(
        id: id, app: app, district: district, scopes: scopes, secretHash: hash, consumerSecret: consumerSecret,
        allowsHMACSHA1: allowsHMACSHA1)
}

/// The shared folder of case files: `<package root>/../shared`, or the same name one or two folders higher
/// when the package is a git worktree nested below the main checkout's parent.
func sharedFolder() -> URL {
    var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    for _ in 0..<3 {
        folder = folder.deletingLastPathComponent()
        let candidate = folder.appendingPathComponent("shared")
        if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("cases").path) { return candidate }
    }
    return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared")
}
