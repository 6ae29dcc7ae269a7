import OneRoster

/// A stable 64-bit hash of a record's canonical content, the same in every process, build and machine.
///
/// The content becomes a stream of 64-bit words. Each value gives its UTF-8 bytes in little-endian 8-byte words,
/// then one closing word that contains the remaining 0 to 7 bytes in its low bytes and `0xF8 + remaining` in its top
/// byte. Valid UTF-8 never contains a byte from 0xF5 to 0xFF, so a closing word cannot be taken for a full word of
/// text and two different records cannot give the same stream. Values come in schema column order. Each extension
/// then adds the word `0xF5 << 56`, its name and its value. A blank value (nil or "") is just its closing word, so
/// nil and "" hash alike, as the model treats them alike. Adding a column to the schema changes every hash of
/// that entity.
///
/// Each word is mixed in as `h = fold(h ^ word)`, where `fold` multiplies by a 64-bit odd constant into 128 bits and
/// XORs the two halves; the result goes through `fold` once more. This reads 8 bytes per multiplication, where
/// FNV-1a needs one per byte, which matters at 10M rows. It is meant to detect changes, not to resist attackers.
public struct ContentHash: Sendable, Hashable {
    static let seed: UInt64 = 0x243f_6a88_85a3_08d3
    static let multiplier: UInt64 = 0x9e37_79b9_7f4a_7c15
    static let finalSeed: UInt64 = 0x1319_8a2e_0370_7344
    static let extensionMarker: UInt64 = 0xF5 << 56

    private var state: UInt64 = ContentHash.seed

    /// Creates the hash of an empty stream.
    public init() {}

    /// The hash of the values combined so far.
    public var value: UInt64 { ContentHash.fold(state ^ ContentHash.finalSeed) }

    /// The position of `dateLastModified` in every entity's columns. The hash treats it as blank: the hub sets
    /// the column itself when the content changes, so it is not content.
    public static let modifiedColumn = 2

    /// Returns the content hash of a record.
    public static func of(_ record: Record) -> UInt64 {
        var hash = ContentHash()
        record.withValueBytes { values in
            for index in 0..<values.count {
                let value = index == modifiedColumn ? nil : values[index]
                hash.combine(value ?? UnsafeBufferPointer(start: nil, count: 0))
            }
        }
        hash.combine(record.extensions)
        return hash.value
    }

    /// Adds one value given as UTF-8 bytes, with its closing word.
    public mutating func combine(_ bytes: UnsafeBufferPointer<UInt8>) {
        var current = state
        let count = bytes.count
        var offset = 0
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while offset + 8 <= count {
                let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                current = ContentHash.fold(current ^ word)
                offset += 8
            }
        }
        let remaining = count - offset
        var closing = UInt64(0xF8 + remaining) << 56
        for index in 0..<remaining {
            closing |= UInt64(bytes[offset + index]) << (8 * UInt64(index))
        }
        state = ContentHash.fold(current ^ closing)
    }

    /// Adds one value given as a string.
    public mutating func combine(_ text: String) {
        var text = text
        text.withUTF8 { combine($0) }
    }

    /// Adds the extension columns, each as its marker word, its name and its value.
    public mutating func combine(_ extensions: [Extension]) {
        for item in extensions {
            state = ContentHash.fold(state ^ ContentHash.extensionMarker)
            combine(item.name)
            combine(item.value)
        }
    }

    private static func fold(_ word: UInt64) -> UInt64 {
        let product = word.multipliedFullWidth(by: multiplier)
        return product.high ^ product.low
    }
}
