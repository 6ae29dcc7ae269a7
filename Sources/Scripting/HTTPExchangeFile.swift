import COpenSSL
import Foundation
import HTTP

/// One recorded HTTP exchange, stored as one JSON file in a recording folder.
///
/// The URL has no user name, password or secret query values, the request body is kept only as its SHA-256
/// (taken after secret form values are replaced), and the response keeps only the headers that connectors read.
struct HTTPExchangeFile: Codable {
    var method: String
    var url: String
    /// Lowercase hex SHA-256 of the request body with secret form values replaced, or nil when it had none.
    var requestBodySHA256: String?
    var status: Int
    var headers: [String: String]
    /// The response body when it is UTF-8 text.
    var body: String?
    /// The response body in Base64 when it is not UTF-8 text.
    var bodyBase64: String?

    /// The value that replaces `access_token`, `refresh_token` and `id_token` in recorded token responses.
    static let tokenPlaceholder = "recorded-token"

    /// Response headers kept in a recording, by lowercase name; cookies and authentication headers are dropped.
    static let keptHeaders: Set<String> = [
        "content-type", "link", "x-total-count", "etag", "last-modified", "location", "retry-after",
    ]

    /// Query parameters whose values are replaced by `REDACTED` in recorded URLs and when a replay matches.
    static let secretQueryNames: Set<String> = [
        "access_token", "token", "client_secret", "api_key", "apikey", "password", "signature",
        "oauth_signature", "oauth_nonce", "oauth_timestamp",
    ]

    static let tokenFields = ["access_token", "refresh_token", "id_token"]

    /// Form fields of a request body whose values are replaced before hashing, so a replay matches a token
    /// request whatever secret or recorded refresh token it sends.
    static let secretFormNames: Set<String> = secretQueryNames.union(["refresh_token", "client_assertion"])

    init(request: HTTPClientRequest, response: HTTPClientResponse) {
        method = request.method
        url = Self.sanitized(request.url)
        requestBodySHA256 = request.body.map(Self.bodyDigest)
        status = response.status
        headers = response.headers.filter { Self.keptHeaders.contains($0.key.lowercased()) }
        let bytes = Self.withoutTokens(response.body)
        if let text = String(validating: bytes, as: UTF8.self) {
            body = text
        } else {
            bodyBase64 = Data(bytes).base64EncodedString()
        }
    }

    /// The key a replay matches requests by: method, sanitized URL and body hash.
    var matchKey: String { "\(method) \(url) \(requestBodySHA256 ?? "-")" }

    static func matchKey(of request: HTTPClientRequest) -> String {
        "\(request.method) \(sanitized(request.url)) \(request.body.map(bodyDigest) ?? "-")"
    }

    /// Returns the recorded response; throws when `bodyBase64` is not valid Base64.
    func response() throws -> HTTPClientResponse {
        var bytes = Array((body ?? "").utf8)
        if let bodyBase64 {
            guard let data = Data(base64Encoded: bodyBase64) else {
                throw RecordingError.invalidFile("", reason: "'bodyBase64' is not valid Base64")
            }
            bytes = Array(data)
        }
        return HTTPClientResponse(status: status, headers: headers, body: bytes)
    }

    /// Returns `url` without user information and with secret query values replaced by `REDACTED`.
    static func sanitized(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return HTTPClient.redacted(url) }
        components.user = nil
        components.password = nil
        if let items = components.percentEncodedQueryItems {
            components.percentEncodedQueryItems = items.map { item in
                guard secretQueryNames.contains(item.name.lowercased()) else { return item }
                return URLQueryItem(name: item.name, value: "REDACTED")
            }
        }
        return components.string ?? HTTPClient.redacted(url)
    }

    /// Returns `body` with token values replaced by the placeholder when it is a JSON object holding any.
    static func withoutTokens(_ body: [UInt8]) -> [UInt8] {
        guard body.contains(UInt8(ascii: "{")),
            var object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
            tokenFields.contains(where: { object[$0] != nil })
        else { return body }
        for field in tokenFields where object[field] != nil {
            object[field] = tokenPlaceholder
        }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            // NOTE: a token response that cannot be encoded again is stored as an empty body, never with its token.
            return []
        }
        return Array(data)
    }

    /// Returns the SHA-256 of a request body, after replacing secret values when it is a form.
    ///
    /// A body counts as a form when it is UTF-8 `name=value` pairs joined by `&`; a JSON or binary body is
    /// hashed as it is.
    static func bodyDigest(_ body: [UInt8]) -> String {
        guard let text = String(validating: body, as: UTF8.self), text.contains("="), !text.contains("{") else {
            return sha256Hex(body)
        }
        let pairs = text.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            guard let equals = pair.firstIndex(of: "=") else { return String(pair) }
            let name = pair[..<equals].removingPercentEncoding ?? String(pair[..<equals])
            return secretFormNames.contains(name.lowercased()) ? "\(pair[..<equals])=REDACTED" : String(pair)
        }
        return sha256Hex(Array(pairs.joined(separator: "&").utf8))
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length = 0
        let succeeded = bytes.withUnsafeBufferPointer { input in
            digest.withUnsafeMutableBufferPointer { output in
                EVP_Q_digest(nil, "SHA256", nil, input.baseAddress, input.count, output.baseAddress, &length)
            }
        }
        precondition(succeeded == 1 && length == 32, "libcrypto failed to compute a SHA-256.")
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}
