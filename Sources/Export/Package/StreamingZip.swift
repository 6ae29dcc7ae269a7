import CZip
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A zip written on a thread of its own while a package's files are produced, so that deflating overlaps with
/// reading the store and formatting CSV, on two cores.
///
/// Each entry reads from a pipe: the package writer writes a file's bytes into the pipe's write end, and libzip
/// deflates them as they arrive, entry after entry in the order given. The manifest comes last, because it is
/// written when the package is finished. The zip is written to `<path>.partial` and renamed when complete.
final class StreamingZip: @unchecked Sendable {
    let path: String
    /// The entry names, the manifest included, in zip order.
    let names: [String]
    /// Write ends by entry name, until the writer takes them.
    private var writeEnds: [String: Int32] = [:]
    private let lock = NSLock()
    private let finished = DispatchSemaphore(value: 0)
    private var failure: String?

    /// Starts the zip of `names`, then `manifest.csv`, deflated at `level`.
    init(path: String, names: [String], level: Int) throws(PackageWriterError) {
        self.path = path
        self.names = names + ["manifest.csv"]
        // A write into a pipe whose reader failed must return EPIPE, not end the process.
        signal(SIGPIPE, SIG_IGN)
        var readEnds: [(String, Int32)] = []
        for name in names + ["manifest.csv"] {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else {
                for (_, descriptor) in readEnds { close(descriptor) }
                for descriptor in writeEnds.values { close(descriptor) }
                throw PackageWriterError(
                    .zipFailed, path: path, message: "cannot create a pipe: \(String(cString: strerror(errno)))")
            }
            _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
            // A larger pipe lets the writer run ahead of deflate instead of switching every 64 KiB.
            // 1031 is F_SETPIPE_SZ, which Glibc's module does not export.
            _ = fcntl(ends[0], 1031, Int32(1 << 20))
            readEnds.append((name, ends[0]))
            writeEnds[name] = ends[1]
        }
        let level = max(0, min(9, level))
        let entries = readEnds
        let thread = Thread { [self] in
            self.failure = StreamingZip.write(entries, to: path, level: level)
            self.finished.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Hands the write end of an entry's pipe to the caller, who writes the file into it and closes it.
    func takeDescriptor(for name: String) -> Int32? {
        lock.lock()
        defer { lock.unlock() }
        return writeEnds.removeValue(forKey: name)
    }

    /// Sends the finished manifest file and waits for the zip. Throws when the zip failed.
    func finish(manifest: String) throws(PackageWriterError) {
        let data = FileManager.default.contents(atPath: manifest) ?? Data()
        if let descriptor = takeDescriptor(for: "manifest.csv") {
            data.withUnsafeBytes { bytes in
                guard let start = bytes.baseAddress else { return }
                var offset = 0
                while offset < bytes.count {
                    let written = Glibc.write(descriptor, start + offset, bytes.count - offset)
                    if written < 0, errno == EINTR { continue }
                    if written <= 0 { break }
                    offset += written
                }
            }
            close(descriptor)
        }
        try wait()
    }

    /// Ends every entry the writer did not take, so that the zip thread finishes, and waits for it. The zip is
    /// deleted, because the thread may have completed it with truncated files.
    func abandon() {
        endRemainingEntries()
        unlink(path + ".partial")
        unlink(path)
    }

    private func wait() throws(PackageWriterError) {
        endRemainingEntries()
        if let failure { throw PackageWriterError(.zipFailed, path: path, message: failure) }
    }

    /// Closes the write ends the writer did not take, then waits for the zip thread.
    private func endRemainingEntries() {
        lock.lock()
        let remaining = writeEnds
        writeEnds = [:]
        lock.unlock()
        for descriptor in remaining.values { close(descriptor) }
        finished.wait()
        // Signal again, so that a later call does not wait forever.
        finished.signal()
    }

    /// Writes the zip from the pipes; returns an error message, or nil on success.
    private static func write(_ entries: [(String, Int32)], to path: String, level: Int) -> String? {
        let partial = path + ".partial"
        var pending = entries.map(\.1)
        defer { for descriptor in pending { close(descriptor) } }
        var status: Int32 = 0
        guard let archive = zip_open(partial, ZIP_CREATE | ZIP_TRUNCATE, &status) else {
            return "cannot create '\(partial)' (libzip error \(status))"
        }
        for (name, descriptor) in entries {
            let reader = PipeReader(descriptor: descriptor)
            let context = Unmanaged.passRetained(reader).toOpaque()
            guard let source = zip_source_function(archive, pipeCallback, context) else {
                Unmanaged<PipeReader>.fromOpaque(context).release()
                let message = String(cString: zip_strerror(archive))
                zip_discard(archive)
                return "cannot add \(name): \(message)"
            }
            pending.removeAll { $0 == descriptor }
            let index = zip_file_add(archive, name, source, zip_flags_t(ZIP_FL_ENC_UTF_8))
            guard index >= 0 else {
                zip_source_free(source)
                let message = String(cString: zip_strerror(archive))
                zip_discard(archive)
                return "cannot add \(name): \(message)"
            }
            let method = level == 0 ? ZIP_CM_STORE : ZIP_CM_DEFLATE
            zip_set_file_compression(archive, zip_uint64_t(index), Int32(method), zip_uint32_t(level))
        }
        guard zip_close(archive) == 0 else {
            let message = String(cString: zip_strerror(archive))
            zip_discard(archive)
            unlink(partial)
            return "cannot write '\(partial)': \(message)"
        }
        guard rename(partial, path) == 0 else {
            return "cannot rename '\(partial)' to '\(path)': \(String(cString: strerror(errno)))"
        }
        return nil
    }
}

/// The read end of one entry's pipe, as a libzip source.
private final class PipeReader {
    let descriptor: Int32
    var errorCode: Int32 = 0

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }
}

private let pipeCallback: zip_source_callback = { userdata, data, length, command in
    guard let userdata else { return -1 }
    let reader = Unmanaged<PipeReader>.fromOpaque(userdata).takeUnretainedValue()
    switch command {
    case ZIP_SOURCE_OPEN, ZIP_SOURCE_CLOSE:
        return 0
    case ZIP_SOURCE_READ:
        guard let data else { return -1 }
        while true {
            let count = read(reader.descriptor, data, Int(length))
            if count < 0, errno == EINTR { continue }
            if count < 0 {
                reader.errorCode = errno
                return -1
            }
            return zip_int64_t(count)
        }
    case ZIP_SOURCE_STAT:
        guard let data else { return -1 }
        let stat = data.assumingMemoryBound(to: zip_stat_t.self)
        zip_stat_init(stat)
        stat.pointee.mtime = time(nil)
        stat.pointee.valid |= zip_uint64_t(ZIP_STAT_MTIME)
        return zip_int64_t(MemoryLayout<zip_stat_t>.size)
    case ZIP_SOURCE_ERROR:
        guard let data else { return -1 }
        let codes = data.assumingMemoryBound(to: Int32.self)
        codes[0] = ZIP_ER_READ
        codes[1] = reader.errorCode
        return zip_int64_t(2 * MemoryLayout<Int32>.size)
    case ZIP_SOURCE_FREE:
        Unmanaged<PipeReader>.fromOpaque(userdata).release()
        return 0
    case ZIP_SOURCE_SUPPORTS:
        let commands = [
            ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR,
            ZIP_SOURCE_FREE, ZIP_SOURCE_SUPPORTS,
        ]
        return commands.reduce(zip_int64_t(0)) { $0 | (zip_int64_t(1) << zip_int64_t($1.rawValue)) }
    default:
        reader.errorCode = 0
        return -1
    }
}
