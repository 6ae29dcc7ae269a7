import Foundation
import HTTP

/// Checks that a form post comes from this site, by its `Origin` header or, without one, its `Referer`.
///
/// A request with neither header passes, because some browsers and privacy tools drop both. The CSRF token is
/// then the only guard.
struct OriginCheck {
    /// The site's origin as `origin(of:)` normalizes it, or nil to compare with the request's `Host` header.
    let expected: String?
    /// The pages the form belongs to, as messages name them.
    var pages = "the admin pages"

    /// Returns the reason to reject the request, or nil when its origin is acceptable.
    func problem(with request: HTTPRequest) -> String? {
        let sent: String
        let header: String
        if let value = request.headers["Origin"] {
            sent = value
            header = "Origin"
        } else if let value = request.headers["Referer"] {
            sent = value
            header = "Referer"
        } else {
            return nil
        }
        guard let origin = Self.origin(of: sent) else {
            return "The request's \(header) header is '\(sent)', which names no site, so nothing was changed. "
                + "Open \(pages) at their own address and submit the form there."
        }
        if let expected {
            if origin == expected { return nil }
            return "The request came from '\(origin)', but \(pages) are at '\(expected)', so nothing was "
                + "changed. Open \(pages) at '\(expected)' and submit the form there."
        }
        // Without a configured base URL, the browser's Host header is the only statement of which site it opened.
        guard let host = request.headers["Host"], Self.hostAndPort(of: origin) == host.lowercased() else {
            let host = request.headers["Host"] ?? ""
            return "The request came from '\(origin)', which is not this site ('\(host)'), so nothing was changed. "
                + "Submit the form from \(pages) themselves."
        }
        return nil
    }

    /// Returns `scheme://host[:port]` of a URL in lower case without a default port, or nil for `null` or a URL
    /// without a host.
    static func origin(of url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host?.lowercased(), !host.isEmpty
        else { return nil }
        var origin = "\(scheme)://\(host)"
        if let port = components.port, !(scheme == "http" && port == 80), !(scheme == "https" && port == 443) {
            origin += ":\(port)"
        }
        return origin
    }

    /// Returns the `host[:port]` part of a normalized origin, as a `Host` header names it.
    private static func hostAndPort(of origin: String) -> String {
        guard let range = origin.range(of: "://") else { return origin }
        return String(origin[range.upperBound...])
    }
}
