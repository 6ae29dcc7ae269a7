/// The fields of one CSV row as UTF-8 bytes in one reusable buffer, filled by `CSVReader.readRow(into:)`.
///
/// Reusing one `CSVRow` for every row of a file makes reading allocation-free once the buffer has grown to
/// the longest row.
public struct CSVRow {
    var bytes: [UInt8] = []
    var ends: [Int] = []

    /// Creates an empty row.
    public init() {
        bytes.reserveCapacity(1024)
        ends.reserveCapacity(32)
    }

    /// The number of fields.
    public var count: Int { ends.count }

    /// The total byte count of all fields.
    public var byteCount: Int { bytes.count }

    /// Returns the field at `index` as a string.
    public subscript(index: Int) -> String {
        withField(index) { String(decoding: $0, as: UTF8.self) }
    }

    /// Returns the byte count of the field at `index`.
    public func byteCount(_ index: Int) -> Int {
        ends[index] - (index == 0 ? 0 : ends[index - 1])
    }

    /// Calls `body` with the UTF-8 bytes of the field at `index`; the pointer is valid only inside `body`.
    public func withField<Result>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows
        -> Result
    {
        let start = index == 0 ? 0 : ends[index - 1]
        let end = ends[index]
        return try bytes.withUnsafeBufferPointer { buffer in
            try body(UnsafeBufferPointer(rebasing: buffer[start..<end]))
        }
    }

    /// Calls `body` with a view of every field's bytes; the view is valid only inside `body`.
    public func withFields<Result>(_ body: (CSVFieldBytes) throws -> Result) rethrows -> Result {
        try bytes.withUnsafeBufferPointer { buffer in
            try ends.withUnsafeBufferPointer { ends in
                try body(CSVFieldBytes(base: buffer.baseAddress, ends: ends))
            }
        }
    }

    /// The fields as strings.
    public var fields: [String] { (0..<count).map { self[$0] } }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
    }

    mutating func append(_ field: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: field)
        ends.append(bytes.count)
    }
}

/// A read-only view of a row's fields as UTF-8 bytes, valid only inside `CSVRow.withFields(_:)`.
public struct CSVFieldBytes {
    let base: UnsafePointer<UInt8>?
    let ends: UnsafeBufferPointer<Int>

    /// The number of fields.
    public var count: Int { ends.count }

    /// Returns the bytes of the field at `index`.
    public subscript(index: Int) -> UnsafeBufferPointer<UInt8> {
        let start = index == 0 ? 0 : ends[index - 1]
        return UnsafeBufferPointer(start: base.map { $0 + start }, count: ends[index] - start)
    }
}
