import CCurl
import Glibc

/// One HTTP request as a script describes it.
struct HTTPRequest {
    var method = "GET"
    var url = ""
    var headers: [(String, String)] = []
    var body: [UInt8]?
    var timeout: Double
    var connectTimeout: Double
    var retries: Int
}

/// A received response; header names are lowercase and repeated headers are joined with `, `.
struct HTTPResponse {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]
}

/// A blocking HTTP client over libcurl with one easy handle per attempt.
enum HTTPClient {
    /// Whether libcurl was initialized; the global is initialized once, on first use, by Swift.
    static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    /// The reason an attempt got no response.
    struct Failure: Error, CustomStringConvertible {
        let code: CURLcode
        let description: String

        /// Whether another attempt may succeed: connection and transfer errors, not bad URLs.
        var isTransient: Bool {
            switch code {
            case CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT, CURLE_SEND_ERROR, CURLE_RECV_ERROR,
                CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_COULDNT_RESOLVE_HOST:
                return true
            default:
                return false
            }
        }
    }

    /// Sends the request, retrying on 429, 5xx and transient failures with exponential backoff and
    /// jitter, honouring `Retry-After` in seconds, within `policy.totalTimeLimit`.
    static func send(
        _ request: HTTPRequest, policy: HTTPPolicy, logger: ScriptLogger, script: String
    ) -> Result<HTTPResponse, Failure> {
        let deadline = monotonicSeconds() + policy.totalTimeLimit
        var attempt = 0
        while true {
            var limited = request
            let remaining = deadline - monotonicSeconds()
            limited.timeout = max(0.001, min(request.timeout, remaining))
            let result = perform(limited, maximumBodySize: policy.maximumBodySize)
            var delay: Double
            var reason: String
            switch result {
            case .success(let response) where response.status == 429 || (500...599).contains(response.status):
                delay = backoff(attempt: attempt, policy: policy)
                if let header = response.headers["retry-after"], let seconds = Double(header.trimmingWhitespace()),
                    seconds >= 0
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
            logger.log(
                level: .warn, message: "retrying HTTP request",
                fields: [
                    "script": script, "method": request.method, "url": redacted(request.url), "reason": reason,
                    "attempt": String(attempt), "delay_seconds": String(delay),
                ])
            usleep(useconds_t(delay * 1_000_000))
        }
    }

    private static func backoff(attempt: Int, policy: HTTPPolicy) -> Double {
        let exponential = policy.backoffBase * Double(1 << min(attempt, 20))
        return min(policy.backoffMaximum, exponential) * Double.random(in: 0.5...1.0)
    }

    /// Returns the URL without its query string, which may contain tokens.
    static func redacted(_ url: String) -> String {
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
