import Foundation
import Synchronization
import Testing

@testable import SSO

/// Returns the folder of one test case, or nil when the case data is absent.
private func caseFolder(_ name: String) -> URL? {
    let folder = sharedFolder().appendingPathComponent("cases").appendingPathComponent(name)
    return FileManager.default.fileExists(atPath: folder.path) ? folder : nil
}

/// Reads a case token file (`header`, `payload`) and signs it with `key`, keeping its header and payload as written.
private func signCaseToken(_ file: URL, key: RSASigningKey) throws -> String {
    let object = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
    let header = try JSONSerialization.data(withJSONObject: try #require(object["header"]), options: [.sortedKeys])
    let payload = try JSONSerialization.data(withJSONObject: try #require(object["payload"]), options: [.sortedKeys])
    return try signedToken(
        header: String(decoding: header, as: UTF8.self), payload: String(decoding: payload, as: UTF8.self), key: key)
}

private let idpIssuer = "https://idp.maple-isd.example.org"

@Suite struct JWTClockSkewCaseTests {
    @Test(
        "Clock skew within the leeway is tolerated",
        .enabled(if: caseFolder("B24") != nil, "the shared case folder B24 is absent"))
    func clockSkewCase() throws {
        let folder = try #require(caseFolder("B24"))
        let key = try #require(providerKey)
        let keys = JWKSet(keysByKid: ["idp-test-k1": key.publicKey])
        let validator = IDTokenValidator(issuer: idpIssuer, clientID: "rollbook-maple")
        let now = Date(timeIntervalSince1970: 1_767_225_600)
        for accepted in ["id_token_A_issued_20s_ahead.json", "id_token_C_expired_30s_ago.json"] {
            let token = try signCaseToken(folder.appendingPathComponent(accepted), key: key)
            let decoded = try validator.validate(token, keys: keys, nonce: "n-b24", now: now)
            #expect(decoded.claims["sub"] == .string("maple-7c1d-0001"), "\(accepted)")
        }
        let rejected: [(String, String, String, Int?)] = [
            (
                "id_token_B_issued_10min_ahead.json", "jwt.issued_in_future",
                "The token was issued 600 s in the future ('iat'), beyond the 60 s leeway", 600
            ),
            (
                "id_token_D_expired_400s_ago.json", "jwt.expired",
                "The token expired 400 s ago, beyond the 60 s leeway", 400
            ),
            (
                "id_token_E_no_iat.json", "jwt.missing_claim",
                "Claim 'iat' is missing; an OpenID Connect id_token requires it", nil
            ),
        ]
        for (file, code, message, gap) in rejected {
            let token = try signCaseToken(folder.appendingPathComponent(file), key: key)
            do {
                _ = try validator.validate(token, keys: keys, nonce: "n-b24", now: now)
                Issue.record("\(file) was accepted")
            } catch {
                #expect(error.code == code, "\(file)")
                #expect(error.message == message, "\(file)")
                #expect(error.gapSeconds == gap, "\(file)")
            }
        }
    }

    @Test func ownTokensHaveNoNbfAfterIat() throws {
        let ring = SigningKeyRing()
        let store = try temporaryStore()
        try ring.rotate(now: Date(timeIntervalSince1970: 1_767_225_600), store: store.store)
        let token = try ring.sign(
            claims: IDTokenClaims(
                issuer: "https://sso.example.org", subject: "u-2401", audience: "app", issuedAt: 1_767_225_600.7,
                lifetime: 300, nonce: "n"
            ).writer())
        let decoded = try JWT.decode(token)
        #expect(decoded.claims["iat"] == .number(1_767_225_600))
        #expect(decoded.claims["exp"] == .number(1_767_225_900))
        #expect(decoded.claims["nbf"] == nil)
    }
}

/// Counts JWKS fetches and serves whatever document the test sets, or fails like an HTTP 503.
private final class FakeIdP: Sendable {
    let document = Mutex<JWKSet?>(nil)
    let calls = Mutex(0)

    func fetch(_ issuer: String) throws -> JWKSet {
        calls.withLock { $0 += 1 }
        guard let set = document.withLock({ $0 }) else { throw FakeOutage() }
        return set
    }
}

private struct FakeOutage: Error, CustomStringConvertible {
    var description: String { "HTTP 503 from /jwks" }
}

@Suite struct JWTKeyRotationCaseTests {
    @Test func upstreamRotationRefetchesOnce() throws {
        let old = try #require(providerKey)
        let new = try #require(otherKey)
        let forger = try RSASigningKey.generate()
        let clock = TestClock(1_767_225_600)
        let idp = FakeIdP()
        idp.document.withLock { $0 = JWKSet(keysByKid: ["maple-2025-a": old.publicKey]) }
        let cache = JWKSCache(refetchInterval: 60, maxAge: 3600, clock: { clock.now() }, fetcher: { try idp.fetch($0) })
        let validator = IDTokenValidator(issuer: idpIssuer, clientID: "rollbook-maple")

        func token(kid: String, key: RSASigningKey) throws -> String {
            let iat = Int(clock.now().timeIntervalSince1970)
            return try signedToken(
                header: "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"\(kid)\"}",
                payload:
                    "{\"iss\":\"\(idpIssuer)\",\"aud\":\"rollbook-maple\",\"sub\":\"maple-7c1d-0001\",\"iat\":\(iat),"
                    + "\"exp\":\(iat + 3600),\"nonce\":\"n-b25\"}",
                key: key)
        }

        // t+0: the first login fetches the JWKS once.
        let token1 = try token(kid: "maple-2025-a", key: old)
        _ = try validator.validate(token1, cache: cache, nonce: "n-b25", now: clock.now())
        #expect(idp.calls.withLock { $0 } == 1)

        // The IdP rotates at t+60. At t+61 a token with the new kid causes exactly one refetch.
        clock.advance(by: 60)
        idp.document.withLock {
            $0 = JWKSet(keysByKid: ["maple-2025-a": old.publicKey, "maple-2026-a": new.publicKey])
        }
        clock.advance(by: 1)
        let token2 = try token(kid: "maple-2026-a", key: new)
        _ = try validator.validate(token2, cache: cache, nonce: "n-b25", now: clock.now())
        #expect(idp.calls.withLock { $0 } == 2)

        // t+62..: ten logins with an unpublished kid cause at most one further fetch.
        for _ in 0..<10 {
            clock.advance(by: 0.5)
            let token3 = try token(kid: "maple-9999-z", key: forger)
            do {
                _ = try validator.validate(token3, cache: cache, nonce: "n-b25", now: clock.now())
                Issue.record("A token with an unknown kid was accepted")
            } catch {
                #expect(error.code == "jwt.unknown_kid")
                #expect(error.message.hasPrefix("Signing key not found"))
            }
        }
        #expect(idp.calls.withLock { $0 } <= 3)
        let callsAfterUnknown = idp.calls.withLock { $0 }

        // t+70: a known kid with a forged signature is a bad signature, with no fetch.
        clock.advance(by: 3)
        let token4 = try token(kid: "maple-2026-a", key: forger)
        #expect(throws: JWTError.badSignature(kid: "maple-2026-a")) {
            try validator.validate(token4, cache: cache, nonce: "n-b25", now: clock.now())
        }

        // t+80: /jwks returns 503, and cached keys still validate tokens 1 and 2.
        clock.advance(by: 10)
        idp.document.withLock { $0 = nil }
        _ = try validator.validate(
            try token(kid: "maple-2025-a", key: old), cache: cache, nonce: "n-b25", now: clock.now())
        _ = try validator.validate(
            try token(kid: "maple-2026-a", key: new), cache: cache, nonce: "n-b25", now: clock.now())
        #expect(idp.calls.withLock { $0 } == callsAfterUnknown)

        // t+90: another district's IdP has its own cache entry and fetch.
        clock.advance(by: 10)
        let second = IDTokenValidator(issuer: "https://idp.oak-usd.example.org", clientID: "rollbook-oak")
        #expect(throws: JWTError.self) {
            try second.validate(token1, cache: cache, nonce: nil, now: clock.now())
        }
        #expect(cache.fetchCount(issuer: "https://idp.oak-usd.example.org") == 1)
        #expect(cache.fetchCount(issuer: idpIssuer) == callsAfterUnknown)
    }

    @Test func concurrentMissesShareOneFetch() async throws {
        let key = try #require(providerKey)
        let clock = TestClock(1_767_225_600)
        let calls = Mutex(0)
        let cache = JWKSCache(
            clock: { clock.now() },
            fetcher: { _ in
                calls.withLock { $0 += 1 }
                Thread.sleep(forTimeInterval: 0.2)
                return JWKSet(keysByKid: ["k1": key.publicKey])
            })
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask { (try? cache.key(issuer: idpIssuer, kid: "unknown")) == nil }
            }
            for await refused in group { #expect(refused) }
        }
        #expect(calls.withLock { $0 } == 1)
    }

    @Test func failedFirstFetchIsRetriedAfterInterval() throws {
        let clock = TestClock(1_767_225_600)
        let idp = FakeIdP()
        let cache = JWKSCache(refetchInterval: 60, clock: { clock.now() }, fetcher: { try idp.fetch($0) })
        for _ in 0..<5 {
            #expect(throws: JWTError.self) { try cache.key(issuer: idpIssuer, kid: "k1") }
        }
        #expect(idp.calls.withLock { $0 } == 1)
        let key = try #require(providerKey)
        idp.document.withLock { $0 = JWKSet(keysByKid: ["k1": key.publicKey]) }
        clock.advance(by: 60)
        #expect(throws: Never.self) { try cache.key(issuer: idpIssuer, kid: "k1") }
        #expect(idp.calls.withLock { $0 } == 2)
    }
}
