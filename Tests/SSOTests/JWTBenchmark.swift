import Foundation
import Testing

@testable import SSO

/// Prints id_token signing rates for bench/sso_signing.sh. It asserts nothing about speed and runs only when
/// ROLLBOOK_BENCH=1, ideally in a release build (`swift test -c release`).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["ROLLBOOK_BENCH"] == "1", "set ROLLBOOK_BENCH=1 to run"))
struct JWTBenchmark {
    @Test func idTokenSigningRate() async throws {
        let key = try #require(providerKey)
        let seconds = Double(ProcessInfo.processInfo.environment["ROLLBOOK_BENCH_SECONDS"] ?? "") ?? 5
        let single = try Self.sign(key: key, seconds: seconds)
        print("rollbook_idtoken_sign_per_second threads=1 \(String(format: "%.0f", single))")
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let total = try await withThrowingTaskGroup(of: Double.self) { group in
            for _ in 0..<threads {
                group.addTask { try Self.sign(key: key, seconds: seconds) }
            }
            return try await group.reduce(0, +)
        }
        print("rollbook_idtoken_sign_per_second threads=\(threads) \(String(format: "%.0f", total))")
        #expect(single > 0)
    }

    /// Builds and signs id_tokens for `seconds` and returns the rate per second.
    private static func sign(key: RSASigningKey, seconds: Double) throws -> Double {
        let start = Date()
        var count = 0
        // The loop is bounded by time, and the count bound stops a broken clock from looping forever.
        while Date().timeIntervalSince(start) < seconds && count < 10_000_000 {
            let claims = IDTokenClaims(
                issuer: "https://sso.example.org", subject: "user-\(count)", audience: "app-1",
                issuedAt: Date().timeIntervalSince1970, lifetime: 300, nonce: "nonce-\(count)")
            _ = try JWT.sign(claims: claims.writer(), with: key)
            count += 1
        }
        return Double(count) / Date().timeIntervalSince(start)
    }
}
