import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A forward-only stream of bytes, such as a file or a zip entry, read in chunks.
public protocol ByteSource: AnyObject {
    /// Reads up to `buffer.count` bytes into `buffer` and returns how many were read; 0 means the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// A file read with POSIX `open` and `read`; the descriptor is closed at the end or on deinit.
public final class FileByteSource: ByteSource {
    /// The path given at creation, used in error messages.
    public let path: String
    private var descriptor: Int32

    /// Opens `path` for reading.
    public init(path: String) throws(CSVError) {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw CSVError(.openFailed, file: path, message: "failed to open: \(systemErrorText(errno))")
        }
        self.descriptor = descriptor
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard descriptor >= 0, let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let count = posixRead(descriptor, base, buffer.count)
            if count >= 0 {
                if count == 0 { closeDescriptor() }
                return count
            }
            if errno == EINTR { continue }
            throw CSVError(.readFailed, file: path, message: "failed to read: \(systemErrorText(errno))")
        }
    }

    private func closeDescriptor() {
        close(descriptor)
        descriptor = -1
    }
}

/// Bytes held in memory, for tests and small inputs such as a manifest fetched over HTTP.
public final class DataByteSource: ByteSource {
    private let data: Data
    private var position: Int
    /// The largest number of bytes one `read` returns; tests lower it to split rows and characters.
    private let maximumChunk: Int

    /// Creates a source over `data`; each `read` returns at most `maximumChunk` bytes.
    public init(_ data: Data, maximumChunk: Int = .max) {
        self.data = data
        self.position = data.startIndex
        self.maximumChunk = max(1, maximumChunk)
    }

    /// Creates a source over the UTF-8 bytes of `text`.
    public convenience init(_ text: String) {
        self.init(Data(text.utf8))
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, maximumChunk, data.endIndex - position)
        guard count > 0 else { return 0 }
        data.copyBytes(to: buffer, from: position..<(position + count))
        position += count
        return count
    }
}

/// Calls POSIX `read`; a free function because the `read` methods above hide the C name.
private func posixRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}

/// Returns the text of a C `errno` value, such as "No such file or directory".
func systemErrorText(_ code: Int32) -> String {
    String(cString: strerror(code))
}
