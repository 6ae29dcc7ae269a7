/// An error raised when an `HTTPServer` cannot start.
public struct HTTPServerError: Error, CustomStringConvertible, Sendable {
    private enum Code: String, Sendable {
        case invalidAddress = "invalid_address"
        case alreadyStarted = "already_started"
        case startFailed = "start_failed"
    }

    private let code: Code
    /// A readable explanation with the value involved and a fix when one is known.
    public let description: String

    /// A short stable identifier, usable as a metric label or in tests.
    public var identifier: String { code.rawValue }

    static func invalidAddress(_ host: String) -> HTTPServerError {
        HTTPServerError(
            code: .invalidAddress,
            description: "Listen address '\(host)' is not a numeric IPv4 address; use one such as '127.0.0.1'.")
    }

    static func alreadyStarted(port: UInt16) -> HTTPServerError {
        HTTPServerError(
            code: .alreadyStarted, description: "The server is already listening on port \(port); call stop() first.")
    }

    static func startFailed(host: String, port: UInt16) -> HTTPServerError {
        HTTPServerError(
            code: .startFailed,
            description:
                "Could not listen on '\(host):\(port)'; the port may be in use or need privileges. "
                + "Pick another port, or 0 for a free one.")
    }
}
