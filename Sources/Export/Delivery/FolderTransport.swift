import Foundation

/// Copies a file into a local folder: write `<name>.partial`, fsync, rename over `<name>`, fsync the folder.
struct FolderTransport {
    let directory: String

    func deliver(file: String, remoteName: String) -> Result<Void, DeliveryFailure> {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            return .failure(
                .permanent(.folderWriteFailed, "Could not create delivery folder '\(directory)': \(errnoText(error))"))
        }
        let finalPath = (directory as NSString).appendingPathComponent(remoteName)
        let partialPath = finalPath + ".partial"

        if let failure = copyDurably(from: file, to: partialPath) {
            unlink(partialPath)
            return .failure(failure)
        }
        // rename(2) replaces an older file of the same name atomically: readers see the old or the new file.
        guard rename(partialPath, finalPath) == 0 else {
            let failure = writeFailure(step: "rename '\(partialPath)' to '\(finalPath)'", code: errno)
            unlink(partialPath)
            return .failure(failure)
        }
        let folder = open(directory, O_RDONLY | O_DIRECTORY)
        if folder >= 0 {
            // Makes the rename itself durable; a failure here leaves a complete file, so it is not reported.
            _ = fsync(folder)
            close(folder)
        }
        return .success(())
    }

    /// Copies `source` to `target` and fsyncs it; returns the failure, or nil on success.
    private func copyDurably(from source: String, to target: String) -> DeliveryFailure? {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else {
            return .permanent(
                .sourceUnreadable, "Could not open package file '\(source)': \(String(cString: strerror(errno)))")
        }
        defer { close(input) }
        let output = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard output >= 0 else { return writeFailure(step: "create '\(target)'", code: errno) }
        defer { close(output) }

        let bufferSize = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(input, buffer, bufferSize)
            if count < 0 {
                if errno == EINTR { continue }
                return .permanent(
                    .sourceUnreadable, "Could not read package file '\(source)': \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            var written = 0
            while written < count {
                let result = write(output, buffer + written, count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    return writeFailure(step: "write '\(target)'", code: errno)
                }
                written += result
            }
        }
        guard fsync(output) == 0 else { return writeFailure(step: "fsync '\(target)'", code: errno) }
        return nil
    }

    /// Classifies a failed file operation: missing rights and bad paths are permanent, others (disk full, I/O) may pass.
    private func writeFailure(step: String, code: Int32) -> DeliveryFailure {
        let message = "Could not \(step) in delivery folder: \(String(cString: strerror(code)))"
        switch code {
        case EACCES, EPERM, EROFS, ENOTDIR, EISDIR, ENAMETOOLONG, ELOOP:
            return .permanent(.folderWriteFailed, message)
        default:
            return .transient(.folderWriteFailed, message)
        }
    }
}

/// Returns the readable reason of a Foundation file error.
func errnoText(_ error: any Error) -> String {
    if let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError,
        underlying.domain == NSPOSIXErrorDomain
    {
        return String(cString: strerror(Int32(underlying.code)))
    }
    return (error as NSError).localizedDescription
}
