import Foundation
import Store
import Testing

@testable import SSO

/// A store in a fresh temporary folder, removed when the value is released.
final class TemporaryStore {
    let folder: URL
    let store: SnapshotStore
    var path: String { folder.appendingPathComponent("rollbook.sqlite").path }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jwt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        store = try SnapshotStore(path: folder.appendingPathComponent("rollbook.sqlite").path)
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }
}

func temporaryStore() throws -> TemporaryStore { try TemporaryStore() }

private let day: TimeInterval = 86_400
private let start = Date(timeIntervalSince1970: 1_767_225_600)

@Suite struct SigningKeyRingTests {
    @Test func emptyTableCreatesCurrentAndNext() throws {
        let temporary = try temporaryStore()
        let ring = SigningKeyRing()
        let result = try ring.rotate(now: start, store: temporary.store)
        #expect(result.created.count == 2)
        #expect(ring.publishedKeys.map(\.state) == [.current, .next])
        let rows = try temporary.store.signingKeys()
        #expect(rows.count == 2)
        let next = try #require(rows.first { $0.state == "next" })
        #expect(next.activatesAt == start.addingTimeInterval(30 * day))
        #expect(try ring.rotate(now: start.addingTimeInterval(3600), store: temporary.store).isEmpty)
    }

    @Test func rotationPublishesAheadAndDropsRetired() throws {
        let temporary = try temporaryStore()
        let policy = SigningKeyPolicy(rotationInterval: 30 * day, publishAhead: day, maxTokenLifetime: 3600)
        let ring = SigningKeyRing(policy: policy)
        try ring.rotate(now: start, store: temporary.store)
        let first = try #require(ring.currentKey)
        let next = try #require(ring.publishedKeys.first { $0.state == .next }?.kid)

        // The next key is in the JWKS from its creation, 30 days before it signs.
        #expect(ring.jwksJSON().contains("\"kid\":\"\(next)\""))
        let before = try ring.sign(
            claims: IDTokenClaims(issuer: "i", subject: "s", audience: "a", issuedAt: 0, lifetime: 60).writer())
        #expect(try JWT.decode(before).kid == first.kid)

        // On day 30 the next key signs, and the old one stays published as retired.
        let rotation = start.addingTimeInterval(30 * day)
        let result = try ring.rotate(now: rotation, store: temporary.store)
        #expect(result.activated == [next])
        #expect(result.retired == [first.kid])
        #expect(result.created.count == 1)
        #expect(ring.currentKey?.kid == next)
        let after = try ring.sign(
            claims: IDTokenClaims(issuer: "i", subject: "s", audience: "a", issuedAt: 0, lifetime: 60).writer())
        #expect(try JWT.decode(after).kid == next)
        #expect(ring.jwksJSON().contains("\"kid\":\"\(first.kid)\""))
        let newNext = try #require(try temporary.store.signingKeys().first { $0.state == "next" })
        #expect(newNext.activatesAt == rotation.addingTimeInterval(30 * day))

        // The retired key stays until every token it signed has expired, and then it is removed.
        #expect(try ring.rotate(now: rotation.addingTimeInterval(3599), store: temporary.store).removed.isEmpty)
        #expect(ring.publishedKeys.first { $0.kid == first.kid }?.state == .retired)
        let removal = try ring.rotate(now: rotation.addingTimeInterval(3600), store: temporary.store)
        #expect(removal.removed == [first.kid])
        #expect(!ring.jwksJSON().contains(first.kid))
        #expect(ring.publishedKeys.map(\.state) == [.current, .next])
    }

    @Test func lateRotationStillPublishesAhead() throws {
        let temporary = try temporaryStore()
        let ring = SigningKeyRing()
        try ring.rotate(now: start, store: temporary.store)
        // The service was down for 70 days: the overdue next key signs and a new next waits at least a day.
        let late = start.addingTimeInterval(70 * day)
        try ring.rotate(now: late, store: temporary.store)
        let next = try #require(try temporary.store.signingKeys().first { $0.state == "next" })
        #expect(next.activatesAt >= late.addingTimeInterval(day))
    }

    @Test func restartAndSecondReplicaReuseStoredKeys() throws {
        let temporary = try temporaryStore()
        let ring = SigningKeyRing()
        try ring.rotate(now: start, store: temporary.store)
        let published = ring.publishedKeys.map(\.kid)

        let replica = SigningKeyRing()
        let other = try SnapshotStore(path: temporary.path)
        let result = try replica.rotate(now: start.addingTimeInterval(60), store: other)
        #expect(result.isEmpty)
        #expect(replica.publishedKeys.map(\.kid) == published)
        #expect(replica.currentKey?.kid == ring.currentKey?.kid)
        let token = try replica.sign(
            claims: IDTokenClaims(issuer: "i", subject: "s", audience: "a", issuedAt: 0, lifetime: 60).writer())
        let decoded = try JWT.decode(token)
        #expect(
            try #require(ring.verificationKeys().key(for: decoded.kid)).verify(
                signature: decoded.signature, data: decoded.signingInput))
    }

    @Test func policyKeepsPublishAheadAboveTokenLifetime() {
        let policy = SigningKeyPolicy(rotationInterval: 60, publishAhead: 10, maxTokenLifetime: 3600)
        #expect(policy.publishAhead == 3600)
        #expect(policy.rotationInterval == 3600)
    }

    @Test func signingBeforeRotateFails() {
        let ring = SigningKeyRing()
        #expect(throws: KeyError.self) {
            try ring.sign(claims: JSONObjectWriter())
        }
    }
}
