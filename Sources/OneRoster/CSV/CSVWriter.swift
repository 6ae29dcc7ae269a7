import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A buffered RFC 4180 CSV writer to a file or to memory, always in UTF-8 without a byte-order mark.
///
/// A field is quoted when it contains a comma, a quote, CR or LF, or when it starts or ends with a space or tab.
/// Quotes inside a quoted field are doubled. Call `close()` to flush a file and see write errors.
public final class CSVWriter {
    /// The line end written after each row.
    public enum LineEnding: Sendable {
        case lf
        case crlf
    }

    private enum Target {
        case file(descriptor: Int32)
        case memory
        case closedFile
    }

    /// The name used in errors, such as `users.csv`.
    public let fileName: String
    public let lineEnding: LineEnding
    private var target: Target
    private var pending: [UInt8] = []
    private var written = Data()
    private let flushThreshold = 64 * 1024

    /// Creates or truncates the file at `path` (mode 0644).
    public init(path: String, lineEnding: LineEnding = .lf) throws(CSVError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw CSVError(.openFailed, file: path, message: "failed to create: \(systemErrorText(errno))")
        }
        self.fileName = path
        self.lineEnding = lineEnding
        self.target = .file(descriptor: descriptor)
        pending.reserveCapacity(flushThreshold + 4096)
    }

    /// Creates a writer that collects the output in `data`.
    public init(lineEnding: LineEnding = .lf) {
        self.fileName = "memory"
        self.lineEnding = lineEnding
        self.target = .memory
    }

    deinit {
        // A writer dropped without close() still flushes; errors here have no caller to go to.
        try? close()
    }

    /// The bytes written so far by a memory writer (empty for a file writer).
    public var data: Data {
        if case .memory = target { return written + pending }
        return Data()
    }

    /// Writes one row.
    public func writeRow(_ fields: [String]) throws(CSVError) {
        if case .closedFile = target {
            throw CSVError(.writeFailed, file: fileName, message: "failed to write because the writer is closed")
        }
        // A row of one empty field would be an empty line, which readers skip, so it is written as "".
        if fields.count == 1 && fields[0].isEmpty {
            pending.append(contentsOf: [0x22, 0x22])
        } else {
            for (position, field) in fields.enumerated() {
                if position > 0 { pending.append(0x2C) }
                appendField(field)
            }
        }
        try endRow()
    }

    /// Writes one row, with nil written as an empty field.
    public func writeRow(_ fields: [String?]) throws(CSVError) {
        try writeRow(fields.map { $0 ?? "" })
    }

    /// Writes buffered bytes to the file.
    public func flush() throws(CSVError) {
        guard case .file(let descriptor) = target else { return }
        var offset = 0
        while offset < pending.count {
            let count = pending.withUnsafeBytes { bytes in
                posixWrite(descriptor, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw CSVError(.writeFailed, file: fileName, message: "failed to write: \(systemErrorText(errno))")
            }
            offset += count
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Flushes and closes the file; a memory writer stays open.
    public func close() throws(CSVError) {
        switch target {
        case .memory:
            written.append(contentsOf: pending)
            pending.removeAll()
        case .file(let descriptor):
            defer {
                closeDescriptor(descriptor)
                target = .closedFile
                pending.removeAll()
            }
            try flush()
        case .closedFile:
            return
        }
    }

    private func endRow() throws(CSVError) {
        if lineEnding == .crlf { pending.append(0x0D) }
        pending.append(0x0A)
        guard pending.count >= flushThreshold else { return }
        switch target {
        case .memory:
            written.append(contentsOf: pending)
            pending.removeAll(keepingCapacity: true)
        case .file, .closedFile:
            try flush()
        }
    }

    private func appendField(_ field: String) {
        let utf8 = field.utf8
        guard needsQuotes(utf8) else {
            pending.append(contentsOf: utf8)
            return
        }
        pending.append(0x22)
        for byte in utf8 {
            pending.append(byte)
            if byte == 0x22 { pending.append(0x22) }
        }
        pending.append(0x22)
    }

    private func needsQuotes(_ utf8: String.UTF8View) -> Bool {
        guard let first = utf8.first, let last = utf8.last else { return false }
        if first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09 { return true }
        return utf8.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A }
    }
}

/// Calls POSIX `write` and `close`; free functions because `CSVWriter.close()` hides the C name.
private func posixWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}

private func closeDescriptor(_ descriptor: Int32) {
    close(descriptor)
}
