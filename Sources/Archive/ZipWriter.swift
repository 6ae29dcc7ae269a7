import CZip
import Dispatch
import Foundation
import Synchronization

/// Writes a zip file with libzip from files on disk, every entry at the root and deflated.
///
/// The zip is built as `<path>.partial` and renamed to `path` only when complete, so a crash or an error never
/// leaves a half-written zip under the final name. With `parallelism` above 1, files are deflated at the same time
/// into one temporary single-entry zip each, next to the target, and their compressed bytes are then copied into
/// the final zip without being deflated again.
public struct ZipWriter: Sendable {
    /// A file to store in the zip.
    public struct Entry: Sendable, Hashable {
        /// The name inside the zip, such as `users.csv`, which cannot contain `/`.
        public let name: String
        /// The file on disk whose bytes are stored.
        public let path: String

        public init(name: String, path: String) {
            self.name = name
            self.path = path
        }
    }

    /// The deflate level from 1 (fastest) to 9 (smallest).
    public let compressionLevel: Int
    /// How many files are deflated at the same time.
    public let parallelism: Int

    /// Creates a writer, clamping `compressionLevel` to 1...9 and `parallelism` to at least 1.
    public init(compressionLevel: Int = 6, parallelism: Int = 1) {
        self.compressionLevel = min(9, max(1, compressionLevel))
        self.parallelism = max(1, parallelism)
    }

    /// Writes `entries` in the given order into a new zip at `path`, replacing a file that is there.
    public func write(_ entries: [Entry], to path: String) throws(ZipWriterError) {
        try Self.checkNames(entries, path: path)
        let partial = path + ".partial"
        unlink(partial)
        if parallelism > 1 && entries.count > 1 {
            try writeInParallel(entries, partial: partial, path: path)
        } else {
            try Self.writeDeflated(entries, to: partial, level: compressionLevel, reportedPath: path)
        }
        guard rename(partial, path) == 0 else {
            let detail = String(cString: strerror(errno))
            unlink(partial)
            throw ZipWriterError(.renameFailed, path: path, file: partial, detail: detail)
        }
    }

    private static func checkNames(_ entries: [Entry], path: String) throws(ZipWriterError) {
        var seen: Set<String> = []
        for entry in entries {
            guard !entry.name.isEmpty, !entry.name.contains("/") else {
                throw ZipWriterError(
                    .invalidName, path: path, entry: entry.name, detail: "a name cannot be empty or contain '/'")
            }
            guard seen.insert(entry.name).inserted else {
                throw ZipWriterError(
                    .invalidName, path: path, entry: entry.name, detail: "the name is given twice; store each once")
            }
        }
    }

    /// Deflates `entries` into a new zip at `target`. Errors name `reportedPath` as the zip.
    static func writeDeflated(
        _ entries: [Entry], to target: String, level: Int, reportedPath: String
    ) throws(ZipWriterError) {
        let archive = try openForWriting(target, reportedPath: reportedPath)
        for entry in entries {
            // libzip 1.7 opens the file only in zip_close and then reports no file name, so check it here.
            let descriptor = open(entry.path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                let error = ZipWriterError(
                    .addFailed, path: reportedPath, entry: entry.name, file: entry.path,
                    detail: String(cString: strerror(errno)))
                discard(archive, target)
                throw error
            }
            closeFile(descriptor)
            guard let source = zip_source_file(archive, entry.path, 0, -1) else {
                let error = ZipWriterError(
                    .addFailed, path: reportedPath, entry: entry.name, file: entry.path, detail: libzipMessage(archive))
                discard(archive, target)
                throw error
            }
            try add(source, entry: entry, to: archive, target: target, reportedPath: reportedPath)
            let index = zip_name_locate(archive, entry.name, 0)
            guard index >= 0, zip_set_file_compression(archive, zip_uint64_t(index), ZIP_CM_DEFLATE, UInt32(level)) == 0
            else {
                let error = ZipWriterError(
                    .addFailed, path: reportedPath, entry: entry.name, file: entry.path,
                    detail: "deflate level \(level) rejected: \(libzipMessage(archive))")
                discard(archive, target)
                throw error
            }
        }
        try close(archive, target: target, reportedPath: reportedPath)
    }

    static func openForWriting(_ target: String, reportedPath: String) throws(ZipWriterError) -> OpaquePointer {
        var code: Int32 = 0
        guard let archive = zip_open(target, ZIP_CREATE | ZIP_TRUNCATE, &code) else {
            var error = zip_error_t()
            zip_error_init_with_code(&error, code)
            defer { zip_error_fini(&error) }
            throw ZipWriterError(
                .createFailed, path: reportedPath, file: target, detail: String(cString: zip_error_strerror(&error)))
        }
        return archive
    }

    /// Adds a source as a new entry. libzip owns the source from then on, and on failure it is freed here.
    static func add(
        _ source: OpaquePointer, entry: Entry, to archive: OpaquePointer, target: String, reportedPath: String
    ) throws(ZipWriterError) {
        guard zip_file_add(archive, entry.name, source, zip_flags_t(ZIP_FL_ENC_UTF_8)) >= 0 else {
            zip_source_free(source)
            let error = ZipWriterError(
                .addFailed, path: reportedPath, entry: entry.name, file: entry.path, detail: libzipMessage(archive))
            discard(archive, target)
            throw error
        }
    }

