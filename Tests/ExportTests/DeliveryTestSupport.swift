import Foundation
import TestFixtures
import Testing

/// A temporary folder removed when the value is released.
final class TemporaryFolder: Sendable {
    let path: String

    init() throws {
        let template = NSTemporaryDirectory() + "rollbook-delivery-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard mkdtemp(&bytes) != nil else { throw FixtureError("mkdtemp failed: \(String(cString: strerror(errno)))") }
        path = String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String {
        (path as NSString).appendingPathComponent(name)
    }

    /// Writes `contents` to `name` and returns its path.
    @discardableResult
    func write(_ name: String, _ contents: String) throws -> String {
        let target = file(name)
        try contents.write(toFile: target, atomically: false, encoding: .utf8)
        return target
    }
}

/// Runs a command to completion and throws with its output when it fails.
///
/// The output goes through a temporary file, not a pipe: a server started at the same time by another test
/// inherits open descriptors, and an inherited pipe end would keep a read-to-end waiting for that server.
@discardableResult
func runTool(_ executable: String, _ arguments: [String]) throws -> String {
    let outputPath = NSTemporaryDirectory() + "rollbook-tool-\(UUID().uuidString).out"
    guard FileManager.default.createFile(atPath: outputPath, contents: nil),
        let output = FileHandle(forWritingAtPath: outputPath)
    else { throw FixtureError("could not create '\(outputPath)'") }
    defer { try? FileManager.default.removeItem(atPath: outputPath) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = output
    process.standardError = output
    try process.run()
    process.waitUntilExit()
    try output.close()
    let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    guard process.terminationStatus == 0 else {
        throw FixtureError("\(executable) \(arguments.joined(separator: " ")) failed: \(text)")
    }
    return text
}

/// Returns a TCP port on 127.0.0.1 that was free a moment ago.
func freeLoopbackPort() throws -> Int {
    let socketHandle = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socketHandle >= 0 else { throw FixtureError("socket failed") }
    defer { close(socketHandle) }
    var address = loopbackAddress(port: 0)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(socketHandle, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard bound == 0 else { throw FixtureError("bind failed") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketHandle, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

func loopbackAddress(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return address
}

/// Waits until something accepts TCP connections on 127.0.0.1:`port`, for at most `timeout` seconds.
func waitForListener(port: Int, timeout: Double) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        let socketHandle = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = loopbackAddress(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socketHandle, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        close(socketHandle)
        if connected == 0 { return true }
        usleep(50_000)
    }
    return false
}

/// A listener on 127.0.0.1 that accepts connections into its backlog and never sends a byte.
final class SilentListener {
    let port: Int
    private let socketHandle: Int32

    init() throws {
        let handle = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = loopbackAddress(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(handle, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(handle, 8) == 0 else {
            close(handle)
            throw FixtureError("silent listener failed")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(handle, $0, &length) }
        }
        socketHandle = handle
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit {
        close(socketHandle)
    }
}

/// A server process started with posix_spawn, its output appended to a log file.
///
/// Foundation's `Process` is not used for servers because it treats the closing of a descriptor it passes to
/// the child as the child's exit. sshd closes inherited descriptors at start, so `Process` would block in
/// waitpid on a running sshd and stall every other child of the test run (swift-corelibs-foundation in 6.3.1).
final class ServerProcess {
    let pid: pid_t

    init(executable: String, arguments: [String], logFile: String) throws {
        pid = try spawn(executable, arguments, logFile: logFile)
    }

    /// Sends SIGTERM, then SIGKILL when the process has not exited after two seconds, and reaps it.
    func stop() {
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(2)
        var status: Int32 = 0
        while Date() < deadline {
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }
}
