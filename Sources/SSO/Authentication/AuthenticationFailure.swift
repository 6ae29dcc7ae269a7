import HTTP

/// A rejected API request: the HTTP status, a short stable code, the challenge to send, and a description
/// that is safe to log because it never contains a secret, a token or a signature.
public struct AuthenticationFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status: 400 for a malformed request, 401 for missing or bad credentials, 403 for a missing
    /// scope, 429 when a consumer's nonce cache is full.
    public let status: Int
    /// A short stable code such as `invalid_token` or `stale_timestamp`, usable as a metric label.
    public let code: String
    /// The `WWW-Authenticate` header value to send with the response.
    public let wwwAuthenticate: String
    /// A sentence naming what failed, for the client developer and the log.
    public let description: String

    /// Renders the failure as a OneRoster `imsx_StatusInfo` JSON response with its `WWW-Authenticate` header.
    /// `statusInfoSet` wraps the status object in the array that OneRoster 1.1 responses use.
    public func response(statusInfoSet: Bool = false) -> HTTPResponse {
        let codeMinor = status == 403 ? "forbidden" : (status == 429 ? "server_busy" : "unauthorisedrequest")
        var body =
            "{\"imsx_codeMajor\":\"failure\",\"imsx_severity\":\"error\",\"imsx_description\":"
            + "\(JSONText.quoted(description)),\"imsx_CodeMinor\":{\"imsx_codeMinorField\":[{"
            + "\"imsx_codeMinorFieldName\":\"TargetEndSystem\",\"imsx_codeMinorFieldValue\":\"\(codeMinor)\"}]}}"
        if statusInfoSet { body = "{\"statusInfoSet\":[" + body + "]}" }
        var response = HTTPResponse.json(body, status: status)
        response.headers.add(name: "WWW-Authenticate", value: wwwAuthenticate)
        response.headers.add(name: "Cache-Control", value: "no-store")
        return response
    }

    /// Makes a bearer-token failure. `error` is the RFC 6750 error code, or nil when no credentials were sent.
    static func bearer(status: Int, code: String, error: String?, realm: String, _ description: String)
        -> AuthenticationFailure
    {
        var challenge = "Bearer realm=\"\(realm)\""
        if let error {
            challenge += ", error=\"\(error)\", error_description=\"\(description.sanitizedForErrorDescription())\""
        }
        return AuthenticationFailure(status: status, code: code, wwwAuthenticate: challenge, description: description)
    }

    /// Makes an OAuth 1.0a failure with an `OAuth` challenge.
    static func signedRequest(status: Int = 401, code: String, realm: String, _ description: String)
        -> AuthenticationFailure
    {
        AuthenticationFailure(
            status: status, code: code, wwwAuthenticate: "OAuth realm=\"\(realm)\"", description: description)
    }

    /// Makes a 403 for a caller that lacks every scope in `accepted` (RFC 6750 section 3.1 `insufficient_scope`).
    static func insufficientScope(accepted: Set<String>, realm: String) -> AuthenticationFailure {
        let scopeList = accepted.sorted().joined(separator: " ")
        return AuthenticationFailure(
            status: 403, code: "insufficient_scope",
            wwwAuthenticate: "Bearer realm=\"\(realm)\", error=\"insufficient_scope\", scope=\"\(scopeList)\"",
            description: "The request needs one of these scopes: \(scopeList).")
    }
}
