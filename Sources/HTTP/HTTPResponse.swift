/// An HTTP response a handler returns: status, header fields and the whole body.
public struct HTTPResponse: Sendable {
    /// The status code, such as 200.
    public var status: Int
    /// The response header fields. The server adds `Content-Length` itself.
    public var headers: HTTPHeaders
    /// The response body.
    public var body: [UInt8]
    /// A body that several responses share without copying, such as a cached one. When set, `body` is ignored.
    public var sharedBody: HTTPSharedBody?

    /// Creates a response.
    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Returns the response with its body moved into a shared buffer, so that sending it again copies nothing.
    public func sharing() -> HTTPResponse {
        guard sharedBody == nil else { return self }
        var shared = HTTPResponse(status: status, headers: headers)
        shared.sharedBody = HTTPSharedBody(body)
        return shared
    }

    /// The number of bytes of the body.
    public var bodyCount: Int { sharedBody?.count ?? body.count }

    /// Creates a response whose body is JSON text, typed `application/json`.
    public static func json(_ text: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(
            status: status, headers: HTTPHeaders([("Content-Type", "application/json")]), body: Array(text.utf8))
    }

    /// Creates a response whose body is plain UTF-8 text.
    public static func text(_ text: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(
            status: status, headers: HTTPHeaders([("Content-Type", "text/plain; charset=utf-8")]),
            body: Array(text.utf8))
    }
}

/// Response bytes in one buffer that never changes, handed to libmicrohttpd without a copy and freed when the
/// last response and connection that use it are done.
public final class HTTPSharedBody: @unchecked Sendable {
    // Unchecked: the buffer is written once, in init, and only read after.
    let buffer: UnsafeMutableRawBufferPointer

    public init(_ bytes: [UInt8]) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, bytes.count), alignment: 1)
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress { buffer.baseAddress?.copyMemory(from: base, byteCount: source.count) }
        }
        self.buffer = buffer
        count = bytes.count
    }

    deinit {
        buffer.deallocate()
    }

    /// The number of bytes.
    public let count: Int

    /// The bytes, copied into an array.
    public var bytes: [UInt8] { Array(UnsafeRawBufferPointer(rebasing: buffer[..<count])) }
}
