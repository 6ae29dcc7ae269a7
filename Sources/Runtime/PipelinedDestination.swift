import Foundation
import OneRoster

/// Hands accepted records to a writer thread in batches, so reading and checking the next rows overlaps with
/// SQLite storing the previous ones: the two take about the same time for a large district.
///
/// Operations reach the wrapped destination in the order they were made. `removeUnseen` and `finish` wait
/// until the writer has applied everything before them, so the wrapped destination is only ever used by one
/// thread at a time.
final class PipelinedDestination: RecordDestination, @unchecked Sendable {
    private enum Operation {
        case start(Entity, bulk: Bool)
        case upsert(Record)
        case restore(Entity, String)
        case beginFile
        case endFile(keep: Bool)
    }

    /// Used by the writer thread, and by the calling thread only while the writer is idle (see `drain`).
    private let inner: RecordDestination
    private let batchSize: Int
    private var batch: [Operation] = []

    // State shared with the writer thread, guarded by `condition`.
    private let condition = NSCondition()
    private var queue: [[Operation]] = []
    private var writing = false
    private var closed = false
    private var failure: (any Error)?
    private var finished = false

    init(wrapping inner: RecordDestination, batchSize: Int = 2048) {
        self.inner = inner
        self.batchSize = batchSize
        batch.reserveCapacity(batchSize)
        let thread = Thread { [self] in writerLoop() }
        thread.name = "rollbook.store-writer"
        thread.start()
    }

    deinit {
        stop()
    }

    func startEntity(_ entity: Entity, bulk: Bool) throws { try append(.start(entity, bulk: bulk)) }
    func upsert(_ record: Record) throws { try append(.upsert(record)) }
    func restore(_ entity: Entity, sourcedId: String) throws { try append(.restore(entity, sourcedId)) }
    func beginFile() throws { try append(.beginFile) }
    func endFile(keep: Bool) throws { try append(.endFile(keep: keep)) }

    func removeUnseen(_ entity: Entity, seen: (String) -> Bool) throws -> [String] {
        try drain()
        return try inner.removeUnseen(entity, seen: seen)
    }

    func forEachStoredRecord(_ entity: Entity, _ body: (Record) -> Void) throws {
        try drain()
        try inner.forEachStoredRecord(entity, body)
    }

    func forEachStored(_ entity: Entity, _ body: (String, String?) -> Void) throws {
        try drain()
        try inner.forEachStored(entity, body)
    }

    /// Waits for the writer to apply everything, then stops it; rethrows the first error it met.
    func finish() throws {
        defer { stop() }
        try drain()
        try inner.finish()
    }

    /// Stops the writer thread without applying what is still queued; safe to call more than once.
    func stop() {
        condition.lock()
        closed = true
        queue.removeAll()
        condition.broadcast()
        while writing { condition.wait() }
        condition.unlock()
    }

    private func append(_ operation: Operation) throws {
        batch.append(operation)
        if batch.count >= batchSize { try flush() }
    }

    /// Queues the current batch, waiting while two batches are already queued.
    private func flush() throws {
        guard !batch.isEmpty else { return }
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= 2 && failure == nil && !closed { condition.wait() }
        if let failure { throw failure }
        queue.append(batch)
        condition.broadcast()
        batch = []
        batch.reserveCapacity(batchSize)
    }

    /// Queues the current batch and waits until the writer has applied everything.
    private func drain() throws {
        try flush()
        condition.lock()
        defer { condition.unlock() }
        while (!queue.isEmpty || writing) && failure == nil && !closed { condition.wait() }
        if let failure { throw failure }
    }

    private func writerLoop() {
        while true {
            condition.lock()
            while queue.isEmpty && !closed { condition.wait() }
            if closed {
                condition.unlock()
                return
            }
            let operations = queue.removeFirst()
            writing = true
            condition.broadcast()
            condition.unlock()

            var error: (any Error)?
            do {
                for operation in operations { try apply(operation) }
            } catch let caught {
                error = caught
            }

            condition.lock()
            writing = false
            if let error, failure == nil {
                failure = error
                queue.removeAll()
            }
            condition.broadcast()
            condition.unlock()
        }
    }

    private func apply(_ operation: Operation) throws {
        switch operation {
        case .start(let entity, let bulk): try inner.startEntity(entity, bulk: bulk)
        case .upsert(let record): try inner.upsert(record)
        case .restore(let entity, let sourcedId): try inner.restore(entity, sourcedId: sourcedId)
        case .beginFile: try inner.beginFile()
        case .endFile(let keep): try inner.endFile(keep: keep)
        }
    }
}
