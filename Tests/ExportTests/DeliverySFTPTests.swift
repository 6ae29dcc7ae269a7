import Foundation
import Testing

@testable import Export

/// Host key pinning over a real OpenSSH sshd on 127.0.0.1, row by row as in the SFTP host key scenario table.
@Suite(.enabled(if: !sshdMissing, "OpenSSH sshd is not installed at /usr/sbin/sshd; run .ci/install"))
struct DeliverySFTPTests {
    let keys: SSHKeys
    let workspace: TemporaryFolder
    let package: String

    init() throws {
        keys = try SSHKeys.shared.get()
        workspace = try TemporaryFolder()
        package = try workspace.write("strict-vendor.zip", "PK fake zip for the vendor drop\n")
    }

    private func destination(
        server: SSHServer, knownHosts: String, allowSHA1RSA: Bool = false, remoteDirectory: String? = nil
    ) -> SFTPDestination {
        SFTPDestination(
            host: "127.0.0.1", port: server.port, user: NSUserName(),
            remoteDirectory: remoteDirectory ?? server.dropFolder,
            privateKeyFile: keys.client, knownHostsFile: knownHosts, allowSHA1RSA: allowSHA1RSA, connectTimeout: 5,
            transferTimeout: 10)
    }

    private func pin(_ hostKey: String, as name: String) throws -> String {
        try workspace.write("known_hosts", "\(name) \(try SSHKeys.publicKeyLine(hostKey))\n")
    }

    private func fingerprint(_ hostKey: String) throws -> String {
        let output = try runTool("/usr/bin/ssh-keygen", ["-l", "-E", "sha256", "-f", hostKey + ".pub"])
        return String(output.split(separator: " ")[1])
    }

    private func send(
        _ destination: SFTPDestination, retry: RetryPolicy = RetryPolicy(maximumAttempts: 3, backoffBase: 0.05)
    )
        -> (DeliveryResult, [DeliveryLogEntry])
    {
        var entries: [DeliveryLogEntry] = []
        let result = deliver(file: package, remoteName: "strict-vendor.zip", to: .sftp(destination), retry: retry) {
            entries.append($0)
        }
        return (result, entries)
    }

