import OneRoster

/// The `key` column of a stored record: a 64-bit hash of its sourcedId, stable across processes and builds.
///
/// Keys are not unique: the unique index is on (key, district, sourcedId), and every lookup names all three.
/// The integer comes first so that index builds and lookups compare a number before they compare text.
public enum RecordKey {
    /// Returns the key of a sourcedId given as UTF-8 bytes.
    public static func of(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64 {
        var hash = ContentHash()
        hash.combine(bytes)
        return Int64(bitPattern: hash.value)
    }

    /// Returns the key of a sourcedId.
    public static func of(_ sourcedId: String) -> Int64 {
        var text = sourcedId
        return text.withUTF8 { of($0) }
    }
}
