import Foundation
import Glibc

/// The pyop OpenID provider of `upstream_op.py`, started on 127.0.0.1 and stopped by `stop()`.
///
/// It approves the user that `login_hint` names, or `defaultUser` without a hint, without a login page. It stops
/// by itself when its stdin closes, so it does not outlive a test process that crashes.
public final class UpstreamOPProcess {
    /// One registered client: its id, its secret, and `client_secret_basic` or `client_secret_post`.
    public struct Client: Sendable {
        public var id: String
        public var secret: String
        public var method: String

        public init(id: String, secret: String, method: String) {
            self.id = id
            self.secret = secret
            self.method = method
        }
    }

    /// Whether `python3` can import pyop.
    public static let isAvailable: Bool = {
        guard let pid = try? spawn("/usr/bin/env", ["python3", "-c", "import pyop"], logFile: "/dev/null"),
            let status = try? waitForExit(pid, timeout: 30, name: "python3")
        else { return false }
        return status == 0
    }()

    /// The path of `upstream_op.py`.
    public static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("upstream_op.py").path

    private let process = Process()
    private let input = Pipe()
    public let port: Int
    private let directory: URL
    public var issuer: String { "http://127.0.0.1:\(port)" }

    /// Starts the provider with `users` (JSON mapping login names to their claims), the clients and the redirect
    /// URIs every client may use.
    public init(users: String, clients: [Client], redirectURIs: [String], defaultUser: String? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("upstream-op-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let usersFile = directory.appendingPathComponent("users.json")
        try users.write(to: usersFile, atomically: true, encoding: .utf8)

        var arguments = ["python3", Self.script, usersFile.path]
        for client in clients { arguments += ["--client", client.id, client.secret, client.method] }
        for uri in redirectURIs { arguments += ["--redirect-uri", uri] }
        if let defaultUser { arguments += ["--default-user", defaultUser] }
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()

        let line = Self.readLine(output.fileHandleForReading, timeout: 20)
        guard let line, let port = Int(line) else {
            process.terminate()
            throw FixtureError("upstream_op.py printed no port within 20 s (output '\(line ?? "")')")
        }
        self.port = port
    }

    /// Reads one line from `handle`, waiting at most `timeout` seconds in total.
    private static func readLine(_ handle: FileHandle, timeout: Double) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        var bytes: [UInt8] = []
        // Bounded by the deadline and by a 64-byte line.
        while bytes.count < 64 {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { return nil }
            var descriptor = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, Int32(remaining * 1000)) > 0 else { return nil }
            var byte: UInt8 = 0
            guard read(handle.fileDescriptor, &byte, 1) == 1 else { return nil }
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
        return nil
    }

    /// Closes the provider's stdin, waits up to 5 s for it to exit, then sends SIGTERM.
    public func stop() {
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline {
            usleep(20_000)
        }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
