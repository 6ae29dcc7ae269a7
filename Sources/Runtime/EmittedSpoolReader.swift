import Glibc
import OneRoster

/// A record read back from an `EmittedSpool`, with its row: its position among the records of its entity, from 1.
struct EmittedRecord {
    var record: Record
    var row: Int
}

/// Reads the records of an `EmittedSpool` in the order they were appended, through a buffer of its own.
///
/// It reads the records the file held when `EmittedSpool.makeReader()` made it; records appended later are not read.
final class EmittedSpoolReader {
    private let spool: EmittedSpool
    /// The file size when the reader was made.
    private let end: Int
    private var buffer: UnsafeMutableRawBufferPointer
    /// The unread bytes in `buffer` are `start..<filled`.
    private var start = 0
    private var filled = 0
    /// The file offset of the next byte to read into the buffer.
    private var fileOffset = 0
    private var row = 0

    init(spool: EmittedSpool, bufferSize: Int) {
        self.spool = spool
        self.end = spool.fileSize
        self.buffer = .allocate(byteCount: max(bufferSize, 16), alignment: 8)
    }

    deinit {
        buffer.deallocate()
    }

    /// Returns the next record, or nil after the last one. With `emptyAsNil`, an empty value reads as nil (blank).
    func next(emptyAsNil: Bool = false) throws -> EmittedRecord? {
        if start == filled && fileOffset == end { return nil }
        row += 1

        // A LEB128 length of a 64-bit value takes at most 10 bytes.
        try fill(atLeast: min(10, filled - start + end - fileOffset))
        var position = start
        let bodySize = try readVarint(at: &position, limit: filled)
        let headerSize = position - start
        try fill(atLeast: headerSize + bodySize)
        position = start + headerSize
        let bodyEnd = position + bodySize

        var builder = RecordBuilder(columns: spool.columnCount, textCapacity: bodySize)
        for _ in 0..<spool.columnCount {
            let tag = try readVarint(at: &position, limit: bodyEnd)
            if tag == 0 {
                builder.append(UnsafeBufferPointer<UInt8>?.none)
                continue
            }
            let bytes = try readBytes(count: tag - 1, at: &position, limit: bodyEnd)
            builder.append(emptyAsNil && bytes.isEmpty ? nil : bytes)
        }
        let extensionCount = try readVarint(at: &position, limit: bodyEnd)
        var extensions: [Extension] = []
        extensions.reserveCapacity(min(extensionCount, bodySize))
        for _ in 0..<extensionCount {
            let name = try readText(at: &position, limit: bodyEnd)
            let value = try readText(at: &position, limit: bodyEnd)
            extensions.append(Extension(name: name, value: value))
        }
        guard position == bodyEnd else { throw damaged() }
        start = bodyEnd
        return EmittedRecord(record: Record(entity: spool.entity, builder: builder, extensions: extensions), row: row)
    }

    /// Reads from the file until the buffer contains `count` unread bytes, moving them to its front and growing it
    /// as needed. Throws when the file ends first.
    private func fill(atLeast count: Int) throws {
        if filled - start >= count { return }
        if count > buffer.count {
            let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 8)
            larger.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[start..<filled]))
            buffer.deallocate()
            buffer = larger
        } else if start > 0 {
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[start..<filled]))
        }
        filled -= start
        start = 0

        var interruptions = 0
        while filled < count {
            guard fileOffset < end, let base = buffer.baseAddress else { throw damaged() }
            let requested = min(buffer.count - filled, end - fileOffset)
            let received = pread(spool.descriptor, base + filled, requested, off_t(fileOffset))
            if received > 0 {
                filled += received
                fileOffset += received
                continue
            }
            if received < 0 && errno == EINTR && interruptions < 100 {
                interruptions += 1
                continue
            }
            if received == 0 { throw damaged() }
            throw EmittedSpoolError.read(spool.entity, folder: spool.folder, errno: errno)
        }
    }

    private func readVarint(at position: inout Int, limit: Int) throws -> Int {
        var value: UInt = 0
        var shift: UInt = 0
        while position < limit && shift < 63 {
            let byte = buffer[position]
            position += 1
            value |= UInt(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                guard value <= UInt(Int.max) else { break }
                return Int(value)
            }
            shift += 7
        }
        throw damaged()
    }

    private func readBytes(count: Int, at position: inout Int, limit: Int) throws -> UnsafeBufferPointer<UInt8> {
        guard count <= limit - position else { throw damaged() }
        let raw = UnsafeRawBufferPointer(rebasing: buffer[position..<(position + count)])
        position += count
        return raw.bindMemory(to: UInt8.self)
    }

    private func readText(at position: inout Int, limit: Int) throws -> String {
        let count = try readVarint(at: &position, limit: limit)
        return String(decoding: try readBytes(count: count, at: &position, limit: limit), as: UTF8.self)
    }

    private func damaged() -> EmittedSpoolError {
        EmittedSpoolError.damaged(spool.entity, folder: spool.folder, row: row)
    }
}
