import CSSH
import Foundation

extension SFTPTransport {
    /// Writes `file` to `<remote dir>/<name>.partial`, then renames it to `<name>` and checks the size.
    func upload(file: String, remoteName: String, session: SSHSession) -> Result<Void, DeliveryFailure> {
        let finalPath = Self.remotePath(directory: destination.remoteDirectory, name: remoteName)
        let partialPath = finalPath + ".partial"
        guard let sftp = sftp_new(session.handle) else {
            return .failure(.transient(.remoteWriteFailed, "Could not open an SFTP channel: \(session.errorText)"))
        }
        defer { sftp_free(sftp) }
        guard sftp_init(sftp) == SSH_OK else {
            return .failure(failure(step: "start SFTP", path: finalPath, sftp: sftp, session: session))
        }

        if let failure = write(file: file, to: partialPath, sftp: sftp, session: session) {
            _ = sftp_unlink(sftp, partialPath)
            return .failure(failure)
        }
        if sftp_rename(sftp, partialPath, finalPath) != SSH_OK {
            // SFTP version 3 (OpenSSH) refuses to rename over an existing file, and libssh 0.10 cannot send
            // OpenSSH's posix-rename extension. NOTE: so an older file is removed first, and for a moment no
            // file has the final name; a partial file never has it.
            guard sftp_unlink(sftp, finalPath) == SSH_OK, sftp_rename(sftp, partialPath, finalPath) == SSH_OK else {
                let failure = failure(step: "rename '\(partialPath)' to", path: finalPath, sftp: sftp, session: session)
                _ = sftp_unlink(sftp, partialPath)
                return .failure(failure)
            }
        }
        return verifySize(of: file, at: finalPath, sftp: sftp, session: session)
    }

    private func write(file: String, to path: String, sftp: sftp_session, session: SSHSession) -> DeliveryFailure? {
        let input = open(file, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else {
            return .permanent(
                .sourceUnreadable, "Could not open package file '\(file)': \(String(cString: strerror(errno)))")
        }
        defer { close(input) }
        guard let remote = sftp_open(sftp, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644) else {
            return failure(step: "create", path: path, sftp: sftp, session: session)
        }
        // OpenSSH's SFTP server accepts writes of up to 256 KiB; 32 KiB is what libssh itself sends per request.
        let chunkSize = 32 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(input, buffer, chunkSize)
            if count < 0 {
                if errno == EINTR { continue }
                _ = sftp_close(remote)
                return .permanent(
                    .sourceUnreadable, "Could not read package file '\(file)': \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            var written = 0
            while written < count {
                let result = sftp_write(remote, buffer + written, count - written)
                guard result > 0 else {
                    let failure = failure(step: "write", path: path, sftp: sftp, session: session)
                    _ = sftp_close(remote)
                    return failure
                }
                written += result
            }
        }
        guard sftp_close(remote) == SSH_OK else {
            return failure(step: "close", path: path, sftp: sftp, session: session)
        }
        return nil
    }

    private func verifySize(of file: String, at path: String, sftp: sftp_session, session: SSHSession) -> Result<
        Void, DeliveryFailure
    > {
        let expected = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.uint64Value
        guard let attributes = sftp_stat(sftp, path) else {
            return .failure(failure(step: "stat", path: path, sftp: sftp, session: session))
        }
        defer { sftp_attributes_free(attributes) }
        let size = attributes.pointee.size
        if let expected, size != expected {
            return .failure(
                .transient(
                    .remoteWriteFailed,
                    "Remote file '\(path)' has \(size) bytes after upload but the package has \(expected) bytes"))
        }
        return .success(())
    }

    /// Classifies an SFTP failure: denied and missing paths are permanent, a broken connection may pass.
    private func failure(step: String, path: String, sftp: sftp_session, session: SSHSession) -> DeliveryFailure {
        let hostName = KnownHosts.hostName(host: destination.host, port: destination.port)
        let status = sftp_get_error(sftp)
        switch status {
        case SSH_FX_PERMISSION_DENIED:
            return .permanent(
                .remoteWriteFailed,
                "Could not \(step) '\(path)' on \(hostName): permission denied for user '\(destination.user)'")
        case SSH_FX_NO_SUCH_FILE, SSH_FX_NO_SUCH_PATH:
            return .permanent(
                .remoteWriteFailed,
                "Could not \(step) '\(path)' on \(hostName): no such file or directory; check that remote directory "
                    + "'\(destination.remoteDirectory)' exists")
        default:
            let detail = session.errorText
            if detail.lowercased().contains("timeout") || detail.lowercased().contains("timed out") {
                return .transient(.timedOut, "Could not \(step) '\(path)' on \(hostName): timed out (\(detail))")
            }
            return .transient(
                .remoteWriteFailed, "Could not \(step) '\(path)' on \(hostName): SFTP status \(status), \(detail)")
        }
    }
}
