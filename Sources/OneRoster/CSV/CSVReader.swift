#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A streaming RFC 4180 CSV reader that keeps one buffer of the file in memory, never the whole file.
///
/// It accepts quoted fields with doubled quotes, commas and line breaks inside quotes, CRLF, LF and lone CR
/// line ends, a missing final line end and a leading UTF-8 byte-order mark (skipped in both encodings).
/// Empty lines are skipped but still counted in `rowNumber`.
/// A quote inside an unquoted field is kept as text; text after a closing quote is an error.
public final class CSVReader {
    /// The buffer size used unless the caller picks another: 256 KiB.
    public static let defaultBufferCapacity = 256 * 1024

    /// The name used in errors, such as `users.csv`.
    public let fileName: String
    public let encoding: TextEncoding
    /// The 1-based record number of the row last returned by `readRow`; the header is row 1.
    public private(set) var rowNumber = 0
    /// The largest record, in bytes, that the reader buffers before it stops with `csv.row-too-large`.
    ///
    /// A quote left open near the top of a large file would otherwise pull the rest of the file into memory.
    public var maximumRowBytes = 64 * 1024 * 1024

    let source: any ByteSource
    /// The bytes from `bufferStart` to `bufferEnd` are read but not yet returned.
    var buffer: UnsafeMutablePointer<UInt8>
    var capacity: Int
    var bufferStart = 0
    var bufferEnd = 0
    /// How many bytes of the file came before `buffer[0]`, for byte offsets in errors.
    var bytesBeforeBuffer = 0
    var sourceEnded = false
    var started = false
    var failure: CSVError?
    /// The offset at which the row after the one in `spans` starts.
    var nextRowStart = 0
    /// The fields of the row being scanned, as byte ranges of `buffer`; reused from row to row.
    var spans: [FieldSpan] = []
    /// Room for unescaped or transcoded field bytes.
    var scratch: UnsafeMutablePointer<UInt8>
    var scratchCapacity: Int

    /// Creates a reader over `source`; `fileName` is used only in errors.
    public init(
        source: any ByteSource, fileName: String, encoding: TextEncoding = .utf8,
        bufferCapacity: Int = CSVReader.defaultBufferCapacity
    ) {
        self.source = source
        self.fileName = fileName
        self.encoding = encoding
        // The byte-order-mark check needs the first three bytes in one buffer.
        self.capacity = max(4, bufferCapacity)
        self.buffer = .allocate(capacity: capacity)
        self.scratchCapacity = 1024
        self.scratch = .allocate(capacity: scratchCapacity)
        spans.reserveCapacity(32)
    }

    deinit {
        buffer.deallocate()
        scratch.deallocate()
    }

    /// Reads the next row into `fields`, replacing its contents, and returns false at the end of the file.
    ///
    /// `fields` keeps its storage from call to call, so a caller that reuses one array allocates
    /// only for field values longer than 15 bytes.
    public func readRow(into fields: inout [String]) throws(CSVError) -> Bool {
        if let failure { throw failure }
        do {
            return try readNextRow(into: &fields)
        } catch {
            failure = error
            throw error
        }
    }

    /// Reads the next row into `row` as UTF-8 bytes, replacing its contents, and returns false at the end of the file.
    ///
    /// This is `readRow(into: &[String])` without a string per field: the same rows, checks and errors.
    public func readRow(into row: inout CSVRow) throws(CSVError) -> Bool {
        if let failure { throw failure }
        do {
            guard try advanceToRow() else { return false }
            try makeFields(into: &row)
            finishRow()
            return true
        } catch {
            failure = error
            throw error
        }
    }

    /// Reads the next row, or returns nil at the end of the file.
    public func readRow() throws(CSVError) -> [String]? {
        var fields: [String] = []
        return try readRow(into: &fields) ? fields : nil
    }

    private func readNextRow(into fields: inout [String]) throws(CSVError) -> Bool {
        guard try advanceToRow() else { return false }
        try makeFields(into: &fields)
        finishRow()
        return true
    }

    /// Scans up to the next non-empty row, leaving its fields in `spans`; returns false at the end of the file.
    private func advanceToRow() throws(CSVError) -> Bool {
        if !started {
            try refill()
            skipByteOrderMark()
            started = true
        }
        while true {
            if bufferStart == bufferEnd {
                if sourceEnded { return false }
                try refill()
                continue
            }
            switch try scanRow() {
            case .needMore:
                try refill()
            case .emptyLine(let next):
                rowNumber += 1
                bufferStart = next
            case .row(let next):
                nextRowStart = next
                return true
            }
        }
    }

    /// Moves past the row whose fields were just made.
    private func finishRow() {
        rowNumber += 1
        bufferStart = nextRowStart
    }

    private func skipByteOrderMark() {
        guard bufferEnd - bufferStart >= 3 else { return }
        if buffer[bufferStart] == 0xEF && buffer[bufferStart + 1] == 0xBB && buffer[bufferStart + 2] == 0xBF {
            bufferStart += 3
        }
    }

    /// Moves the unread bytes to the front, grows the buffer when a row fills it, and reads until it is full.
    private func refill() throws(CSVError) {
        if bufferStart > 0 {
            let remaining = bufferEnd - bufferStart
            if remaining > 0 { memmove(buffer, buffer + bufferStart, remaining) }
            bytesBeforeBuffer += bufferStart
            bufferEnd = remaining
            bufferStart = 0
        }
        if bufferEnd == capacity {
            try growBuffer()
        }
        while bufferEnd < capacity && !sourceEnded {
            let space = capacity - bufferEnd
            let count: Int
            do {
                count = try source.read(into: UnsafeMutableRawBufferPointer(start: buffer + bufferEnd, count: space))
            } catch {
                let detail = (error as? CSVError)?.message ?? "failed to read: \(error)"
                throw CSVError(.readFailed, file: fileName, row: rowNumber + 1, message: detail)
            }
            guard count >= 0 && count <= space else {
                throw CSVError(
                    .readFailed, file: fileName, row: rowNumber + 1,
                    message: "failed to read: the source returned \(count) bytes for a buffer of \(space)")
            }
            if count == 0 { sourceEnded = true }
            bufferEnd += count
        }
    }

    private func growBuffer() throws(CSVError) {
        guard capacity < maximumRowBytes else {
            throw CSVError(
                .rowTooLarge, file: fileName, row: rowNumber + 1,
                message:
                    "row is longer than \(maximumRowBytes) bytes; check this row for a quote that is never closed")
        }
        let newCapacity = min(capacity * 2, maximumRowBytes)
        let newBuffer = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBuffer.update(from: buffer, count: bufferEnd)
        buffer.deallocate()
        buffer = newBuffer
        capacity = newCapacity
    }

    /// Grows `scratch` to at least `count` bytes.
    func reserveScratch(_ count: Int) {
        guard count > scratchCapacity else { return }
        scratch.deallocate()
        scratchCapacity = max(count, scratchCapacity * 2)
        scratch = .allocate(capacity: scratchCapacity)
    }
}

/// One field of a scanned row: bytes `start..<end` of the reader's buffer.
struct FieldSpan {
    var start: Int
    var end: Int
    /// The field was quoted and has doubled quotes inside, so its bytes must be unescaped.
    var hasDoubledQuotes: Bool
}
