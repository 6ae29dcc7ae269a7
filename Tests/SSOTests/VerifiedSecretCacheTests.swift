import Testing

@testable import SSO

/// The cache of secrets that passed the PBKDF2 check.
struct VerifiedSecretCacheTests {
    @Test func remembersOnlyTheSecretThatPassed() throws {
        let cache = VerifiedSecretCache()
        let stored = SecretHash.make(secret: "right", iterations: SecretHash.minimumIterations)
        #expect(try cache.verify("right", against: stored))
        #expect(try cache.verify("right", against: stored))
        #expect(try !cache.verify("wrong", against: stored))
        #expect(try !cache.verify("", against: stored))
        #expect(try cache.verify("right", against: stored))
    }

    @Test func aNewHashForgetsTheOldSecret() throws {
        let cache = VerifiedSecretCache()
        let old = SecretHash.make(secret: "first", iterations: SecretHash.minimumIterations)
        let new = SecretHash.make(secret: "second", iterations: SecretHash.minimumIterations)
        #expect(try cache.verify("first", against: old))
        #expect(try !cache.verify("first", against: new))
        #expect(try cache.verify("second", against: new))
    }

    @Test func boundedByCapacity() throws {
        let cache = VerifiedSecretCache(capacity: 2)
        for index in 0..<3 {
            let stored = SecretHash.make(secret: "s\(index)", iterations: SecretHash.minimumIterations)
            #expect(try cache.verify("s\(index)", against: stored))
            #expect(cache.count == [1, 2, 1][index])
        }
        #expect(throws: SecretHashError.self) { try cache.verify("x", against: "not a hash") }
    }
}
