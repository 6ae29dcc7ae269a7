/// Nonces seen per consumer, kept until their timestamps fall out of the accepted window, with a bounded size.
struct NonceCache: Sendable {
    /// The outcome of recording a nonce.
    enum Outcome: Equatable {
        case fresh
        case replayed
        case full
    }

    private var consumers: [String: ConsumerNonces] = [:]
    let maxPerConsumer: Int

    init(maxPerConsumer: Int) {
        self.maxPerConsumer = max(1, maxPerConsumer)
    }

    /// Records `nonce` with `timestamp` for `consumer` unless it was seen. Entries live until `expiresAt`.
    mutating func record(consumer: String, nonce: String, timestamp: Int, expiresAt: Double, now: Double) -> Outcome {
        let key = "\(timestamp) \(nonce)"
        var entry = consumers[consumer] ?? ConsumerNonces()
        if now >= entry.nextSweep || entry.seen.count >= maxPerConsumer {
            entry.seen = entry.seen.filter { $0.value > now }
            entry.nextSweep = now + 30
        }
        if let expiry = entry.seen[key], expiry > now {
            consumers[consumer] = entry
            return .replayed
        }
        guard entry.seen.count < maxPerConsumer else {
            consumers[consumer] = entry
            return .full
        }
        entry.seen[key] = expiresAt
        consumers[consumer] = entry
        return .fresh
    }

    /// Returns the number of nonces stored for `consumer`, including expired ones not yet swept.
    func count(consumer: String) -> Int {
        consumers[consumer]?.seen.count ?? 0
    }
}

private struct ConsumerNonces: Sendable {
    var seen: [String: Double] = [:]
    var nextSweep: Double = 0
}
