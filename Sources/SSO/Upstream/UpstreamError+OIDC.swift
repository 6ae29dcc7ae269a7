import HTTP

/// Failures of the requests that the upstream OpenID Connect client sends: discovery, JWKS and token.
///
/// Each message names the district, the provider id and the URL without its query string, and names what to check.
extension UpstreamError {
    /// Identifies the provider and the request in a message: `District 'maple', provider 'maple-oidc'`.
    struct Origin: Sendable {
        let district: String
        let providerID: String

        var prefix: String { "District '\(district)', provider '\(providerID)'" }
    }

    static func transportFailed(
        _ origin: Origin, method: String, url: String, failure: HTTPClient.Failure, timeout: Double
    ) -> UpstreamError {
        let target = "\(method) '\(HTTPClient.redacted(url))'"
        let limit = "\(formatSeconds(timeout)) s"
        if failure.isTimeout {
            return UpstreamError(
                .upstreamTimedOut,
                "\(origin.prefix): \(target) timed out after \(limit) (\(failure.description)). Check that the IdP "
                    + "is up and that this server can reach it through its firewall and proxy")
        }
        return UpstreamError(
            .upstreamUnreachable,
            "\(origin.prefix): \(target) failed before a response arrived (\(failure.description); time limit "
                + "\(limit)). Check the URL in the provider settings and that this server can reach the IdP")
    }

    static func unexpectedStatus(_ origin: Origin, method: String, url: String, status: Int, body: [UInt8])
        -> UpstreamError
    {
        UpstreamError(
            .upstreamStatus,
            "\(origin.prefix): \(method) '\(HTTPClient.redacted(url))' returned status \(status); expected 200. "
                + "Response starts with '\(preview(body))'. Check the URL in the provider settings")
    }

    static func invalidResponse(_ origin: Origin, url: String, what: String, problem: String) -> UpstreamError {
        UpstreamError(
            .upstreamInvalidResponse,
            "\(origin.prefix): the \(what) at '\(HTTPClient.redacted(url))' is invalid: \(problem). Check that "
                + "the URL points to the IdP's \(what)")
    }

    static func discoveryIssuerMismatch(_ origin: Origin, url: String, found: String?, expected: String)
        -> UpstreamError
    {
        UpstreamError(
            .discoveryIssuerMismatch,
            "\(origin.prefix): the discovery document at '\(HTTPClient.redacted(url))' has issuer "
                + "'\(found.map(clipped) ?? "(missing)")'; expected '\(expected)' exactly. Set the provider's issuer "
                + "to the IdP's issuer, or point the discovery URL at this issuer's document")
    }

    static func tokenRequestFailed(
        _ origin: Origin, url: String, status: Int, error: String?, errorDescription: String?
    ) -> UpstreamError {
        let detail = errorDescription.map { ": \(clipped($0))" } ?? ""
        let hint =
            error == "invalid_client"
            ? "Check the client ID, the client secret and the token endpoint authentication method"
            : "Check the redirect URI registered at the IdP and that the code was used only once, within minutes"
        return UpstreamError(
            .tokenRequestFailed,
            "\(origin.prefix): the token endpoint '\(HTTPClient.redacted(url))' returned status \(status) with "
                + "error '\(error.map(clipped) ?? "(none)")'\(detail). \(hint)")
    }

    static func invalidIDToken(_ origin: Origin, issuer: String, error: JWTError) -> UpstreamError {
        UpstreamError(
            .invalidIDToken,
            "\(origin.prefix): the id_token from '\(issuer)' is invalid (\(error.code)): \(error.message). Check the "
                + "client ID and the issuer in the provider settings")
    }

    static func nonceMismatch(_ origin: Origin, error: JWTError) -> UpstreamError {
        UpstreamError(
            .nonceMismatch,
            "\(origin.prefix): the id_token's nonce does not match the one sent with this sign-in (\(error.message)). "
                + "The sign-in was started in another browser session or replayed; start it again")
    }

    /// Returns the first 80 characters of a response body as text, with line ends replaced by spaces.
    private static func preview(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(80), as: UTF8.self)
        let flat = text.map { $0.isNewline ? " " : $0 }
        return String(flat) + (body.count > 80 ? "..." : "")
    }

    private static func clipped(_ text: String) -> String {
        text.count > 120 ? String(text.prefix(120)) + "..." : text
    }

    private static func formatSeconds(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
