import HTTP

extension APIAuthenticator {
    /// Verifies an OAuth 1.0a HMAC signature (RFC 5849) made with the consumer secret and no token secret.
    ///
    /// Checks run cheapest first. The nonce is recorded only after the signature verified, so unsigned
    /// requests cannot fill the nonce cache.
    func authenticateSigned(_ request: HTTPRequest, url: String, authorization: Substring?) -> Result<
        AuthenticatedCaller, AuthenticationFailure
    > {
        do throws(AuthenticationFailure) {
            return .success(try verifySigned(request, url: url, authorization: authorization))
        } catch {
            return .failure(error)
        }
    }

    private func fail(_ status: Int = 401, _ code: String, _ description: String) -> AuthenticationFailure {
        .signedRequest(status: status, code: code, realm: realm, description)
    }

    private func verifySigned(_ request: HTTPRequest, url: String, authorization: Substring?)
        throws(AuthenticationFailure) -> AuthenticatedCaller
    {
        guard let signedURL = SignedURL(url) else {
            throw fail(400, "invalid_request", "The request URL is not an absolute http or https URL.")
        }
        let parameters = try collectParameters(request, query: signedURL.query, authorization: authorization)
        var protocolValues: [String: String] = [:]
        for (name, value) in parameters where name.hasPrefix("oauth_") {
            guard protocolValues.updateValue(value, forKey: name) == nil else {
                throw fail(400, "duplicate_parameter", "OAuth parameter '\(name)' appears more than once.")
            }
        }
        for required in [
            "oauth_consumer_key", "oauth_signature_method", "oauth_signature", "oauth_timestamp",
            "oauth_nonce",
        ] where (protocolValues[required] ?? "").isEmpty {
            throw fail(400, "missing_parameter", "OAuth parameter '\(required)' is missing or empty.")
        }
        if let version = protocolValues["oauth_version"], version != "1.0" {
            throw fail(
                400, "unsupported_version",
                "OAuth version is '\(version.sanitizedForErrorDescription(limit: 16))'; expected '1.0'.")
        }
        if let token = protocolValues["oauth_token"], !token.isEmpty {
            throw fail(
                400, "unsupported_parameter",
                "OAuth parameter 'oauth_token' is set; this API takes two-legged requests signed with the consumer "
                    + "secret only.")
        }

        let consumerKey = protocolValues["oauth_consumer_key"] ?? ""
        let shownKey = consumerKey.sanitizedForErrorDescription()
        guard let client = clients.client(id: consumerKey), client.isEnabled, let secret = client.consumerSecret
        else {
            throw fail(
                401, "unknown_consumer", "Consumer key '\(shownKey)' is unknown or not allowed to sign requests.")
        }

        let method = protocolValues["oauth_signature_method"] ?? ""
        let algorithm: Digest.Algorithm
        switch method {
        case "HMAC-SHA256": algorithm = .sha256
        case "HMAC-SHA1" where client.allowsHMACSHA1: algorithm = .sha1
        default:
            let accepted = client.allowsHMACSHA1 ? "'HMAC-SHA256' or 'HMAC-SHA1'" : "'HMAC-SHA256'"
            throw fail(
                400, "unsupported_signature_method",
                "Signature method '\(method.sanitizedForErrorDescription(limit: 24))' is not accepted for consumer "
                    + "'\(shownKey)'; expected \(accepted).")
        }

        let timestampText = protocolValues["oauth_timestamp"] ?? ""
        guard timestampText.utf8.count <= 12, timestampText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let timestamp = Int(timestampText)
        else {
            throw fail(400, "invalid_timestamp", "OAuth timestamp is not a whole number of seconds since 1970.")
        }
        let now = clock().timeIntervalSince1970
        let age = now - Double(timestamp)
        guard age <= Double(policy.maxPastSeconds) && -age <= Double(policy.maxFutureSeconds) else {
            let offset = age >= 0 ? "\(Int(age)) s in the past" : "\(Int(-age)) s in the future"
            throw fail(
                401, "stale_timestamp",
                "OAuth timestamp is \(offset); accepted are \(policy.maxPastSeconds) s past to "
                    + "\(policy.maxFutureSeconds) s future. Check the client's clock.")
        }

        let baseString = SignatureBaseString.make(
            method: request.method, baseURI: signedURL.baseURI,
            parameters: parameters.filter { $0.name != "oauth_signature" })
        let key = PercentEncoding.encodeUnreserved(secret) + "&"
        let expected = Digest.hmac(algorithm, key: Array(key.utf8), data: Array(baseString.utf8))
        let presented = Base64.decode(Substring(protocolValues["oauth_signature"] ?? "")) ?? []
        guard Digest.constantTimeEquals(expected, presented) else {
            throw fail(
                401, "invalid_signature",
                "The OAuth signature does not match for consumer '\(shownKey)'; check the consumer secret and "
                    + "that the signed URL matches the requested one.")
        }

        let nonce = protocolValues["oauth_nonce"] ?? ""
        let expiresAt = Double(timestamp + policy.maxPastSeconds)
        let outcome = nonces.withLock {
            $0.record(consumer: client.id, nonce: nonce, timestamp: timestamp, expiresAt: expiresAt, now: now)
        }
        switch outcome {
        case .fresh: break
        case .replayed:
            throw fail(
                401, "replayed_nonce", "The OAuth nonce was already used with this timestamp; replays are rejected.")
        case .full:
            throw fail(
                429, "nonce_cache_full",
                "Consumer '\(shownKey)' sent more than \(policy.maxNoncesPerConsumer) signed requests within the "
                    + "timestamp window; retry later.")
        }

        let scopes = client.scopes.isEmpty ? OneRosterScope.defaultSignedRequestScopes : client.scopes
        return AuthenticatedCaller(
            clientID: client.id, app: client.app, district: client.district, scopes: scopes, method: .signedRequest)
    }

    /// Gathers the decoded parameters of RFC 5849 section 3.4.1.3.1: query, `OAuth` header and form body.
    private func collectParameters(_ request: HTTPRequest, query: Substring, authorization: Substring?)
        throws(AuthenticationFailure) -> [(name: String, value: String)]
    {
        guard var parameters = PercentEncoding.decodeForm(query) else {
            throw fail(400, "invalid_request", "The query string has invalid percent-encoding.")
        }
        if let authorization {
            let afterScheme = authorization.drop { $0 != " " }
            guard let headerParameters = OAuthHeader.parameters(afterScheme) else {
                throw fail(400, "invalid_request", "The OAuth Authorization header is malformed.")
            }
            parameters += headerParameters.filter { $0.name != "realm" }
        }
        if Self.isFormBody(request) && !request.body.isEmpty {
            guard let text = String(validating: request.body, as: UTF8.self),
                let bodyParameters = PercentEncoding.decodeForm(Substring(text))
            else {
                throw fail(400, "invalid_request", "The form body is not valid form-urlencoded UTF-8 text.")
            }
            parameters += bodyParameters
        }
        return parameters
    }
}
