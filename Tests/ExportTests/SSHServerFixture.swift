import Foundation
import TestFixtures
import Testing

/// Host and client keys made once with ssh-keygen for every SFTP test: A and B are ed25519, R is RSA 3072.
struct SSHKeys: Sendable {
    let folder: String
    var hostA: String { folder + "/host_a" }
    var hostB: String { folder + "/host_b" }
    var hostR: String { folder + "/host_r" }
    var client: String { folder + "/client" }

    /// The keys, or why they could not be made (for example ssh-keygen missing).
    static let shared: Result<SSHKeys, FixtureError> = {
        let folder = NSTemporaryDirectory() + "rollbook-ssh-keys-\(getpid())"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let keys = SSHKeys(folder: folder)
            for (path, arguments) in [
                (keys.hostA, ["-t", "ed25519"]), (keys.hostB, ["-t", "ed25519"]),
                (keys.hostR, ["-t", "rsa", "-b", "3072"]),
                (keys.client, ["-t", "ed25519"]),
            ] where !FileManager.default.fileExists(atPath: path) {
                try runTool("/usr/bin/ssh-keygen", ["-q", "-N", "", "-C", "rollbook-test", "-f", path] + arguments)
            }
            return .success(keys)
        } catch let error as FixtureError {
            return .failure(error)
        } catch {
            return .failure(FixtureError("\(error)"))
        }
    }()

    /// Returns the `type base64` part of a public key file.
    static func publicKeyLine(_ privateKeyPath: String) throws -> String {
        let text = try String(contentsOfFile: privateKeyPath + ".pub", encoding: .utf8)
        return text.split(separator: " ").prefix(2).joined(separator: " ")
    }
}

/// Whether OpenSSH's server is installed; SFTP tests are skipped with this message when it is not.
let sshdPath = "/usr/sbin/sshd"
let sshdMissing = !FileManager.default.isExecutableFile(atPath: sshdPath)

/// An OpenSSH sshd on 127.0.0.1 and a free port, with SFTP and key login for the current user.
final class SSHServer {
    let port: Int
    let folder: TemporaryFolder
    let dropFolder: String
    private let process: ServerProcess

    /// Starts sshd presenting `hostKey` with `hostKeyAlgorithms` (nil leaves sshd's default list).
    init(hostKey: String, hostKeyAlgorithms: String? = nil, keys: SSHKeys) throws {
        folder = try TemporaryFolder()
        port = try freeLoopbackPort()
        dropFolder = folder.file("drop")
        try FileManager.default.createDirectory(atPath: dropFolder, withIntermediateDirectories: true)
        try folder.write("authorized_keys", SSHKeys.publicKeyLine(keys.client) + "\n")
        if getuid() == 0 && !FileManager.default.fileExists(atPath: "/run/sshd") {
            // sshd started by root needs its privilege separation folder, which the ssh service usually makes.
            try FileManager.default.createDirectory(
                atPath: "/run/sshd", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        }
        var config = [
            "ListenAddress 127.0.0.1:\(port)",
            "HostKey \(hostKey)",
            "PidFile none",
            "AuthorizedKeysFile \(folder.file("authorized_keys"))",
            "StrictModes no",
            "UsePAM no",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password",
            "Subsystem sftp internal-sftp",
            "LogLevel DEBUG1",
        ]
        if let hostKeyAlgorithms { config.append("HostKeyAlgorithms \(hostKeyAlgorithms)") }
        let configPath = try folder.write("sshd_config", config.joined(separator: "\n") + "\n")

        process = try ServerProcess(
            executable: sshdPath, arguments: ["-D", "-e", "-f", configPath], logFile: folder.file("sshd.log"))
        guard waitForListener(port: port, timeout: 5) else {
            process.stop()
            let log = (try? String(contentsOfFile: folder.file("sshd.log"), encoding: .utf8)) ?? ""
            throw FixtureError("sshd did not listen on 127.0.0.1:\(port) within 5 s: \(log)")
        }
    }

    deinit {
        process.stop()
    }

    /// The sshd log, for failure messages.
    var log: String {
        (try? String(contentsOfFile: folder.file("sshd.log"), encoding: .utf8)) ?? ""
    }
}
