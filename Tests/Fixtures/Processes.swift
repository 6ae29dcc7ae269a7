import Foundation
import Glibc

/// A test setup failure, such as a tool that did not start or a server that did not listen.
public struct FixtureError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Starts `executable` with posix_spawn, its output appended to `logFile`, and returns its process id.
///
/// `environment` replaces the test process's environment when it is given. Servers start this way rather than
/// with Foundation's `Process`, which stops reaping other children while a long-lived one runs.
public func spawn(
    _ executable: String, _ arguments: [String], logFile: String, environment: [String: String]? = nil
) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, logFile, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
    defer {
        for argument in argv { free(argument) }
        for entry in envp ?? [] { free(entry) }
    }
    var child: pid_t = 0
    let status =
        if var envp {
            posix_spawn(&child, executable, &actions, nil, argv, &envp)
        } else {
            posix_spawn(&child, executable, &actions, nil, argv, environ)
        }
    guard status == 0 else {
        throw FixtureError("could not start \(executable): \(String(cString: strerror(status)))")
    }
    return child
}

/// Waits up to `timeout` seconds for `pid` to exit and returns its exit status, or kills it and throws.
@discardableResult
public func waitForExit(_ pid: pid_t, timeout: Double, name: String) throws -> Int32 {
    let deadline = Date().addingTimeInterval(timeout)
    var status: Int32 = 0
    while Date() < deadline {
        if waitpid(pid, &status, WNOHANG) == pid { return (status >> 8) & 0xff }
        usleep(5_000)
    }
    kill(pid, SIGKILL)
    waitpid(pid, &status, 0)
    throw FixtureError("\(name) did not finish within \(timeout) s")
}

/// Runs a short tool to completion within `timeout` seconds and throws when it fails.
public func runChecked(_ executable: String, _ arguments: [String], in folder: String, timeout: Double = 30) throws {
    let log = folder + "/tools.log"
    let pid = try spawn(executable, arguments, logFile: log)
    let status = try waitForExit(pid, timeout: timeout, name: executable)
    guard status == 0 else {
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        throw FixtureError("\(executable) \(arguments.joined(separator: " ")) exited with \(status): \(output)")
    }
}

/// Returns a TCP port on 127.0.0.1 that was free a moment ago.
public func freeLoopbackTCPPort() throws -> Int {
    let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socketFD >= 0 else { throw FixtureError("socket() failed") }
    defer { close(socketFD) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(socketFD, pointer, length) == 0 && getsockname(socketFD, pointer, &length) == 0
        }
    }
    guard bound else { throw FixtureError("could not bind a free port on 127.0.0.1") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Polls 127.0.0.1:`port` for at most `timeout` seconds and returns whether a TCP connection succeeded.
public func waitForLoopbackListener(port: Int, timeout: Double) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        close(socketFD)
        if connected { return true }
        usleep(20_000)
    }
    return false
}
