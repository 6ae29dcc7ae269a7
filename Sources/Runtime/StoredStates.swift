import OneRoster
import Store

/// The sourcedId, content hash and tombstone flag of every stored record of one entity, for change detection.
///
/// Ten million enrollments must fit well inside the sync's memory budget, so sourcedIds are not kept: each is a
/// 96-bit key (two independent 64-bit hashes, one cut to 32 bits), 24 bytes a slot with the content hash and flags,
/// in one open-addressing table. Two different sourcedIds would have to agree on all 96 bits to be confused.
final class StoredStates {
    private struct Slot {
        var key: UInt64
        var hash: UInt64
        var check: UInt32
        /// Bit 0: occupied, bit 1: tombstone, bit 2: seen in this run.
        var flags: UInt32
    }

    private var slots: [Slot]
    private(set) var count = 0
    /// Records that are not tombstones.
    private(set) var liveCount = 0

    init(expected: Int) {
        slots = Array(repeating: Slot(key: 0, hash: 0, check: 0, flags: 0), count: max(16, expected * 4 / 3 + 1))
    }

    /// What the snapshot holds for a sourcedId.
    enum Stored: Equatable {
        case none
        case live(hash: UInt64)
        case tombstone(hash: UInt64)
    }

    /// Adds a stored record; the table does not grow, so `expected` must have counted it.
    func insert(_ sourcedId: String, hash: UInt64, tombstone: Bool) {
        let (key, check) = StoredStates.key(sourcedId)
        let index = slot(key: key, check: check)
        if slots[index].flags & 1 == 0 {
            count += 1
            if !tombstone { liveCount += 1 }
        }
        slots[index] = Slot(key: key, hash: hash, check: check, flags: 1 | (tombstone ? 2 : 0))
    }

    /// Looks a sourcedId up and marks it seen.
    func see(_ sourcedId: String) -> Stored {
        let (key, check) = StoredStates.key(sourcedId)
        let index = slot(key: key, check: check)
        let flags = slots[index].flags
        guard flags & 1 != 0 else { return .none }
        slots[index].flags = flags | 4
        return flags & 2 != 0 ? .tombstone(hash: slots[index].hash) : .live(hash: slots[index].hash)
    }

    /// Forgets that a sourcedId was seen, for a record whose earlier copy was withdrawn.
    func unsee(_ sourcedId: String) {
        let (key, check) = StoredStates.key(sourcedId)
        let index = slot(key: key, check: check)
        slots[index].flags &= ~4
    }

    /// Whether a stored sourcedId was seen in this run.
    func wasSeen(_ sourcedId: String) -> Bool {
        let (key, check) = StoredStates.key(sourcedId)
        return slots[slot(key: key, check: check)].flags & 4 != 0
    }

    /// Returns the slot holding the key, or the empty slot where it belongs.
    private func slot(key: UInt64, check: UInt32) -> Int {
        let size = slots.count
        // Maps the key onto 0..<size by the high half of a 128-bit product, which needs no power-of-two size.
        var index = Int(key.multipliedFullWidth(by: UInt64(size)).high)
        while true {
            let slot = slots[index]
            if slot.flags & 1 == 0 || (slot.key == key && slot.check == check) { return index }
            index += 1
            if index == size { index = 0 }
        }
    }

    private static func key(_ sourcedId: String) -> (UInt64, UInt32) {
        var first = ContentHash()
        first.combine(sourcedId)
        var second = ContentHash()
        second.combine("#")
        second.combine(sourcedId)
        return (first.value, UInt32(truncatingIfNeeded: second.value >> 17))
    }
}