    @Test func row1PinnedKeyDelivers() throws {
        let server = try SSHServer(hostKey: keys.hostA, keys: keys)
        let knownHosts = try pin(keys.hostA, as: "[127.0.0.1]:\(server.port)")
        let (result, _) = send(destination(server: server, knownHosts: knownHosts))
        #expect(result.delivered, "\(result.attempts.map(\.message)) \(server.log)")
        #expect(result.attempts.count == 1)
        let delivered = try String(contentsOfFile: server.dropFolder + "/strict-vendor.zip", encoding: .utf8)
        #expect(delivered == "PK fake zip for the vendor drop\n")
        #expect(!FileManager.default.fileExists(atPath: server.dropFolder + "/strict-vendor.zip.partial"))
        #expect(
            result.remoteLocation
                == "sftp://\(NSUserName())@127.0.0.1:\(server.port)\(server.dropFolder)/strict-vendor.zip")
    }

    @Test func row2ReplacedKeyIsRejected() throws {
        let server = try SSHServer(hostKey: keys.hostB, keys: keys)
        let knownHosts = try pin(keys.hostA, as: "[127.0.0.1]:\(server.port)")
        let (result, _) = send(destination(server: server, knownHosts: knownHosts))
        #expect(!result.delivered)
        #expect(result.attempts.count == 1)
        let attempt = try #require(result.attempts.first)
        #expect(attempt.code == "host_key_mismatch")
        #expect(!attempt.isTransient)
        #expect(attempt.message.contains("presented ssh-ed25519 \(try fingerprint(keys.hostB))"))
        #expect(attempt.message.contains("pins ssh-ed25519 \(try fingerprint(keys.hostA))"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: server.dropFolder).isEmpty)
    }

    @Test func row3MissingPinIsRejected() throws {
        let server = try SSHServer(hostKey: keys.hostA, keys: keys)
        let empty = try workspace.write("known_hosts", "# no keys yet\n")
        let (result, _) = send(destination(server: server, knownHosts: empty))
        let attempt = try #require(result.attempts.first)
        #expect(!result.delivered)
        #expect(result.attempts.count == 1)
        #expect(attempt.code == "host_key_not_pinned")
        #expect(attempt.message.contains("no pinned key for [127.0.0.1]:\(server.port)"))
        #expect(attempt.message.contains("the server presented ssh-ed25519 \(try fingerprint(keys.hostA))"))

        let (missingFile, _) = send(destination(server: server, knownHosts: workspace.file("absent_known_hosts")))
        let missingAttempt = try #require(missingFile.attempts.first)
        #expect(!missingFile.delivered)
        #expect(missingAttempt.code == "host_key_not_pinned")
        #expect(missingAttempt.message.contains("no pinned key for [127.0.0.1]:\(server.port)"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: server.dropFolder).isEmpty)
    }

    @Test func row4PortTwentyTwoPinIsRejected() throws {
        let server = try SSHServer(hostKey: keys.hostA, keys: keys)
        let knownHosts = try pin(keys.hostA, as: "127.0.0.1")
        let (result, _) = send(destination(server: server, knownHosts: knownHosts))
        let attempt = try #require(result.attempts.first)
        #expect(!result.delivered)
        #expect(result.attempts.count == 1)
        #expect(attempt.code == "host_key_not_pinned")
        #expect(attempt.message.contains("no pinned key for [127.0.0.1]:\(server.port)"))
        #expect(attempt.message.contains("line 1 pins '127.0.0.1', which applies to port 22 only"))
    }

    @Test func row5RSAWithSHA2Delivers() throws {
        let server = try SSHServer(hostKey: keys.hostR, hostKeyAlgorithms: "rsa-sha2-512,rsa-sha2-256", keys: keys)
        let knownHosts = try pin(keys.hostR, as: "[127.0.0.1]:\(server.port)")
        let (result, entries) = send(destination(server: server, knownHosts: knownHosts))
        #expect(result.delivered, "\(result.attempts.map(\.message)) \(server.log)")
        #expect(!entries.contains { $0.level == .warning })
        #expect(server.log.contains("kex: host key algorithm: rsa-sha2-512"))
        #expect(FileManager.default.fileExists(atPath: server.dropFolder + "/strict-vendor.zip"))
    }

    @Test func row6SHA1OnlyServerIsRejected() throws {
        let server = try SSHServer(hostKey: keys.hostR, hostKeyAlgorithms: "ssh-rsa", keys: keys)
        let knownHosts = try pin(keys.hostR, as: "[127.0.0.1]:\(server.port)")
        let (result, _) = send(destination(server: server, knownHosts: knownHosts))
        let attempt = try #require(result.attempts.first)
        #expect(!result.delivered)
        #expect(result.attempts.count == 1)
        #expect(attempt.code == "host_key_algorithm_rejected")
        #expect(!attempt.isTransient)
        #expect(attempt.message.contains("offers only ssh-rsa (SHA-1) signatures"))
        #expect(attempt.message.contains("allowSHA1RSA"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: server.dropFolder).isEmpty)
    }

    @Test func row6LegacyOptInDeliversWithWarning() throws {
        let server = try SSHServer(hostKey: keys.hostR, hostKeyAlgorithms: "ssh-rsa", keys: keys)
        let knownHosts = try pin(keys.hostR, as: "[127.0.0.1]:\(server.port)")
        let (result, entries) = send(destination(server: server, knownHosts: knownHosts, allowSHA1RSA: true))
        #expect(result.delivered, "\(result.attempts.map(\.message)) \(server.log)")
        let warning = try #require(entries.first { $0.level == .warning })
        #expect(warning.message == "accepted ssh-rsa (SHA-1) host key signature by legacy opt-in")
        #expect(warning.metadata["host"] == "[127.0.0.1]:\(server.port)")
        #expect(server.log.contains("kex: host key algorithm: ssh-rsa"))
    }

    @Test func legacyOptInStillPrefersSHA2() throws {
        let server = try SSHServer(hostKey: keys.hostR, keys: keys)
        let knownHosts = try pin(keys.hostR, as: "[127.0.0.1]:\(server.port)")
        let (result, entries) = send(destination(server: server, knownHosts: knownHosts, allowSHA1RSA: true))
        #expect(result.delivered, "\(result.attempts.map(\.message))")
        #expect(!entries.contains { $0.level == .warning })
    }

    @Test func hostKeyRefusalIsAttemptedOnce() throws {
        let server = try SSHServer(hostKey: keys.hostB, keys: keys)
        let knownHosts = try pin(keys.hostA, as: "[127.0.0.1]:\(server.port)")
        let (result, entries) = send(
            destination(server: server, knownHosts: knownHosts),
            retry: RetryPolicy(maximumAttempts: 5, backoffBase: 0.01))
        #expect(result.attempts.count == 1)
        #expect(entries.filter { $0.message == "delivery failed" }.count == 1)
        #expect(!entries.contains { $0.message == "delivery attempt failed, retrying" })
    }

    @Test func unknownClientKeyIsNotRetried() throws {
        let server = try SSHServer(hostKey: keys.hostA, keys: keys)
        try server.folder.write("authorized_keys", "")
        let knownHosts = try pin(keys.hostA, as: "[127.0.0.1]:\(server.port)")
        let (result, _) = send(destination(server: server, knownHosts: knownHosts))
        let attempt = try #require(result.attempts.first)
        #expect(result.attempts.count == 1)
        #expect(attempt.code == "authentication_failed")
        #expect(attempt.message.contains("rejected key login for user '\(NSUserName())'"))
    }

    @Test func refusedConnectionIsRetried() throws {
        let port = try freeLoopbackPort()
        let knownHosts = try pin(keys.hostA, as: "[127.0.0.1]:\(port)")
        let target = SFTPDestination(
            host: "127.0.0.1", port: port, user: NSUserName(), remoteDirectory: "drop", privateKeyFile: keys.client,
            knownHostsFile: knownHosts, connectTimeout: 2)
        var entries: [DeliveryLogEntry] = []
        let result = deliver(
            file: package, remoteName: "strict-vendor.zip", to: .sftp(target),
            retry: RetryPolicy(maximumAttempts: 3, backoffBase: 0.01, backoffMaximum: 0.05)
        ) { entries.append($0) }
        #expect(!result.delivered)
        #expect(result.attempts.count == 3)
        #expect(result.attempts.allSatisfy { $0.isTransient })
        #expect(result.attempts.allSatisfy { $0.code == "connection_failed" })
        #expect(entries.filter { $0.message == "delivery attempt failed, retrying" }.count == 2)
    }

    @Test func silentServerTimesOutWithinBound() throws {
        let listener = try SilentListener()
        let knownHosts = try pin(keys.hostA, as: "[127.0.0.1]:\(listener.port)")
        let target = SFTPDestination(
            host: "127.0.0.1", port: listener.port, user: NSUserName(), remoteDirectory: "drop",
            privateKeyFile: keys.client, knownHostsFile: knownHosts, connectTimeout: 1)
        let started = Date()
        let result = deliver(
            file: package, remoteName: "strict-vendor.zip", to: .sftp(target),
            retry: RetryPolicy(maximumAttempts: 10, backoffBase: 0.1, backoffMaximum: 0.1, totalTimeLimit: 2.5))
        let elapsed = Date().timeIntervalSince(started)
        #expect(!result.delivered)
        #expect(result.attempts.first?.code == "timed_out")
        #expect(result.attempts.first?.isTransient == true)
        #expect(result.attempts.count >= 2)
        #expect(elapsed < 4, "elapsed \(elapsed) s")
    }

    @Test func olderRemoteFileIsReplaced() throws {
        let server = try SSHServer(hostKey: keys.hostA, keys: keys)
        try "old package\n".write(toFile: server.dropFolder + "/strict-vendor.zip", atomically: false, encoding: .utf8)
        let knownHosts = try pin(keys.hostA, as: "[127.0.0.1]:\(server.port)")
        let (result, _) = send(destination(server: server, knownHosts: knownHosts))
        #expect(result.delivered, "\(result.attempts.map(\.message))")
        let delivered = try String(contentsOfFile: server.dropFolder + "/strict-vendor.zip", encoding: .utf8)
        #expect(delivered == "PK fake zip for the vendor drop\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: server.dropFolder) == ["strict-vendor.zip"])
    }

    @Test func missingRemoteDirectoryIsReported() throws {
        let server = try SSHServer(hostKey: keys.hostA, keys: keys)
        let knownHosts = try pin(keys.hostA, as: "[127.0.0.1]:\(server.port)")
        let (result, _) = send(
            destination(server: server, knownHosts: knownHosts, remoteDirectory: server.dropFolder + "/absent"))
        let attempt = try #require(result.attempts.first)
        #expect(result.attempts.count == 1)
        #expect(attempt.code == "remote_write_failed")
        #expect(attempt.message.contains("check that remote directory '\(server.dropFolder)/absent' exists"))
    }
}
