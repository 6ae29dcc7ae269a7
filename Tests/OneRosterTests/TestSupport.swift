import Foundation
import OneRoster

/// A source that hands out its bytes in chunks of 1, 2, ... 7 bytes, then 1 again, to split rows and characters.
final class ChunkedByteSource: ByteSource {
    private let bytes: [UInt8]
    private var position = 0
    private var nextChunk = 1

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(nextChunk, buffer.count, bytes.count - position)
        guard count > 0 else { return 0 }
        for offset in 0..<count { buffer[offset] = bytes[position + offset] }
        position += count
        nextChunk = nextChunk == 7 ? 1 : nextChunk + 1
        return count
    }
}

/// A source whose every read fails.
final class FailingByteSource: ByteSource {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "disk unplugged" }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        throw Failure()
    }
}

/// One row as the reader returned it.
struct ReadRow: Equatable, CustomStringConvertible {
    var row: Int
    var fields: [String]

    var description: String { "\(row): \(fields)" }
}

/// Reads every row of `bytes` and returns the rows with their row numbers.
func readAllRows(
    _ bytes: [UInt8], encoding: TextEncoding = .utf8, bufferCapacity: Int = CSVReader.defaultBufferCapacity,
    chunked: Bool = false, fileName: String = "test.csv"
) throws(CSVError) -> [ReadRow] {
    let source: any ByteSource = chunked ? ChunkedByteSource(bytes) : DataByteSource(Data(bytes))
    let reader = CSVReader(source: source, fileName: fileName, encoding: encoding, bufferCapacity: bufferCapacity)
    var rows: [ReadRow] = []
    var fields: [String] = []
    while try reader.readRow(into: &fields) {
        rows.append(ReadRow(row: reader.rowNumber, fields: fields))
    }
    return rows
}

/// Reads every row of `text`, given as UTF-8.
func readAllRows(_ text: String, bufferCapacity: Int = CSVReader.defaultBufferCapacity, chunked: Bool = false)
    throws(CSVError) -> [ReadRow]
{
    try readAllRows(Array(text.utf8), bufferCapacity: bufferCapacity, chunked: chunked)
}

/// The read-only shared test data (cases and samples), when it is present.
enum SharedData {
    /// The first `shared` folder with a `cases` folder in it, found next to the package root or next to one of
    /// its parent folders (a git worktree sits one level deeper than the main checkout).
    static let directory: URL? = {
        // The package root is three levels above this file.
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        for _ in 0..<4 {
            folder = folder.deletingLastPathComponent()
            let candidate = folder.appendingPathComponent("shared")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("cases").path) {
                return candidate
            }
        }
        return nil
    }()

    static var isAvailable: Bool { directory != nil }

    static func path(_ relative: String) -> String {
        (directory ?? URL(fileURLWithPath: "/nonexistent")).appendingPathComponent(relative).path
    }

    static func bytes(_ relative: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path(relative))))
    }
}
