import HTTP

/// The client id and secret a token request presented, and how it presented them.
struct ClientCredentials {
    enum Method {
        /// HTTP Basic in the `Authorization` header (RFC 6749 section 2.3.1).
        case basic
        /// `client_id` and `client_secret` form parameters in the body.
        case body
    }

    let clientID: String
    let secret: String
    let method: Method

    /// Extracts the credentials from the header or the body, rejecting requests that use both or neither.
    static func extract(authorization: String?, form: [String: String], realm: String) throws(TokenError)
        -> ClientCredentials
    {
        let basicChallenge = "Basic realm=\"\(realm)\", charset=\"UTF-8\""
        let bodyID = form["client_id"]
        let bodySecret = form["client_secret"]

        if let authorization {
            let basic = try parseBasic(authorization, challenge: basicChallenge)
            if bodySecret != nil {
                throw .invalidRequest(
                    "The request authenticates the client twice, with HTTP Basic and with 'client_secret' in the "
                        + "body; use only one method.")
            }
            if let bodyID, bodyID != basic.clientID {
                throw .invalidRequest(
                    "Body parameter 'client_id' does not match the client id in the Authorization header.")
            }
            return basic
        }

        guard let bodyID, let bodySecret, !bodyID.isEmpty else {
            throw TokenError(
                code: "invalid_client",
                description: "No client authentication; send the client id and secret with HTTP Basic or as "
                    + "'client_id' and 'client_secret' body parameters.",
                status: 401, challenge: basicChallenge)
        }
        return ClientCredentials(clientID: bodyID, secret: bodySecret, method: .body)
    }

    /// Reads `Basic <base64(form-encoded id ":" form-encoded secret)>`.
    private static func parseBasic(_ header: String, challenge: String) throws(TokenError) -> ClientCredentials {
        func failure(_ description: String) -> TokenError {
            TokenError(code: "invalid_client", description: description, status: 401, challenge: challenge)
        }
        let parts = header.trimmingASCIIWhitespace().split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic" else {
            throw failure(
                "The Authorization header does not use the Basic scheme; the token endpoint accepts "
                    + "HTTP Basic or body parameters.")
        }
        guard let decoded = Base64.decode(Substring(String(parts[1]).trimmingASCIIWhitespace())),
            let text = String(validating: decoded, as: UTF8.self),
            let colon = text.firstIndex(of: ":")
        else {
            throw failure("The Basic credentials are not base64 of 'id:secret' in UTF-8.")
        }
        guard let clientID = PercentEncoding.decode(text[..<colon], plusAsSpace: true),
            let secret = PercentEncoding.decode(text[text.index(after: colon)...], plusAsSpace: true),
            !clientID.isEmpty
        else {
            throw failure("The Basic client id or secret is not valid form-urlencoded text.")
        }
        return ClientCredentials(clientID: clientID, secret: secret, method: .basic)
    }
}
