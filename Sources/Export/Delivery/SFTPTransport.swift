import CSSH
import Foundation

/// Uploads a file over SFTP: verify the pinned host key, log in with a key, write `<name>.partial`, rename.
struct SFTPTransport {
    let destination: SFTPDestination

    /// Joins the remote directory and the file name with one `/`.
    static func remotePath(directory: String, name: String) -> String {
        if directory.isEmpty || directory == "." { return name }
        return directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    func deliver(file: String, remoteName: String, log: DeliveryLogHandler) -> Result<Void, DeliveryFailure> {
        let hostName = KnownHosts.hostName(host: destination.host, port: destination.port)
        let knownHosts: KnownHosts
        switch readKnownHosts() {
        case .success(let parsed): knownHosts = parsed
        case .failure(let failure): return .failure(failure)
        }

        let session: SSHSession
        switch openVerifiedSession(knownHosts: knownHosts, log: log) {
        case .success(let verified): session = verified
        case .failure(let failure): return .failure(failure)
        }

        session.setTimeout(destination.transferTimeout)
        switch session.authenticate(
            privateKeyFile: destination.privateKeyFile, publicKeyFile: destination.publicKeyFile,
            passphrase: destination.passphrase)
        {
        case nil:
            break
        case .unreadableKey(let message)?:
            return .failure(.permanent(.authenticationFailed, message))
        case .rejected(let reason)?:
            if session.lastErrorIsFatal {
                return .failure(
                    .transient(.connectionFailed, "Connection to \(hostName) broke during login: \(reason)"))
            }
            return .failure(
                .permanent(
                    .authenticationFailed,
                    "Server \(hostName) rejected key login for user '\(destination.user)' with key "
                        + "'\(destination.privateKeyFile)'; add its public key to that user's authorized_keys"))
        }
        return upload(file: file, remoteName: remoteName, session: session)
    }

    /// Reads the destination's known_hosts file; a missing file means no key is pinned, which is rejected.
    private func readKnownHosts() -> Result<KnownHosts, DeliveryFailure> {
        let hostName = KnownHosts.hostName(host: destination.host, port: destination.port)
        guard let data = FileManager.default.contents(atPath: destination.knownHostsFile) else {
            return .failure(
                .permanent(
                    .hostKeyNotPinned,
                    "Host key rejected: no pinned key for \(hostName) because known_hosts file "
                        + "'\(destination.knownHostsFile)' is missing or unreadable; add the server's key, for "
                        + "example from 'ssh-keyscan -p \(destination.port) \(destination.host)' after checking its "
                        + "fingerprint with the server's operator"))
        }
        return .success(
            KnownHosts(text: String(decoding: data, as: UTF8.self), host: destination.host, port: destination.port))
    }
}
