import OneRoster
import Store

/// The sourcedId key, content hash and tombstone flag of every stored record of one entity, for change detection.
///
/// Ten million enrollments must fit in the sync's memory budget next to the checker's tables, so sourcedIds are
/// not kept. A slot is 16 bytes: the sourcedId's 64-bit key (`RecordKey`), and the content hash with its lowest
/// three bits taken for flags. The open-addressing table is filled to at most 80%.
///
/// NOTE: two sourcedIds with the same key are taken for one record. Publishing upserts by the exact sourcedId,
/// so this can only miscount a change or keep a record a bulk file dropped. The chance is estimated at about
/// 3 in a million for 10M records (n squared over 2^65).
final class StoredStates {
    private struct Slot {
        var key: UInt64
        /// The content hash, its three lowest bits replaced by the flags below.
        var word: UInt64
    }

    private static let occupied: UInt64 = 1
    private static let tombstone: UInt64 = 2
    private static let seen: UInt64 = 4
    private static let flags: UInt64 = 7

    private var slots: [Slot]
    /// Records that are not tombstones.
    private(set) var liveCount = 0

    init(expected: Int) {
        slots = Array(repeating: Slot(key: 0, word: 0), count: max(16, expected * 5 / 4 + 1))
    }

    /// The snapshot's state of one sourcedId.
    enum Stored: Equatable {
        case none
        case live(hash: UInt64)
        case tombstone(hash: UInt64)
    }

    /// Adds a stored record; the table does not grow, so `expected` must have counted it.
    func insert(_ sourcedId: String, hash: UInt64, tombstone: Bool) {
        let key = StoredStates.key(sourcedId)
        let index = slot(for: key)
        if slots[index].word & StoredStates.occupied == 0 && !tombstone {
            liveCount += 1
        }
        let flags = StoredStates.occupied | (tombstone ? StoredStates.tombstone : 0)
        slots[index] = Slot(key: key, word: (hash & ~StoredStates.flags) | flags)
    }

    /// Looks a sourcedId up by its key (`key(of:)`) and marks it seen.
    func see(key: UInt64) -> Stored {
        let index = slot(for: key)
        let word = slots[index].word
        guard word & StoredStates.occupied != 0 else { return .none }
        slots[index].word = word | StoredStates.seen
        let hash = word & ~StoredStates.flags
        return word & StoredStates.tombstone != 0 ? .tombstone(hash: hash) : .live(hash: hash)
    }

    /// Forgets that a sourcedId was seen, for a record whose earlier copy was withdrawn.
    func unsee(_ sourcedId: String) {
        let index = slot(for: StoredStates.key(sourcedId))
        slots[index].word &= ~StoredStates.seen
    }

    /// Returns whether a stored sourcedId was seen in this run.
    func wasSeen(_ sourcedId: String) -> Bool {
        slots[slot(for: StoredStates.key(sourcedId))].word & StoredStates.seen != 0
    }

    /// Returns whether a record's content hash equals a stored one, in the bits the table keeps.
    static func same(_ hash: UInt64, _ stored: UInt64) -> Bool {
        hash & ~flags == stored
    }

    /// Returns the slot holding the key, or the empty slot where it belongs.
    private func slot(for key: UInt64) -> Int {
        let size = slots.count
        // Maps the key onto 0..<size by the high half of a 128-bit product, which needs no power-of-two size.
        var index = Int(key.multipliedFullWidth(by: UInt64(size)).high)
        while true {
            let slot = slots[index]
            if slot.word & StoredStates.occupied == 0 || slot.key == key { return index }
            index += 1
            if index == size { index = 0 }
        }
    }

    private static func key(_ sourcedId: String) -> UInt64 {
        UInt64(bitPattern: RecordKey.of(sourcedId))
    }

    /// Returns the key of a record's sourcedId, read from its bytes without making a string.
    static func key(of record: Record) -> UInt64 {
        record.withValue(at: 0) { UInt64(bitPattern: RecordKey.of($0 ?? UnsafeBufferPointer(start: nil, count: 0))) }
    }
}
