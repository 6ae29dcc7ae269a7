/// The failure of one attempt, with whether a retry may help.
struct DeliveryFailure: Error, Sendable, CustomStringConvertible {
    /// Stable failure codes; the raw value is stored in the delivery log and usable as a metric label.
    enum Code: String, Sendable {
        case sourceUnreadable = "source_unreadable"
        case invalidDestination = "invalid_destination"
        case folderWriteFailed = "folder_write_failed"
        case connectionFailed = "connection_failed"
        case timedOut = "timed_out"
        case knownHostsUnreadable = "known_hosts_unreadable"
        case hostKeyNotPinned = "host_key_not_pinned"
        case hostKeyMismatch = "host_key_mismatch"
        case hostKeyRevoked = "host_key_revoked"
        case hostKeyAlgorithmRejected = "host_key_algorithm_rejected"
        case handshakeFailed = "handshake_failed"
        case authenticationFailed = "authentication_failed"
        case remoteWriteFailed = "remote_write_failed"
        case tlsFailed = "tls_failed"
        case httpStatus = "http_status"
        case transferFailed = "transfer_failed"
        case timeBudgetExhausted = "time_budget_exhausted"
    }

    let code: Code
    let message: String
    let isTransient: Bool
    /// Seconds the server asked to wait before the next attempt (HTTP `Retry-After`).
    var retryAfter: Double? = nil

    var description: String { message }

    static func permanent(_ code: Code, _ message: String) -> DeliveryFailure {
        DeliveryFailure(code: code, message: message, isTransient: false)
    }

    static func transient(_ code: Code, _ message: String, retryAfter: Double? = nil) -> DeliveryFailure {
        DeliveryFailure(code: code, message: message, isTransient: true, retryAfter: retryAfter)
    }
}
