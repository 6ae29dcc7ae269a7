import CCurl
import Foundation

/// Uploads a file with one HTTP request over libcurl; TLS peer and host name verification are always on.
struct HTTPSTransport {
    let destination: HTTPSDestination

    /// Whether libcurl's global state is ready; Swift runs this initializer once, on first use.
    static let curlReady: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    /// Returns why the destination URL cannot be used, or nil when it can.
    static func urlProblem(_ destination: HTTPSDestination) -> String? {
        let shown = redactedURL(destination.url)
        guard let components = URLComponents(string: destination.url), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else {
            return "Delivery URL '\(shown)' is invalid; expected https://host/path"
        }
        if components.user != nil || components.password != nil {
            return "Delivery URL '\(shown)' contains credentials; put them in a header such as Authorization instead"
        }
        switch scheme {
        case "https":
            return nil
        case "http" where destination.allowInsecureLoopbackHTTP && host == "127.0.0.1":
            return nil
        default:
            return "Delivery URL '\(shown)' must use https; plain http is allowed only to 127.0.0.1 for tests"
        }
    }

    func deliver(file: String, size: Int64, remoteName: String) -> Result<Void, DeliveryFailure> {
        guard Self.curlReady, let handle = curl_easy_init() else {
            return .failure(.permanent(.transferFailed, "libcurl could not be initialized"))
        }
        defer { curl_easy_cleanup(handle) }
        let input = open(file, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else {
            return .failure(
                .permanent(
                    .sourceUnreadable, "Could not open package file '\(file)': \(String(cString: strerror(errno)))"))
        }
        defer { close(input) }

        let exchange = HTTPExchange(input: input)
        let context = Unmanaged.passUnretained(exchange).toOpaque()
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        var mime: OpaquePointer?
        defer { curl_mime_free(mime) }

        configureTransfer(handle, context: context)
        let hasContentType = destination.headers.contains { $0.name.lowercased() == "content-type" }
        for header in destination.headers {
            headerList = curl_slist_append(headerList, "\(header.name): \(header.value)")
        }
        // Sends the body at once instead of waiting for a 100 Continue.
        headerList = curl_slist_append(headerList, "Expect:")

        switch destination.body {
        case .raw:
            if !hasContentType { headerList = curl_slist_append(headerList, "Content-Type: application/zip") }
            _ = rb_curl_setopt_read_function(handle, CURLOPT_READFUNCTION, readBody)
            _ = rb_curl_setopt_pointer(handle, CURLOPT_READDATA, context)
            if destination.method == .put {
                _ = rb_curl_setopt_long(handle, CURLOPT_UPLOAD, 1)
                _ = rb_curl_setopt_offset(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(size))
            } else {
                _ = rb_curl_setopt_long(handle, CURLOPT_POST, 1)
                _ = rb_curl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(size))
            }
        case .multipart(let field):
            mime = curl_mime_init(handle)
            let part = curl_mime_addpart(mime)
            _ = curl_mime_name(part, field)
            _ = curl_mime_filedata(part, file)
            _ = curl_mime_filename(part, remoteName)
            _ = curl_mime_type(part, "application/zip")
            _ = rb_curl_setopt_mime(handle, CURLOPT_MIMEPOST, mime)
            if destination.method == .put {
                _ = rb_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, "PUT")
            }
        }
        _ = rb_curl_setopt_list(handle, CURLOPT_HTTPHEADER, headerList)

