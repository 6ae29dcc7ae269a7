/// A set of sourcedIds kept as 64-bit hashes, each with a small record of where it was seen.
///
/// A district can have ten million enrollments with 36-character ids; as `String` keys they would take
/// gigabytes, while this table takes 16 bytes a slot. An id is identified by 96 bits of two independent
/// hashes, so two different ids are taken for one with a chance of about n²/2⁹⁷ per run (below 10⁻¹⁵ at ten
/// million ids).
final class IdTable {
    /// The row, file and state kept for one id.
    struct Entry: Equatable {
        var row: Int
        var file: Int
        var accepted: Bool
        var duplicated: Bool
    }

    /// An id's two hashes: 64 bits that pick the slot, and 32 more that confirm the match.
    struct Key: Hashable {
        var primary: UInt64
        var check: UInt32

        func hash(into hasher: inout Hasher) {
            hasher.combine(primary)
        }
    }

    /// One slot: the id's primary hash, where 0 marks an empty slot, and next to it, so that a probe reads
    /// one cache line, the check hash (bits 32-63) and the entry (bits 0-31: row in 26 bits, file number
    /// in 4, then the accepted and duplicated flags).
    private struct Slot {
        var key: UInt64
        var entry: UInt64
    }

    /// The slots, in a raw buffer that keeps lookups free of reference counting and exclusivity checks,
    /// which cost more than the probe itself.
    private var slots: UnsafeMutablePointer<Slot>
    private var size: Int
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 4 / 3 { size <<= 1 }
        self.size = size
        mask = size - 1
        slots = Self.allocate(size)
    }

    deinit {
        slots.deallocate()
    }

    private static func allocate(_ size: Int) -> UnsafeMutablePointer<Slot> {
        let buffer = UnsafeMutablePointer<Slot>.allocate(capacity: size)
        buffer.initialize(repeating: Slot(key: 0, entry: 0), count: size)
        return buffer
    }

    /// Returns the table's key of an id: two 64-bit multiply-mix hashes computed in one pass over its UTF-8 bytes.
    ///
    /// The seeds are fixed, so a file crafted to collide could slow a run down. It cannot change the outcome
    /// beyond the stated chance, and ids come from the district's own SIS.
    static func key(_ id: String) -> Key {
        var id = id
        return id.withUTF8 { key($0) }
    }

    /// Returns the table's key of an id given as UTF-8 bytes.
    static func key(_ bytes: UnsafeBufferPointer<UInt8>) -> Key {
        var first: UInt64 = 0x243F_6A88_85A3_08D3 ^ UInt64(bytes.count)
        var second: UInt64 = 0x1319_8A2E_0370_7344 ^ UInt64(bytes.count)
        var index = 0
        let base = UnsafeRawPointer(bytes.baseAddress)
        while index + 8 <= bytes.count, let base {
            let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            first = mix(first ^ word, 0x9E37_79B9_7F4A_7C15)
            second = mix(second ^ word, 0xC2B2_AE3D_27D4_EB4F)
            index += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.count {
            tail |= UInt64(bytes[index]) << shift
            shift += 8
            index += 1
        }
        first = mix(first ^ tail, 0x9E37_79B9_7F4A_7C15)
        second = mix(second ^ tail, 0xC2B2_AE3D_27D4_EB4F)
        let primary = mix(first, 0xD6E8_FEB8_6659_FD93)
        return Key(
            primary: primary == 0 ? 1 : primary,
            check: UInt32(truncatingIfNeeded: mix(second, 0xA076_1D64_78BD_642F)))
    }

    /// Returns the key of `bytes` after `String.lowercased()`, without making a string when the bytes are ASCII.
    static func lowercasedKey(_ bytes: UnsafeBufferPointer<UInt8>) -> Key {
        guard bytes.count <= 256, bytes.allSatisfy({ $0 < 0x80 }) else {
            return key(String(decoding: bytes, as: UTF8.self).lowercased())
        }
        // For ASCII, `lowercased()` changes only A to Z.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(bytes.count, 1)) { lowered in
            for index in 0..<bytes.count {
                let byte = bytes[index]
                lowered[index] = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            }
            return key(UnsafeBufferPointer(rebasing: lowered[0..<bytes.count]))
        }
    }

    /// Multiplies to 128 bits and folds the halves together.
    @inline(__always)
    private static func mix(_ value: UInt64, _ multiplier: UInt64) -> UInt64 {
        let product = value.multipliedFullWidth(by: multiplier)
        return product.high ^ product.low
    }

    subscript(key: Key) -> Entry? {
        get {
            guard let slot = find(key) else { return nil }
            return Self.unpack(slots[slot].entry)
        }
        set {
            guard let entry = newValue else { return }
            if let slot = find(key) {
                slots[slot].entry = Self.pack(entry, check: key.check)
                return
            }
            if (count + 1) * 4 > size * 3 { grow() }
            let slot = emptySlot(for: key.primary)
            slots[slot] = Slot(key: key.primary, entry: Self.pack(entry, check: key.check))
            count += 1
        }
    }

    /// Makes room for `capacity` ids in an empty table.
    func reserve(_ capacity: Int) {
        guard count == 0 else { return }
        var slotsNeeded = 16
        while slotsNeeded < capacity * 4 / 3 { slotsNeeded <<= 1 }
        guard slotsNeeded > size else { return }
        slots.deallocate()
        size = slotsNeeded
        mask = slotsNeeded - 1
        slots = Self.allocate(slotsNeeded)
    }

    /// Removes every entry for which `condition` is true, by rebuilding the table.
    func removeAll(where condition: (Entry) -> Bool) {
        let old = slots
        slots = Self.allocate(size)
        count = 0
        for slot in 0..<size where old[slot].key != 0 && !condition(Self.unpack(old[slot].entry)) {
            slots[emptySlot(for: old[slot].key)] = old[slot]
            count += 1
        }
        old.deallocate()
    }

    private func find(_ key: Key) -> Int? {
        var slot = Int(truncatingIfNeeded: key.primary) & mask
        while true {
            let candidate = slots[slot]
            if candidate.key == 0 { return nil }
            if candidate.key == key.primary && UInt32(truncatingIfNeeded: candidate.entry >> 32) == key.check {
                return slot
            }
            slot = (slot + 1) & mask
        }
    }

    private func emptySlot(for hash: UInt64) -> Int {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot].key != 0 { slot = (slot + 1) & mask }
        return slot
    }

    private func grow() {
        let old = slots
        let oldSize = size
        size *= 2
        mask = size - 1
        slots = Self.allocate(size)
        for slot in 0..<oldSize where old[slot].key != 0 {
            slots[emptySlot(for: old[slot].key)] = old[slot]
        }
        old.deallocate()
    }

    /// The largest row an entry can name; a later row is kept as this one, so only its number in messages suffers.
    static let maximumRow = (1 << 26) - 1
    /// The largest file number an entry can name.
    static let maximumFile = 15

    private static func pack(_ entry: Entry, check: UInt32) -> UInt64 {
        let row = UInt64(min(max(entry.row, 0), maximumRow))
        let file = UInt64(min(max(entry.file, 0), maximumFile)) << 26
        let flags: UInt64 = (entry.accepted ? 1 << 30 : 0) | (entry.duplicated ? 1 << 31 : 0)
        return UInt64(check) << 32 | row | file | flags
    }

    private static func unpack(_ bits: UInt64) -> Entry {
        Entry(
            row: Int(bits & 0x3FF_FFFF), file: Int((bits >> 26) & 0xF), accepted: bits & (1 << 30) != 0,
            duplicated: bits & (1 << 31) != 0)
    }
}
