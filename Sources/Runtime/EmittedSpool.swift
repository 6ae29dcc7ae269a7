import Glibc
import OneRoster

/// An append-only temporary file of the records a connector emitted for one entity with `ctx.emit`, kept on disk
/// until the pipeline reads them back in emit order with an `EmittedSpoolReader`.
///
/// The file has no name in the folder (see `createUnnamedFile(in:entity:)`), so the system frees its space when
/// the spool is released or the process ends, even by a crash or a kill.
///
/// Each record is an unsigned LEB128 body length followed by the body:
/// - one field per schema column: LEB128 0 for a nil value, otherwise 1 + the byte count, then the UTF-8 bytes;
/// - the extension count, then each extension's name and value as LEB128 byte count and UTF-8 bytes.
/// A record's row is not stored: it is the record's position in the file, from 1.
final class EmittedSpool {
    /// The size of the write buffer, and of a reader's read buffer: one write or read per mebibyte.
    static let defaultBufferSize = 1 << 20

    let entity: Entity
    /// The folder the file was created in, named in error messages.
    let folder: String
    /// The number of records appended.
    private(set) var count = 0
    var isEmpty: Bool { count == 0 }
    /// The number of schema columns of `entity`, which is the number of values of every record.
    let columnCount: Int
    let descriptor: Int32
    private var buffer: UnsafeMutableRawBufferPointer
    private var used = 0
    /// The number of bytes written to the file, without those still in the buffer.
    private(set) var fileSize = 0
    /// The first write error. The file then misses records, so every later call throws it again.
    private var failure: EmittedSpoolError?

    /// Returns the system temporary folder: `TMPDIR` when it is set and not empty, otherwise `/tmp`.
    static func temporaryFolder() -> String {
        if let value = getenv("TMPDIR"), value.pointee != 0 { return String(cString: value) }
        return "/tmp"
    }

    /// Creates the spool's file in `folder`, without a name in the folder.
    init(entity: Entity, folder: String, bufferSize: Int = EmittedSpool.defaultBufferSize) throws {
        self.entity = entity
        self.folder = folder
        self.columnCount = Schema.columns(of: entity).count
        descriptor = try EmittedSpool.createUnnamedFile(in: folder, entity: entity)
        buffer = .allocate(byteCount: max(bufferSize, 16), alignment: 8)
    }

    /// Opens a new file in `folder` that has no name there: with `O_TMPFILE`, the file never has one. Where the
    /// file system does not support that flag, the file is created with `mkstemp` and unlinked at once, which
    /// leaves it visible for that moment. `flag` is `O_TMPFILE`, or nil to use `mkstemp`.
    static func createUnnamedFile(in folder: String, entity: Entity, flag: Int32? = unnamedFileFlag) throws -> Int32 {
        if let flag {
            let descriptor = open(folder, flag | O_RDWR | O_CLOEXEC, 0o600)
            if descriptor >= 0 { return descriptor }
            let code = errno
            // These errors mean that the kernel or the file system lacks O_TMPFILE. Any other error is the folder's.
            guard code == EOPNOTSUPP || code == EISDIR || code == EINVAL else {
                throw EmittedSpoolError.create(entity, folder: folder, errno: code)
            }
        }

        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        var template = Array((prefix + "rollbook-emit-\(entity.rawValue)-XXXXXX").utf8CString)
        let created = template.withUnsafeMutableBufferPointer { characters -> Int32 in
            guard let start = characters.baseAddress else { return -1 }
            return mkstemp(start)
        }
        guard created >= 0 else { throw EmittedSpoolError.create(entity, folder: folder, errno: errno) }
        // Glibc's mkostemp, which could set this flag at once, is not visible to Swift without _GNU_SOURCE.
        _ = fcntl(created, F_SETFD, FD_CLOEXEC)
        let removed = template.withUnsafeBufferPointer { characters -> Int32 in
            guard let start = characters.baseAddress else { return -1 }
            return unlink(start)
        }
        guard removed == 0 else {
            let error = EmittedSpoolError.create(entity, folder: folder, errno: errno)
            close(created)
            throw error
        }
        return created
    }

    deinit {
        close(descriptor)
        buffer.deallocate()
    }

    /// Appends one record: `values` in schema column order, where nil and "" stay apart, and its extensions.
    func append(_ values: [String?], extensions: [Extension]) throws {
        precondition(values.count == columnCount, "values must match the entity's columns")
        if let failure { throw failure }

        var bodySize = EmittedSpool.varintSize(extensions.count)
        for value in values {
            if let value {
                let length = value.utf8.count
                bodySize += EmittedSpool.varintSize(length + 1) + length
            } else {
                bodySize += 1
            }
        }
        for item in extensions {
            bodySize += EmittedSpool.textSize(item.name) + EmittedSpool.textSize(item.value)
        }
        try reserve(EmittedSpool.varintSize(bodySize) + bodySize)

        var position = used
        putVarint(bodySize, at: &position)
        for value in values {
            if let value {
                putVarint(value.utf8.count + 1, at: &position)
                putBytes(of: value, at: &position)
            } else {
                putVarint(0, at: &position)
            }
        }
        putVarint(extensions.count, at: &position)
        for item in extensions {
            putVarint(item.name.utf8.count, at: &position)
            putBytes(of: item.name, at: &position)
            putVarint(item.value.utf8.count, at: &position)
            putBytes(of: item.value, at: &position)
        }
        used = position
        count += 1
    }

