import Foundation
import HTTP

/// The end of a sign-in: the code exchange at the token endpoint and the id_token checks.
extension UpstreamOIDCClient {
    /// Exchanges the authorization code for tokens, validates the id_token and returns the identity its claims
    /// describe.
    ///
    /// `redirectURI`, `nonce` and `codeVerifier` must be the values that `authorizationURL` was given. The id_token
    /// is checked for its RS256 signature by a key of the IdP's JWKS, its issuer, audience, times and nonce, and
    /// then by `UpstreamIdentity.from(claims:provider:)`. A failed request is not retried, because an IdP accepts a
    /// code only once.
    public func finish(code: String, redirectURI: String, nonce: String, codeVerifier: String) throws(UpstreamError)
        -> UpstreamIdentity
    {
        let document = try discovery.document()
        let idToken = try requestIDToken(
            code: code, redirectURI: redirectURI, codeVerifier: codeVerifier, tokenEndpoint: document.tokenEndpoint)

        let decoded: DecodedJWT
        do {
            decoded = try validator.validate(idToken, cache: keys, nonce: nonce, now: clock())
        } catch  where error.code == "jwt.nonce_mismatch" {
            throw .nonceMismatch(origin, error: error)
        } catch {
            throw .invalidIDToken(origin, issuer: target.issuer, error: error)
        }

        var claims = decoded.claims
        if case .google = provider.kind, target.issuer != UpstreamProvider.googleIssuer {
            // NOTE: the Google identity check accepts only Google's own issuer, so a stand-in IdP's `iss`, already
            // checked above against `settings.googleIssuer`, is replaced by Google's before that check.
            claims["iss"] = .string(UpstreamProvider.googleIssuer)
        }
        return try UpstreamIdentity.from(claims: claims, provider: provider)
    }

    /// Sends the token request (RFC 6749 section 4.1.3) and returns the `id_token` of a successful response.
    private func requestIDToken(code: String, redirectURI: String, codeVerifier: String, tokenEndpoint: String)
        throws(UpstreamError) -> String
    {
        var form: [(String, String)] = [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
            ("code_verifier", codeVerifier),
        ]
        var headers: [(name: String, value: String)] = [
            (name: "Content-Type", value: "application/x-www-form-urlencoded"),
            (name: "Accept", value: "application/json"),
        ]
        switch (settings.clientSecret, settings.tokenEndpointAuthentication) {
        case (let secret?, .basic):
            // RFC 6749 section 2.3.1: form-encode the ID and secret before joining them for Basic.
            let credentials =
                PercentEncoding.encodeUnreserved(settings.clientID) + ":" + PercentEncoding.encodeUnreserved(secret)
            headers.append((name: "Authorization", value: "Basic " + Base64.encode(Array(credentials.utf8))))
        case (let secret?, .post):
            form += [("client_id", settings.clientID), ("client_secret", secret)]
        case (nil, _):
            form.append(("client_id", settings.clientID))
        }
        let body = form.map { "\($0.0)=\(PercentEncoding.encodeUnreserved($0.1))" }.joined(separator: "&")
        let request = HTTPClientRequest(
            method: "POST", url: tokenEndpoint, headers: headers, body: Array(body.utf8),
            timeout: settings.requestTimeout, connectTimeout: min(settings.requestTimeout, 5), retries: 0)

        let response = try UpstreamHTTP.send(
            request, what: "token response", origin: origin, maximumBodySize: Self.maximumTokenResponseLength)
        let document = JSONValue.parse(response.body)?.objectValue
        guard response.status == 200 else {
            guard let document else {
                throw .unexpectedStatus(
                    origin, method: "POST", url: tokenEndpoint, status: response.status, body: response.body)
            }
            throw .tokenRequestFailed(
                origin, url: tokenEndpoint, status: response.status, error: document["error"]?.stringValue,
                errorDescription: document["error_description"]?.stringValue)
        }
        guard let document else {
            throw .invalidResponse(
                origin, url: tokenEndpoint, what: "token response", problem: "the body is not a JSON object")
        }
        guard let idToken = document["id_token"]?.stringValue, !idToken.isEmpty else {
            throw .invalidResponse(
                origin, url: tokenEndpoint, what: "token response",
                problem: "it has no 'id_token'; check that the scopes include 'openid'")
        }
        return idToken
    }
}
