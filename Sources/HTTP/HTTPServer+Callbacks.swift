import CMicroHTTPD
import Synchronization

/// State shared by all connections of one server. The server keeps it alive while the daemon runs.
final class ServerContext: Sendable {
    let handler: @Sendable (HTTPRequest) -> HTTPResponse
    let maxBodyBytes: Int
    /// Requests whose handler call has begun and whose response has not been fully sent.
    let requestsInFlight = Atomic<Int>(0)

    init(handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse, maxBodyBytes: Int) {
        self.handler = handler
        self.maxBodyBytes = maxBodyBytes
    }
}

/// Per-request state, created by the URI logger and released by the completion callback.
///
/// libmicrohttpd calls back for one connection on one thread at a time, so this needs no lock.
private final class RequestState {
    let target: String
    var body: [UInt8] = []
    var headersSeen = false
    var bodyTooLarge = false
    var responded = false

    init(target: String) {
        self.target = target
    }
}

/// Stores the raw request target (path and query as sent) before libmicrohttpd decodes it.
///
/// NOTE: if libmicrohttpd rejects a request before it calls the access handler (malformed header fields),
/// the completion callback may not run, and then this state leaks. This path is untested on 0.9.75.
let uriLogger:
    @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, OpaquePointer?) ->
        UnsafeMutableRawPointer? = { _, uri, _ in
            let state = RequestState(target: uri.map { String(cString: $0) } ?? "/")
            return Unmanaged.passRetained(state).toOpaque()
        }

/// Collects the body, then calls the handler once and queues its response.
///
/// The first call for a request only records that headers arrived: queueing a response then makes
/// libmicrohttpd close the connection instead of keeping it alive.
let accessHandler: MHD_AccessHandlerCallback = {
    contextPointer, connection, _, method, _, uploadData, uploadSize,
    requestPointer in
    guard let contextPointer, let connection, let requestPointer, let statePointer = requestPointer.pointee else {
        return .NO
    }
    let context = Unmanaged<ServerContext>.fromOpaque(contextPointer).takeUnretainedValue()
    let state = Unmanaged<RequestState>.fromOpaque(statePointer).takeUnretainedValue()

    if !state.headersSeen {
        state.headersSeen = true
        context.requestsInFlight.add(1, ordering: .relaxed)
        if let length = MHD_lookup_connection_value(connection, .HEADER_KIND, "Content-Length"),
            let declared = Int(String(cString: length)), declared > context.maxBodyBytes
        {
            state.bodyTooLarge = true
        }
        return .YES
    }

    if let uploadSize, uploadSize.pointee > 0 {
        let chunkSize = uploadSize.pointee
        uploadSize.pointee = 0
        if !state.bodyTooLarge && state.body.count + chunkSize > context.maxBodyBytes {
            state.bodyTooLarge = true
            state.body = []
        }
        if state.bodyTooLarge {
            // With libmicrohttpd 0.9.75, a response queued while the body was still arriving closed the connection
            // with no response sent. So the rest of an oversized body is read and dropped, and 413 is sent at the end.
            return .YES
        }
        if let uploadData {
            UnsafeRawPointer(uploadData).withMemoryRebound(to: UInt8.self, capacity: chunkSize) { bytes in
                state.body.append(contentsOf: UnsafeBufferPointer(start: bytes, count: chunkSize))
            }
        }
        return .YES
    }

    guard !state.responded else { return .YES }
    state.responded = true
    if state.bodyTooLarge {
        return queue(payloadTooLarge(context.maxBodyBytes), on: connection)
    }
    let request = HTTPRequest(
        method: method.map { String(cString: $0) } ?? "GET", target: state.target,
        headers: requestHeaders(of: connection), body: state.body, remoteAddress: clientAddress(of: connection))
    state.body = []
    return queue(context.handler(request), on: connection)
}

/// Releases the request state and counts the request as finished.
let completionHandler: MHD_RequestCompletedCallback = { contextPointer, _, requestPointer, _ in
    guard let requestPointer, let statePointer = requestPointer.pointee else { return }
    requestPointer.pointee = nil
    let state = Unmanaged<RequestState>.fromOpaque(statePointer).takeRetainedValue()
    if state.headersSeen, let contextPointer {
        let context = Unmanaged<ServerContext>.fromOpaque(contextPointer).takeUnretainedValue()
        context.requestsInFlight.subtract(1, ordering: .releasing)
    }
}

private func payloadTooLarge(_ limit: Int) -> HTTPResponse {
    .text("Request body is larger than the limit of \(limit) bytes.\n", status: 413)
}

private func requestHeaders(of connection: OpaquePointer) -> HTTPHeaders {
    var headers = HTTPHeaders()
    withUnsafeMutablePointer(to: &headers) { pointer in
        _ = MHD_get_connection_values(connection, .HEADER_KIND, headerCollector, pointer)
    }
    return headers
}

private let headerCollector: MHD_KeyValueIterator = { pointer, _, name, value in
    guard let pointer, let name else { return .YES }
    let headers = pointer.assumingMemoryBound(to: HTTPHeaders.self)
    headers.pointee.add(name: String(cString: name), value: value.map { String(cString: $0) } ?? "")
    return .YES
}

private func clientAddress(of connection: OpaquePointer) -> String {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
        guard let base = buffer.baseAddress, rb_mhd_client_address(connection, base, buffer.count) == 0 else {
            return ""
        }
        return String(cString: base)
    }
}

/// Queues `response`. A status outside 100...999 is sent as 500, and a header field libmicrohttpd rejects
/// (such as one containing a line break) is dropped.
private func queue(_ response: HTTPResponse, on connection: OpaquePointer) -> MHD_Result {
    let created: OpaquePointer?
    if let shared = response.sharedBody {
        // libmicrohttpd reads the shared buffer in place and calls `releaseSharedBody` when it is done with it.
        let retained = Unmanaged.passRetained(shared).toOpaque()
        created = MHD_create_response_from_buffer_with_free_callback_cls(
            shared.count, shared.buffer.baseAddress, releaseSharedBody, retained)
        if created == nil { Unmanaged<HTTPSharedBody>.fromOpaque(retained).release() }
    } else {
        created = response.body.withUnsafeBytes { bytes in
            MHD_create_response_from_buffer(
                bytes.count, UnsafeMutableRawPointer(mutating: bytes.baseAddress), .RESPMEM_MUST_COPY)
        }
    }
    guard let created else { return .NO }
    defer { MHD_destroy_response(created) }
    for field in response.headers.fields where !HTTPHeaders.namesMatch(field.name, "Content-Length") {
        _ = MHD_add_response_header(created, field.name, field.value)
    }
    let status = (100...999).contains(response.status) ? UInt32(response.status) : 500
    return MHD_queue_response(connection, status, created)
}

/// Releases the shared body a response held, when libmicrohttpd destroys the response.
private let releaseSharedBody: MHD_ContentReaderFreeCallback = { pointer in
    guard let pointer else { return }
    Unmanaged<HTTPSharedBody>.fromOpaque(pointer).release()
}
