import CCurl
import Foundation
import Glibc

/// A blocking HTTP client over libcurl with one easy handle per attempt.
///
/// TLS peer and host verification are always on, only `http` and `https` URLs are fetched, and redirects are
/// followed only when a request sets `followsRedirects`. Calls block the calling thread, so run them on a
/// dedicated thread rather than on Swift's cooperative pool.
public enum HTTPClient {
    /// Whether libcurl was initialized; the global is initialized once, on first use, by Swift.
    static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    /// One retry about to happen, passed to the `onRetry` closure of `send(_:policy:onRetry:)`.
    public struct Retry: Sendable {
        /// The number of the retry, from 1.
        public let attempt: Int
        /// The wait before the retry, in seconds.
        public let delay: Double
        /// The reason the previous attempt failed, such as `status 503` or a libcurl error.
        public let reason: String
    }

    /// Sends the request, retrying on 429, 5xx and transient failures with exponential backoff and jitter,
    /// honouring `Retry-After` in seconds or as a date, within `policy.totalTimeLimit`.
    ///
    /// `onRetry` runs on the calling thread before each wait, for logging.
    public static func send(
        _ request: HTTPClientRequest, policy: HTTPPolicy, onRetry: (Retry) -> Void = { _ in }
    ) -> Result<HTTPClientResponse, Failure> {
        send(request, policy: policy, onRetry: onRetry, prepare: { _, _ in })
    }

    /// Sends the request as `send(_:policy:onRetry:)` does, and lets `prepare` change each attempt first, such
    /// as to sign it again with a new nonce.
    ///
    /// `prepare` runs on the calling thread before every attempt with the attempt number (1 for the first) and
    /// a fresh copy of `request`. An error it throws ends the request without sending that attempt.
    public static func send(
        _ request: HTTPClientRequest, policy: HTTPPolicy, onRetry: (Retry) -> Void = { _ in },
        prepare: (_ attempt: Int, _ request: inout HTTPClientRequest) throws -> Void
    ) rethrows -> Result<HTTPClientResponse, Failure> {
        let deadline = monotonicSeconds() + policy.totalTimeLimit
        var attempt = 0
        // Bounded: each pass either returns or increments `attempt`, which may not exceed `request.retries`.
        while true {
            var limited = request
            try prepare(attempt + 1, &limited)
            let remaining = deadline - monotonicSeconds()
            limited.timeout = max(0.001, min(limited.timeout, remaining))
            let result = perform(limited, maximumBodySize: policy.maximumBodySize)
            var delay: Double
            var reason: String
            switch result {
            case .success(let response) where response.status == 429 || (500...599).contains(response.status):
                delay = backoff(attempt: attempt, policy: policy)
                if let header = response.headers["retry-after"],
                    let seconds = retryAfterSeconds(header, now: Date())
                {
                    delay = min(seconds, policy.backoffMaximum)
                }
                reason = "status \(response.status)"
            case .failure(let failure) where failure.isTransient:
                delay = backoff(attempt: attempt, policy: policy)
                reason = failure.description
            default:
                return result
            }
            guard attempt < request.retries, monotonicSeconds() + delay < deadline else { return result }
            attempt += 1
            onRetry(Retry(attempt: attempt, delay: delay, reason: reason))
            usleep(useconds_t(delay * 1_000_000))
        }
    }

    private static func backoff(attempt: Int, policy: HTTPPolicy) -> Double {
        let exponential = policy.backoffBase * Double(1 << min(attempt, 20))
        return min(policy.backoffMaximum, exponential) * Double.random(in: 0.5...1.0)
    }

    /// Returns the URL without its query string and fragment, which may contain tokens, for logs and messages.
    public static func redacted(_ url: String) -> String {
        String(url.prefix { $0 != "?" && $0 != "#" })
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}

extension StringProtocol {
    /// Returns the text without leading and trailing spaces, tabs and line ends.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