    /// Writes out the buffered records and returns a reader that starts at the first record.
    func makeReader(bufferSize: Int = EmittedSpool.defaultBufferSize) throws -> EmittedSpoolReader {
        try flush()
        return EmittedSpoolReader(spool: self, bufferSize: bufferSize)
    }

    /// Makes room for `size` more bytes in the buffer, writing it out first when it is too full. A record larger
    /// than the buffer grows the buffer.
    private func reserve(_ size: Int) throws {
        if used + size <= buffer.count { return }
        try flush()
        if size > buffer.count {
            buffer.deallocate()
            buffer = .allocate(byteCount: size, alignment: 8)
        }
    }

    private func flush() throws {
        if let failure { throw failure }
        guard used > 0, let start = buffer.baseAddress else { return }
        var offset = 0
        var interruptions = 0
        while offset < used {
            let written = write(descriptor, start + offset, used - offset)
            if written > 0 {
                offset += written
                continue
            }
            let code = written < 0 ? errno : ENOSPC
            // A signal can interrupt a write before it writes anything, so the write is tried again, up to 100 times.
            if code == EINTR && interruptions < 100 {
                interruptions += 1
                continue
            }
            let error = EmittedSpoolError.write(entity, folder: folder, errno: code)
            failure = error
            throw error
        }
        fileSize += used
        used = 0
    }

    private func putVarint(_ value: Int, at position: inout Int) {
        var rest = UInt(value)
        while rest >= 0x80 {
            buffer[position] = UInt8(truncatingIfNeeded: rest) | 0x80
            position += 1
            rest >>= 7
        }
        buffer[position] = UInt8(rest)
        position += 1
    }

    private func putBytes(of text: String, at position: inout Int) {
        let length = text.utf8.count
        guard length > 0 else { return }
        let target = UnsafeMutableRawBufferPointer(rebasing: buffer[position..<(position + length)])
        let copied: Void? = text.utf8.withContiguousStorageIfAvailable { bytes in
            target.copyMemory(from: UnsafeRawBufferPointer(bytes))
        }
        if copied == nil {
            // A bridged string has no contiguous UTF-8 storage, so its bytes are copied one by one.
            for (offset, byte) in text.utf8.enumerated() { target[offset] = byte }
        }
        position += length
    }

    static func varintSize(_ value: Int) -> Int {
        var size = 1
        var rest = UInt(value) >> 7
        while rest != 0 {
            size += 1
            rest >>= 7
        }
        return size
    }

    private static func textSize(_ text: String) -> Int {
        let length = text.utf8.count
        return varintSize(length) + length
    }
}

/// Linux's `O_TMPFILE` (`__O_TMPFILE | O_DIRECTORY`), which Glibc declares only with _GNU_SOURCE. Other platforms
/// use `mkstemp` instead.
///
/// NOTE: `__O_TMPFILE` is 0o20000000 in the kernel's asm-generic/fcntl.h, which arm64 includes as well, but only
/// x86_64 was tried. Were it wrong, `open` of the folder would fail with EISDIR and `createUnnamedFile` would fall
/// back to `mkstemp`.
#if os(Linux) && (arch(x86_64) || arch(arm64))
    let unnamedFileFlag: Int32? = 0o20000000 | O_DIRECTORY
#else
    let unnamedFileFlag: Int32? = nil
#endif

/// A failure to create, write or read back the temporary file of emitted records, which fails the run.
struct EmittedSpoolError: Error, CustomStringConvertible {
    private enum Code: String {
        case create = "spool.create"
        case write = "spool.write"
        case read = "spool.read"
        case damaged = "spool.damaged"
    }

    private let kind: Code
    let description: String

    /// A short stable identifier of the failure, such as `spool.write`.
    var code: String { kind.rawValue }

    private init(_ kind: Code, _ description: String) {
        self.kind = kind
        self.description = description
    }

    static func create(_ entity: Entity, folder: String, errno code: Int32) -> EmittedSpoolError {
        EmittedSpoolError(
            .create,
            "could not create a temporary file for the emitted '\(entity.rawValue)' records in the temporary folder "
                + "'\(folder)': \(reason(code)); set TMPDIR to a writable folder")
    }

    static func write(_ entity: Entity, folder: String, errno code: Int32) -> EmittedSpoolError {
        EmittedSpoolError(
            .write,
            "could not write the emitted '\(entity.rawValue)' records to a temporary file in the temporary folder "
                + "'\(folder)': \(reason(code)); free space there or set TMPDIR to a folder with more room")
    }

    static func read(_ entity: Entity, folder: String, errno code: Int32) -> EmittedSpoolError {
        EmittedSpoolError(
            .read,
            "could not read back the emitted '\(entity.rawValue)' records from their temporary file in the temporary "
                + "folder '\(folder)': \(reason(code))")
    }

    static func damaged(_ entity: Entity, folder: String, row: Int) -> EmittedSpoolError {
        EmittedSpoolError(
            .damaged,
            "the temporary file of the emitted '\(entity.rawValue)' records in the temporary folder '\(folder)' is "
                + "damaged at record \(row); run the sync again")
    }

    private static func reason(_ code: Int32) -> String {
        "\(String(cString: strerror(code))) (errno \(code))"
    }
}
