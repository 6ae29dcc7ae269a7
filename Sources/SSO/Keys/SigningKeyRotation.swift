import Foundation
import Store

/// The rotation rules as a pure function over the stored key rows, so that they can be tested without keys or I/O.
enum SigningKeyRotation {
    /// Applies one rotation step at `now` to `keys` and returns what changed. `makeKey` generates a key and returns
    /// its kid and PEM.
    ///
    /// The steps run in this order. A `next` key whose activation time has come becomes `current`, and the old
    /// `current` becomes `retired`. With no `current` key, one is generated. With no `next` key, one is generated
    /// that activates one rotation interval after the current key did, but no sooner than `publishAhead` from now.
    /// Last, retired keys are removed `maxTokenLifetime` after they stopped signing.
    static func step(
        _ keys: inout [StoredSigningKey], now: Date, policy: SigningKeyPolicy,
        makeKey: () throws -> (kid: String, pem: String)
    ) rethrows -> SigningKeyRotationResult {
        var result = SigningKeyRotationResult()
        let due = keys.indices.filter { keys[$0].state == SigningKeyState.next.rawValue && keys[$0].activatesAt <= now }
            .sorted { keys[$0].activatesAt < keys[$1].activatesAt }
        if let newest = due.last {
            for index in keys.indices where keys[index].state == SigningKeyState.current.rawValue || due.contains(index)
            {
                guard index != newest else { continue }
                retire(&keys[index], now: now, into: &result)
            }
            keys[newest].state = SigningKeyState.current.rawValue
            result.activated.append(keys[newest].kid)
        }
        var current = keys.indices.filter { keys[$0].state == SigningKeyState.current.rawValue }
            .sorted { keys[$0].activatesAt < keys[$1].activatesAt }
        // Only a damaged table has two current keys: the newest keeps signing.
        for index in current.dropLast() { retire(&keys[index], now: now, into: &result) }
        current = Array(current.suffix(1))
        if current.isEmpty {
            let made = try makeKey()
            keys.append(
                StoredSigningKey(
                    kid: made.kid, pem: made.pem, state: SigningKeyState.current.rawValue, createdAt: now,
                    activatesAt: now, retiresAt: nil))
            result.created.append(made.kid)
            result.activated.append(made.kid)
            current = [keys.count - 1]
        }
        if !keys.contains(where: { $0.state == SigningKeyState.next.rawValue }), let index = current.first {
            let scheduled = keys[index].activatesAt.addingTimeInterval(policy.rotationInterval)
            let earliest = now.addingTimeInterval(policy.publishAhead)
            let made = try makeKey()
            keys.append(
                StoredSigningKey(
                    kid: made.kid, pem: made.pem, state: SigningKeyState.next.rawValue, createdAt: now,
                    activatesAt: max(scheduled, earliest), retiresAt: nil))
            result.created.append(made.kid)
        }
        keys.removeAll { key in
            guard key.state == SigningKeyState.retired.rawValue else { return false }
            let retiredAt = key.retiresAt ?? key.activatesAt
            guard retiredAt.addingTimeInterval(policy.maxTokenLifetime) <= now else { return false }
            result.removed.append(key.kid)
            return true
        }
        return result
    }

    private static func retire(_ key: inout StoredSigningKey, now: Date, into result: inout SigningKeyRotationResult) {
        key.state = SigningKeyState.retired.rawValue
        key.retiresAt = now
        result.retired.append(key.kid)
    }
}