        var errorText = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code = errorText.withUnsafeMutableBufferPointer { buffer in
            _ = rb_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, buffer.baseAddress)
            return curl_easy_perform(handle)
        }
        withExtendedLifetime(exchange) {}

        guard code == CURLE_OK else {
            let detail = String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return .failure(classify(code, detail: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail))
        }
        var status = 0
        _ = rb_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var retryAfter: curl_off_t = -1
        _ = rb_curl_getinfo_offset(handle, CURLINFO_RETRY_AFTER, &retryAfter)
        return outcome(
            status: status, retryAfter: retryAfter > 0 ? Double(retryAfter) : nil, body: exchange.responseExcerpt)
    }

    private func configureTransfer(_ handle: UnsafeMutableRawPointer, context: UnsafeMutableRawPointer) {
        let insecure = destination.allowInsecureLoopbackHTTP && destination.url.lowercased().hasPrefix("http:")
        _ = rb_curl_setopt_string(handle, CURLOPT_URL, destination.url)
        _ = rb_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, insecure ? "http" : "https")
        _ = rb_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        _ = rb_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = rb_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
        _ = rb_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
        if let caBundle = destination.caBundleFile {
            _ = rb_curl_setopt_string(handle, CURLOPT_CAINFO, caBundle)
        }
        _ = rb_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(destination.connectTimeout))
        _ = rb_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, milliseconds(destination.transferTimeout))
        _ = rb_curl_setopt_write_function(handle, CURLOPT_WRITEFUNCTION, keepResponseExcerpt)
        _ = rb_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
    }

    /// Maps an HTTP status to an outcome: 2xx delivered; 408, 429 and 5xx retried; other statuses final.
    private func outcome(status: Int, retryAfter: Double?, body: String) -> Result<Void, DeliveryFailure> {
        if (200...299).contains(status) { return .success(()) }
        let shown = redactedURL(destination.url)
        var message = "Server returned HTTP \(status) to \(destination.method.rawValue) '\(shown)'"
        if !body.isEmpty { message += ": '\(body)'" }
        if status == 408 || status == 429 || (500...599).contains(status) {
            return .failure(.transient(.httpStatus, message, retryAfter: retryAfter))
        }
        if status == 401 || status == 403 {
            message += "; check the credentials in the destination's headers"
        }
        return .failure(.permanent(.httpStatus, message))
    }

    /// Classifies a libcurl error: TLS verification problems are final, network problems may pass.
    private func classify(_ code: CURLcode, detail: String) -> DeliveryFailure {
        let shown = redactedURL(destination.url)
        switch code {
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_PINNEDPUBKEYNOTMATCH:
            return .permanent(
                .tlsFailed,
                "TLS verification of '\(shown)' failed: \(detail); if the server uses a private CA, set the "
                    + "destination's CA bundle file (`ca_file` in config.lua) to that CA's certificate")
        case CURLE_SSL_CONNECT_ERROR:
            return .transient(.tlsFailed, "TLS handshake with '\(shown)' failed: \(detail)")
        case CURLE_OPERATION_TIMEDOUT:
            return .transient(.timedOut, "Upload to '\(shown)' timed out: \(detail)")
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING,
            CURLE_PARTIAL_FILE:
            return .transient(.connectionFailed, "Upload to '\(shown)' failed: \(detail)")
        default:
            return .permanent(.transferFailed, "Upload to '\(shown)' failed: \(detail)")
        }
    }

    private func milliseconds(_ seconds: Double) -> Int {
        max(1, Int((seconds * 1000).rounded(.up)))
    }
}

/// State shared with libcurl's callbacks during one request.
private final class HTTPExchange {
    let input: Int32
    /// The start of the response body, kept for the failure message.
    var response: [UInt8] = []
    static let responseLimit = 300

    init(input: Int32) {
        self.input = input
    }

    /// The kept response start as one printable line.
    var responseExcerpt: String {
        let text = String(decoding: response, as: UTF8.self)
        let flattened = text.map { $0.isNewline || $0 == "\t" ? " " : $0 }
        return String(flattened).trimmingCharacters(in: .whitespaces)
    }
}

private let readBody: rb_curl_read_callback = { buffer, size, count, userdata in
    guard let buffer, let userdata else { return Int(CURL_READFUNC_ABORT) }
    let exchange = Unmanaged<HTTPExchange>.fromOpaque(userdata).takeUnretainedValue()
    while true {
        let result = read(exchange.input, buffer, size * count)
        if result >= 0 { return result }
        if errno != EINTR { return Int(CURL_READFUNC_ABORT) }
    }
}

private let keepResponseExcerpt: rb_curl_write_callback = { data, size, count, userdata in
    guard let data, let userdata else { return 0 }
    let exchange = Unmanaged<HTTPExchange>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    let room = max(0, HTTPExchange.responseLimit - exchange.response.count)
    if room > 0 {
        exchange.response.append(contentsOf: UnsafeRawBufferPointer(start: data, count: min(room, length)))
    }
    return length
}
