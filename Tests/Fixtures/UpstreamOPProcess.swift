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

    private let pid: pid_t
    /// The write end of the provider's stdin; closing it stops the provider.
    private var input: Int32
    public let port: Int
    private let directory: URL
    public var issuer: String { "http://127.0.0.1:\(port)" }

    /// Starts the provider with `users` (JSON mapping login names to their claims), the clients and the redirect
    /// URIs every client may use.
    ///
    /// It runs through posix_spawn rather than Foundation's `Process`, which stops reaping other children while a
    /// long-lived one runs. Both pipes are close-on-exec in this process, so no other child keeps stdin open.
    public init(users: String, clients: [Client], redirectURIs: [String], defaultUser: String? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("upstream-op-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let usersFile = directory.appendingPathComponent("users.json")
        try users.write(to: usersFile, atomically: true, encoding: .utf8)

        var arguments = ["/usr/bin/env", "python3", Self.script, usersFile.path]
        for client in clients { arguments += ["--client", client.id, client.secret, client.method] }
        for uri in redirectURIs { arguments += ["--redirect-uri", uri] }
        if let defaultUser { arguments += ["--default-user", defaultUser] }

        var stdinPipe: [Int32] = [-1, -1]
        var stdoutPipe: [Int32] = [-1, -1]
        guard pipe(&stdinPipe) == 0, pipe(&stdoutPipe) == 0 else {
            throw FixtureError("could not make pipes for upstream_op.py")
        }
        for descriptor in stdinPipe + stdoutPipe { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, "/usr/bin/env", &actions, nil, argv, environ)
        close(stdinPipe[0])
        close(stdoutPipe[1])
        defer { close(stdoutPipe[0]) }
        guard status == 0 else {
            close(stdinPipe[1])
            throw FixtureError("could not start upstream_op.py: \(String(cString: strerror(status)))")
        }
        pid = child
        input = stdinPipe[1]

        let line = Self.readLine(stdoutPipe[0], timeout: 20)
        guard let line, let port = Int(line) else {
            close(input)
            kill(child, SIGKILL)
            _ = try? waitForExit(child, timeout: 5, name: "upstream_op.py")
            throw FixtureError("upstream_op.py printed no port within 20 s (output '\(line ?? "")')")
        }
        self.port = port
    }

    /// Reads one line from `handle`, waiting at most `timeout` seconds in total.
    private static func readLine(_ descriptor: Int32, timeout: Double) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        var bytes: [UInt8] = []
        // Bounded by the deadline and by a 64-byte line.
        while bytes.count < 64 {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { return nil }
            var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&waiting, 1, Int32(remaining * 1000)) > 0 else { return nil }
            var byte: UInt8 = 0
            guard read(descriptor, &byte, 1) == 1 else { return nil }
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
        return nil
    }

    /// Closes the provider's stdin, waits up to 5 s for it to exit, then kills it.
    public func stop() {
        guard input >= 0 else { return }
        close(input)
        input = -1
        // Past the time limit, waitForExit kills and reaps it.
        _ = try? waitForExit(pid, timeout: 5, name: "upstream_op.py")
        try? FileManager.default.removeItem(at: directory)
    }

    deinit {
        stop()
    }
}