    /// Writes the archive, which is when libzip reads and deflates the files.
    ///
    /// NOTE: a file that becomes unreadable after it was added fails here with libzip's message alone, such as
    /// "Read error: No such file or directory", without the file's name.
    static func close(_ archive: OpaquePointer, target: String, reportedPath: String) throws(ZipWriterError) {
        guard zip_close(archive) == 0 else {
            let error = ZipWriterError(.writeFailed, path: reportedPath, file: target, detail: libzipMessage(archive))
            discard(archive, target)
            throw error
        }
    }

    static func discard(_ archive: OpaquePointer, _ target: String) {
        zip_discard(archive)
        unlink(target)
    }

    static func libzipMessage(_ archive: OpaquePointer) -> String {
        String(cString: zip_error_strerror(zip_get_error(archive)))
    }
}

extension ZipWriter {
    /// Deflates each entry into its own temporary zip on `parallelism` threads, then copies the compressed entries
    /// into the zip at `partial` in the given order.
    private func writeInParallel(_ entries: [Entry], partial: String, path: String) throws(ZipWriterError) {
        let parts = entries.indices.map { "\(partial).\($0)" }
        defer { for part in parts { unlink(part) } }
        // Largest files first, so the longest jobs start at once and the threads finish close together.
        let sizes = entries.map { entry in
            ((try? FileManager.default.attributesOfItem(atPath: entry.path))?[.size] as? Int) ?? 0
        }
        let order = entries.indices.sorted { sizes[$0] > sizes[$1] }
        let level = compressionLevel
        let progress = Mutex(ParallelProgress())
        DispatchQueue.concurrentPerform(iterations: min(parallelism, entries.count)) { _ in
            while let index = progress.withLock({ $0.takeNext(from: order) }) {
                do throws(ZipWriterError) {
                    try Self.writeDeflated([entries[index]], to: parts[index], level: level, reportedPath: path)
                } catch {
                    progress.withLock { $0.failures[index] = error }
                }
            }
        }
        if let failure = progress.withLock({ $0.failures.min { $0.key < $1.key }?.value }) { throw failure }

        let archive = try Self.openForWriting(partial, reportedPath: path)
        var deflatedParts: [OpaquePointer] = []
        // libzip reads the parts while it closes the final zip, so they stay open until then.
        defer { for part in deflatedParts { zip_discard(part) } }
        for (index, entry) in entries.enumerated() {
            var code: Int32 = 0
            guard let part = zip_open(parts[index], ZIP_RDONLY, &code) else {
                Self.discard(archive, partial)
                throw ZipWriterError(
                    .writeFailed, path: path, entry: entry.name, file: parts[index],
                    detail: "temporary zip cannot be opened (libzip error \(code))")
            }
            deflatedParts.append(part)
            guard let source = zip_source_zip(archive, part, 0, zip_flags_t(ZIP_FL_COMPRESSED), 0, -1) else {
                let error = ZipWriterError(
                    .writeFailed, path: path, entry: entry.name, file: parts[index],
                    detail: Self.libzipMessage(archive))
                Self.discard(archive, partial)
                throw error
            }
            try Self.add(source, entry: entry, to: archive, target: partial, reportedPath: path)
        }
        try Self.close(archive, target: partial, reportedPath: path)
    }
}

/// The shared state of the threads of `ZipWriter.writeInParallel`.
private struct ParallelProgress {
    var next = 0
    var failures: [Int: ZipWriterError] = [:]

    /// Returns the next entry index to deflate, or nil when all are taken or one has failed.
    mutating func takeNext(from order: [Int]) -> Int? {
        guard failures.isEmpty, next < order.count else { return nil }
        defer { next += 1 }
        return order[next]
    }
}

/// Calls POSIX `close`; a free function because `ZipWriter.close` hides the C name.
private func closeFile(_ descriptor: Int32) {
    close(descriptor)
}

/// A zip that cannot be written, in which case no new zip is at the target path.
public struct ZipWriterError: Error, Sendable, Hashable {
    enum Code: String, Sendable {
        case invalidName = "invalid-name"
        case createFailed = "create-failed"
        case addFailed = "add-failed"
        case writeFailed = "write-failed"
        case renameFailed = "rename-failed"
    }

    let kind: Code
    /// The zip being written.
    public let path: String
    /// The entry concerned, if any, such as `users.csv`.
    public let entry: String?
    /// The file on disk concerned, if any: the entry's file or the `.partial` zip.
    public let file: String?
    /// libzip's or the system's description of the failure, such as "No such file".
    public let detail: String

    init(_ kind: Code, path: String, entry: String? = nil, file: String? = nil, detail: String) {
        self.kind = kind
        self.path = path
        self.entry = entry
        self.file = file
        self.detail = detail
    }

    /// A short stable code such as `zip-writer.add-failed`.
    public var code: String { "zip-writer." + kind.rawValue }
}

extension ZipWriterError: CustomStringConvertible {
    /// The error as a sentence naming the zip, the entry and the file.
    public var description: String {
        switch kind {
        case .invalidName: return "invalid entry name '\(entry ?? "")' for zip '\(path)': \(detail)"
        case .createFailed: return "failed to create zip '\(file ?? path)': \(detail)"
        case .addFailed: return "failed to add '\(file ?? "")' as '\(entry ?? "")' to zip '\(path)': \(detail)"
        case .writeFailed:
            if let entry { return "failed to copy '\(entry)' from '\(file ?? "")' into zip '\(path)': \(detail)" }
            return "failed to write zip '\(file ?? path)': \(detail)"
        case .renameFailed: return "failed to rename '\(file ?? "")' to '\(path)': \(detail)"
        }
    }
}
