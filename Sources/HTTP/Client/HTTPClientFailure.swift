import CCurl

extension HTTPClient {
    /// The reason an attempt got no response, with a short stable code such as `http.timed_out`.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        private enum Code: String, Sendable {
            case timedOut = "http.timed_out"
            case connectionFailed = "http.connection_failed"
            case hostNotFound = "http.host_not_found"
            case transferFailed = "http.transfer_failed"
            case bodyTooLarge = "http.body_too_large"
            case invalidRequest = "http.invalid_request"
            case tlsFailed = "http.tls_failed"
            case other = "http.failed"
        }

        private let kind: Code
        let curlCode: CURLcode
        /// libcurl's summary and detail of what failed.
        public let description: String

        /// The short stable code, usable as a metric label.
        public var code: String { kind.rawValue }

        /// Whether the attempt ran out of time.
        public var isTimeout: Bool { kind == .timedOut }

        /// Whether another attempt may succeed: connection and transfer errors, not bad URLs or TLS failures.
        public var isTransient: Bool {
            switch kind {
            case .timedOut, .connectionFailed, .hostNotFound, .transferFailed: true
            case .bodyTooLarge, .invalidRequest, .tlsFailed, .other: false
            }
        }

        init(curlCode: CURLcode, description: String) {
            self.curlCode = curlCode
            self.description = description
            kind = Self.kind(of: curlCode)
        }

        static func bodyTooLarge(limit: Int) -> Failure {
            Failure(
                kind: .bodyTooLarge, curlCode: CURLE_WRITE_ERROR,
                description: "the response body is larger than the limit of \(byteCount(limit))")
        }

        private init(kind: Code, curlCode: CURLcode, description: String) {
            self.kind = kind
            self.curlCode = curlCode
            self.description = description
        }

        private static func kind(of code: CURLcode) -> Code {
            switch code {
            case CURLE_OPERATION_TIMEDOUT: .timedOut
            case CURLE_COULDNT_CONNECT: .connectionFailed
            case CURLE_COULDNT_RESOLVE_HOST: .hostNotFound
            case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE: .transferFailed
            case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_FAILED_INIT: .invalidRequest
            case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE: .tlsFailed
            default: .other
            }
        }
    }
}

/// Returns a byte count in the largest binary unit that divides it, such as `64 MiB`, else in bytes.
private func byteCount(_ count: Int) -> String {
    let units: [(Int, String)] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")]
    for (size, name) in units where count >= size && count % size == 0 {
        return "\(count / size) \(name)"
    }
    return "\(count) bytes"
}
