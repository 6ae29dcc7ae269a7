import OneRoster

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A CSV file written field by field from raw UTF-8 bytes through one fixed buffer, with no `String` per value.
///
/// Quoting follows `CSVWriter`: a field is quoted when it contains a comma or a quote, or when it starts or
/// ends with a space or tab, and quotes inside are doubled. The OneRoster binding forbids line breaks inside a
/// field, so each CR or LF in a value is written as a space and counted in `replacedLineBreaks`.
final class CSVFileOutput {
    let path: String
    private let descriptor: Int32
    private let buffer: UnsafeMutableRawBufferPointer
    private var used = 0
    private let lineEnd: [UInt8]
    private var atRowStart = true
    private var flushedCount = 0
    /// The number of CR and LF bytes written as spaces.
    private(set) var replacedLineBreaks = 0
    private var isClosed = false

    /// The bytes written so far, counting those still in the buffer.
    var byteCount: Int { flushedCount + used }

    /// Creates the file at `path`, failing when it already exists.
    init(path: String, lineEnding: CSVWriter.LineEnding, bufferSize: Int = 256 * 1024) throws(PackageWriterError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw PackageWriterError(.writeFailed, path: path, message: "failed to create '\(path)': \(errorText())")
        }
        self.path = path
        self.descriptor = descriptor
        self.lineEnd = lineEnding == .crlf ? [0x0D, 0x0A] : [0x0A]
        self.buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
    }

    /// Writes to an open descriptor, such as the write end of a pipe, which the output then owns and closes.
    init(descriptor: Int32, name: String, lineEnding: CSVWriter.LineEnding, bufferSize: Int = 256 * 1024) {
        self.path = name
        self.descriptor = descriptor
        self.lineEnd = lineEnding == .crlf ? [0x0D, 0x0A] : [0x0A]
        self.buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
    }

    deinit {
        if !isClosed { closeFile(descriptor) }
        buffer.deallocate()
    }

    /// Writes one field, preceded by a comma unless it starts the row. A nil or empty value is an empty field.
    @inline(__always)
    func writeField(_ bytes: UnsafeBufferPointer<UInt8>?) throws(PackageWriterError) {
        if !atRowStart { try writeByte(0x2C) }
        atRowStart = false
        guard let bytes, let first = bytes.first, let last = bytes.last else { return }
        if needsQuotes(bytes, first: first, last: last) {
            try writeQuoted(bytes)
        } else if bytes.count <= buffer.count - used {
            UnsafeMutableRawBufferPointer(rebasing: buffer[used...]).copyMemory(from: UnsafeRawBufferPointer(bytes))
            used += bytes.count
        } else {
            for byte in bytes { try writeByte(byte) }
        }
    }

    /// Writes one field, or `fallback` when `bytes` is nil. `fallback` must need no quotes.
    @inline(__always)
    func writeField(_ bytes: UnsafeBufferPointer<UInt8>?, default fallback: [UInt8]) throws(PackageWriterError) {
        if let bytes { return try writeField(bytes) }
        if !atRowStart { try writeByte(0x2C) }
        atRowStart = false
        for byte in fallback { try writeByte(byte) }
    }

    /// Writes one field given as a string, for headers and fixed values.
    func writeField(_ text: String) throws(PackageWriterError) {
        var text = text
        let failure = text.withUTF8 { bytes -> PackageWriterError? in
            do throws(PackageWriterError) {
                try writeField(bytes)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    /// Ends the current row.
    @inline(__always)
    func endRow() throws(PackageWriterError) {
        for byte in lineEnd { try writeByte(byte) }
        atRowStart = true
    }

    /// Flushes the buffer and closes the file.
    func close() throws(PackageWriterError) {
        guard !isClosed else { return }
        isClosed = true
        defer { closeFile(descriptor) }
        try flush()
    }

    @inline(__always)
    private func needsQuotes(_ bytes: UnsafeBufferPointer<UInt8>, first: UInt8, last: UInt8) -> Bool {
        if first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09 { return true }
        for byte in bytes where byte <= 0x2C {
            if byte == 0x2C || byte == 0x22 || byte == 0x0D || byte == 0x0A { return true }
        }
        return false
    }

    private func writeQuoted(_ bytes: UnsafeBufferPointer<UInt8>) throws(PackageWriterError) {
        try writeByte(0x22)
        for byte in bytes {
            switch byte {
            case 0x22:
                try writeByte(0x22)
                try writeByte(0x22)
            case 0x0D, 0x0A:
                replacedLineBreaks += 1
                try writeByte(0x20)
            default:
                try writeByte(byte)
            }
        }
        try writeByte(0x22)
    }

    @inline(__always)
    private func writeByte(_ byte: UInt8) throws(PackageWriterError) {
        if used == buffer.count { try flush() }
        buffer[used] = byte
        used += 1
    }

    private func flush() throws(PackageWriterError) {
        var offset = 0
        while offset < used {
            let count = write(descriptor, buffer.baseAddress.map { $0 + offset }, used - offset)
            if count < 0 {
                if errno == EINTR { continue }
                throw PackageWriterError(.writeFailed, path: path, message: "failed to write '\(path)': \(errorText())")
            }
            offset += count
        }
        flushedCount += used
        used = 0
    }
}

/// Returns the text of the current `errno`, such as "Permission denied".
func errorText() -> String {
    String(cString: strerror(errno))
}

/// Calls POSIX `close`; a free function because `CSVFileOutput.close()` hides the C name.
private func closeFile(_ descriptor: Int32) {
    close(descriptor)
}
