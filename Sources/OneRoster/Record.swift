/// A column that the OneRoster binding does not define (`metadata.*` or a vendor's own), kept as given.
public struct Extension: Sendable, Hashable, Codable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// Where a record came from: a file and its 1-based row (the header is row 1), or a connector's emit call.
public struct Origin: Sendable, Hashable, Codable {
    public var file: String
    public var row: Int

    public init(file: String, row: Int) {
        self.file = file
        self.row = row
    }
}

/// One accepted OneRoster record in canonical text form.
///
/// `values` is aligned with `Schema.columns(of: entity)`, the union of the 1.1 and 1.2 columns;
/// `nil` means the column is blank. Values are canonical: lists are joined by `,` with no spaces,
/// booleans are `true`/`false`, and everything else is kept exactly as the source gave it.
///
/// The values live as UTF-8 in one buffer (see `RecordStorage`), so a record costs one allocation however
/// many columns it has. `values` builds strings on each read; the hot paths read bytes with `withValue(at:_:)`
/// and `withValueBytes(_:)` instead.
public struct Record: Sendable, Hashable {
    public let entity: Entity
    var storage: RecordStorage
    public var extensions: [Extension]

    public init(entity: Entity, values: [String?], extensions: [Extension] = []) {
        precondition(values.count == Schema.columns(of: entity).count, "values must match the entity's columns")
        self.entity = entity
        self.storage = RecordStorage(values)
        self.extensions = extensions
    }

    /// An empty record of an entity.
    public init(entity: Entity) {
        self.init(entity: entity, values: Array(repeating: nil, count: Schema.columns(of: entity).count))
    }

    /// Creates a record from a builder that received exactly one value per column of `entity`.
    public init(entity: Entity, builder: consuming RecordBuilder, extensions: [Extension] = []) {
        precondition(builder.valueCount == Schema.columns(of: entity).count, "values must match the entity's columns")
        self.entity = entity
        self.storage = builder.finish()
        self.extensions = extensions
    }

    /// The values in schema column order, as strings; setting it replaces them all.
    public var values: [String?] {
        get { (0..<storage.count).map { storage.string(at: $0) } }
        set {
            precondition(newValue.count == storage.count, "values must match the entity's columns")
            storage = RecordStorage(newValue)
        }
    }

    /// The number of schema columns, the same as `values.count`.
    public var valueCount: Int { storage.count }

    /// Returns the value of the column at `index` in schema order, or nil when it is blank.
    public func value(at index: Int) -> String? {
        storage.string(at: index)
    }

    /// Replaces the value of the column at `index` in schema order.
    public mutating func setValue(_ value: String?, at index: Int) {
        var all = values
        all[index] = value
        storage = RecordStorage(all)
    }

    /// Calls `body` with the UTF-8 bytes of the column at `index`, or with nil when the value is nil.
    public func withValue<Result>(
        at index: Int, _ body: (UnsafeBufferPointer<UInt8>?) throws -> Result
    ) rethrows -> Result {
        try storage.bytes.withUnsafeBytes { raw in
            try body(RecordStorage.value(at: index, count: storage.count, in: raw))
        }
    }

    /// Calls `body` with a view of every value's UTF-8 bytes; the view is valid only inside `body`.
    public func withValueBytes<Result>(_ body: (RecordBytes) throws -> Result) rethrows -> Result {
        try storage.bytes.withUnsafeBytes { raw in
            try body(RecordBytes(raw: raw, count: storage.count))
        }
    }

    /// The record's `sourcedId`, never empty for an accepted record.
    public var sourcedId: String { storage.string(at: 0) ?? "" }

    /// The value of a column by name, or of an extension column when the schema has no such column.
    public subscript(_ name: String) -> String? {
        get {
            if let index = Schema.index(of: name, in: entity) { return value(at: index) }
            return extensions.first { $0.name == name }?.value
        }
        set {
            if let index = Schema.index(of: name, in: entity) {
                setValue(newValue, at: index)
            } else if let position = extensions.firstIndex(where: { $0.name == name }) {
                if let newValue { extensions[position].value = newValue } else { extensions.remove(at: position) }
            } else if let newValue {
                extensions.append(Extension(name: name, value: newValue))
            }
        }
    }

