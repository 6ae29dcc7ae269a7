/// A rejected authorization request, and how the user agent must learn about it (RFC 6749 section 4.1.2.1).
///
/// When the client is unknown or the redirect URI is not registered, the error must be shown to the user and
/// never sent to the redirect URI, so `redirectURL` is nil. Every other error goes back to the client in the
/// redirect, with `error`, `error_description` and `state`.
public struct AuthorizationError: Error, Sendable, CustomStringConvertible {
    /// The OAuth error code, such as `invalid_scope`.
    public let code: String
    /// Text for the developer of the client.
    public let message: String
    /// The redirect carrying the error to the client, or nil when the error is shown as a page.
    public let redirectURL: String?

    public var description: String { message }

    /// Makes an error that is shown to the user on a page and never redirected.
    static func page(_ code: String, _ message: String) -> AuthorizationError {
        AuthorizationError(code: code, message: message, redirectURL: nil)
    }

    /// Makes an error that is redirected to `redirectURI` with the request's `state`.
    static func redirect(_ code: String, _ message: String, to redirectURI: String, state: String?)
        -> AuthorizationError
    {
        var parameters = [
            ("error", code), ("error_description", message.sanitizedForErrorDescription(limit: 300)),
        ]
        if let state { parameters.append(("state", state)) }
        return AuthorizationError(
            code: code, message: message, redirectURL: RedirectURL.appending(parameters, to: redirectURI))
    }
}

/// Builds redirect URLs with query parameters.
enum RedirectURL {
    /// Appends percent-encoded `parameters` to `base`, after its existing query when it has one.
    static func appending(_ parameters: [(String, String)], to base: String) -> String {
        let query = parameters.map {
            PercentEncoding.encodeUnreserved($0.0) + "=" + PercentEncoding.encodeUnreserved($0.1)
        }
        .joined(separator: "&")
        var separator = "?"
        if let mark = base.firstIndex(of: "?") {
            // A registered URI may carry its own query, which is kept and extended.
            let existing = base[base.index(after: mark)...]
            separator = existing.isEmpty || existing.hasSuffix("&") ? "" : "&"
        }
        return base + separator + query
    }
}
