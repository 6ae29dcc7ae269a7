import HTTP

/// An error response of the token endpoint, with an RFC 6749 section 5.2 error code.
struct TokenError: Error {
    /// The RFC 6749 error code, such as `invalid_client`.
    let code: String
    /// Human-readable text for the client developer, which never contains a secret.
    let description: String
    /// The HTTP status: 400, or 401 for failed client authentication.
    var status = 400
    /// The `WWW-Authenticate` value, set when the client authenticated or should authenticate with HTTP Basic.
    var challenge: String?
    /// Seconds after which the client may retry, for a client locked out by too many failures.
    var retryAfter: Int?

    static func invalidRequest(_ description: String) -> TokenError {
        TokenError(code: "invalid_request", description: description)
    }

    /// Renders the JSON error body with `Cache-Control: no-store`.
    func response() -> HTTPResponse {
        let body =
            "{\"error\":\(JSONText.quoted(code)),\"error_description\":"
            + "\(JSONText.quoted(description.sanitizedForErrorDescription(limit: 400)))}"
        var response = HTTPResponse.json(body, status: status)
        response.headers.add(name: "Cache-Control", value: "no-store")
        response.headers.add(name: "Pragma", value: "no-cache")
        if let challenge { response.headers.add(name: "WWW-Authenticate", value: challenge) }
        if let retryAfter { response.headers.add(name: "Retry-After", value: String(retryAfter)) }
        return response
    }
}