    /// The items of a list column (`grades`, `orgSourcedIds`, ...), empty when blank.
    public func list(_ name: String) -> [String] {
        guard let text = self[name], !text.isEmpty else { return [] }
        return text.split(separator: ",", omittingEmptySubsequences: true).map(String.init)
    }
}

/// A read-only view of a record's values as UTF-8 bytes, valid only inside `Record.withValueBytes(_:)`.
public struct RecordBytes {
    let raw: UnsafeRawBufferPointer
    /// The number of values.
    public let count: Int

    /// Returns the bytes of the value at `index`, or nil when the value is nil.
    public subscript(index: Int) -> UnsafeBufferPointer<UInt8>? {
        RecordStorage.value(at: index, count: count, in: raw)
    }
}

/// Collects a record's values as UTF-8, one column after another in schema order, into one buffer.
public struct RecordBuilder: ~Copyable {
    private var bytes: [UInt8]
    private let capacity: Int
    /// The number of values appended so far.
    public private(set) var valueCount = 0

    /// Starts a record of `columns` values whose text takes about `textCapacity` bytes.
    public init(columns: Int, textCapacity: Int) {
        capacity = columns
        bytes = []
        bytes.reserveCapacity(columns * RecordStorage.endSize + textCapacity)
        bytes.append(contentsOf: repeatElement(0, count: columns * RecordStorage.endSize))
    }

    /// Appends the next column's value; nil appends a blank (nil) value.
    public mutating func append(_ value: UnsafeBufferPointer<UInt8>?) {
        precondition(valueCount < capacity, "more values than columns")
        var end = UInt32(bytes.count - capacity * RecordStorage.endSize)
        if let value {
            bytes.append(contentsOf: value)
            end += UInt32(value.count)
        } else {
            end |= RecordStorage.nilFlag
        }
        let position = valueCount * RecordStorage.endSize
        withUnsafeBytes(of: end.littleEndian) { endBytes in
            for offset in 0..<RecordStorage.endSize { bytes[position + offset] = endBytes[offset] }
        }
        valueCount += 1
    }

    /// Appends the next column's value given as a string.
    public mutating func append(_ value: String?) {
        guard var value else { return append(UnsafeBufferPointer<UInt8>?.none) }
        value.withUTF8 { append($0) }
    }

    consuming func finish() -> RecordStorage {
        RecordStorage(bytes: bytes, count: capacity)
    }
}

/// The values of a record: `count` little-endian 32-bit end offsets, then the UTF-8 text of every value.
///
/// An end offset counts from the start of the text; its top bit marks a nil value, which has no bytes.
/// A value starts where the one before it ends, so nil and "" stay apart while taking no text.
struct RecordStorage: Sendable, Hashable {
    static let endSize = 4
    static let nilFlag: UInt32 = 0x8000_0000

    var bytes: [UInt8]
    let count: Int

    init(bytes: [UInt8], count: Int) {
        self.bytes = bytes
        self.count = count
    }

    init(_ values: [String?]) {
        let textSize = values.reduce(0) { $0 + ($1?.utf8.count ?? 0) }
        var builder = RecordBuilder(columns: values.count, textCapacity: textSize)
        for value in values { builder.append(value) }
        self = builder.finish()
    }

    func string(at index: Int) -> String? {
        bytes.withUnsafeBytes { raw in
            RecordStorage.value(at: index, count: count, in: raw).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    @inline(__always)
    static func end(at index: Int, in raw: UnsafeRawBufferPointer) -> UInt32 {
        UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: index * endSize, as: UInt32.self))
    }

    @inline(__always)
    static func value(at index: Int, count: Int, in raw: UnsafeRawBufferPointer) -> UnsafeBufferPointer<UInt8>? {
        precondition(index >= 0 && index < count, "value index out of range")
        let end = self.end(at: index, in: raw)
        if end & nilFlag != 0 { return nil }
        let start = index == 0 ? 0 : Int(self.end(at: index - 1, in: raw) & ~nilFlag)
        let textStart = count * endSize
        let base = raw.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) + textStart + start }
        return UnsafeBufferPointer(start: base, count: Int(end) - start)
    }
}
