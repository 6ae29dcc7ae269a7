import CCurl
import Glibc

/// Receives a response's header lines and body from libcurl's callbacks.
private final class TransferBuffer {
    var status = 0
    var headers: [String: String] = [:]
    var body: [UInt8] = []
    let maximumBodySize: Int
    var bodyTooLarge = false

    init(maximumBodySize: Int) {
        self.maximumBodySize = maximumBodySize
    }

    func addHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        let line = String(decoding: bytes, as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            // A new status line (after 100 Continue, for instance) starts a new header block.
            headers = [:]
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingWhitespace()
        if let existing = headers[name] {
            headers[name] = existing + ", " + value
        } else {
            headers[name] = value
        }
    }
}

private let writeBody: rb_curl_write_callback = { data, size, count, userdata in
    guard let data, let userdata else { return 0 }
    let buffer = Unmanaged<TransferBuffer>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    if buffer.body.count + length > buffer.maximumBodySize {
        buffer.bodyTooLarge = true
        return 0
    }
    buffer.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
    return length
}

private let writeHeader: rb_curl_write_callback = { data, size, count, userdata in
    guard let data, let userdata else { return 0 }
    let buffer = Unmanaged<TransferBuffer>.fromOpaque(userdata).takeUnretainedValue()
    buffer.addHeaderLine(UnsafeRawBufferPointer(start: data, count: size * count))
    return size * count
}

extension HTTPClient {
    /// Runs one attempt on a new easy handle. TLS peer and host verification stay on.
    static func perform(_ request: HTTPClientRequest, maximumBodySize: Int) -> Result<HTTPClientResponse, Failure> {
        guard initialized, let handle = curl_easy_init() else {
            return .failure(Failure(curlCode: CURLE_FAILED_INIT, description: "libcurl could not be initialized"))
        }
        defer { curl_easy_cleanup(handle) }
        let buffer = TransferBuffer(maximumBodySize: maximumBodySize)
        let context = Unmanaged.passUnretained(buffer).toOpaque()
        var errorText = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        var headerList: UnsafeMutablePointer<curl_slist>? = nil
        for (name, value) in request.headers {
            headerList = curl_slist_append(headerList, "\(name): \(value)")
        }
        // Send the body at once instead of waiting for a 100 Continue.
        headerList = curl_slist_append(headerList, "Expect:")
        defer { curl_slist_free_all(headerList) }

        _ = rb_curl_setopt_string(handle, CURLOPT_URL, request.url)
        _ = rb_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        _ = rb_curl_setopt_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        _ = rb_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = rb_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
        _ = rb_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
        _ = rb_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(request.timeout * 1000))
        _ = rb_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(request.connectTimeout * 1000))
        _ = rb_curl_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, "")
        if request.followsRedirects {
            _ = rb_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 1)
            _ = rb_curl_setopt_long(handle, CURLOPT_MAXREDIRS, HTTPClientRequest.maximumRedirects)
        }
        _ = rb_curl_setopt_list(handle, CURLOPT_HTTPHEADER, headerList)
        _ = rb_curl_setopt_write_function(handle, CURLOPT_WRITEFUNCTION, writeBody)
        _ = rb_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        _ = rb_curl_setopt_write_function(handle, CURLOPT_HEADERFUNCTION, writeHeader)
        _ = rb_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, context)

        let code: CURLcode = errorText.withUnsafeMutableBufferPointer { errorBuffer in
            _ = rb_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer.baseAddress)
            let body = request.body ?? (request.method == "GET" || request.method == "HEAD" ? nil : [])
            switch request.method {
            case "GET": break
            case "HEAD": _ = rb_curl_setopt_long(handle, CURLOPT_NOBODY, 1)
            case "POST": break
            default: _ = rb_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
            }
            guard let body else { return curl_easy_perform(handle) }
            // COPYPOSTFIELDS copies the bytes, so they need not outlive this call.
            _ = rb_curl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            if body.isEmpty {
                _ = rb_curl_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, "")
            } else {
                body.withUnsafeBytes { bytes in
                    _ = rb_curl_setopt_pointer(
                        handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
                }
            }
            if request.method == "GET" {
                _ = rb_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, "GET")
            }
            return curl_easy_perform(handle)
        }
        withExtendedLifetime(buffer) {}

        if buffer.bodyTooLarge {
            return .failure(.bodyTooLarge(limit: maximumBodySize))
        }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let summary = String(cString: curl_easy_strerror(code))
            return .failure(Failure(curlCode: code, description: detail.isEmpty ? summary : "\(summary): \(detail)"))
        }
        var status = 0
        _ = rb_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPClientResponse(status: status, headers: buffer.headers, body: buffer.body))
    }
}
