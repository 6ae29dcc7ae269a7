import Foundation
import Testing

@testable import SSO

private let issuer = "https://idp.maple-isd.example.org"
private let clientID = "rollbook-maple"
private let now = Date(timeIntervalSince1970: 1_767_225_600)

private func claims(
    iat: Int? = 1_767_225_600, exp: Int? = 1_767_229_200, nbf: Int? = nil, aud: [String] = [clientID],
    azp: String? = nil, nonce: String? = "n-1"
) -> JSONObjectWriter {
    var writer = JSONObjectWriter()
    writer.add("iss", issuer)
    writer.add("sub", "maple-7c1d-0001")
    if aud.count == 1 { writer.add("aud", aud[0]) } else { writer.add("aud", aud) }
    if let azp { writer.add("azp", azp) }
    if let nonce { writer.add("nonce", nonce) }
    if let iat { writer.add("iat", iat) }
    if let nbf { writer.add("nbf", nbf) }
    if let exp { writer.add("exp", exp) }
    return writer
}

private func keySet(_ key: RSASigningKey) -> JWKSet {
    JWKSet(keysByKid: [key.kid: key.publicKey])
}

@Suite struct JWTTests {
    let validator = IDTokenValidator(issuer: issuer, clientID: clientID)

    @Test func signedTokenRoundTrips() throws {
        let key = try #require(providerKey)
        let token = try JWT.sign(claims: claims(), with: key)
        let decoded = try validator.validate(token, keys: keySet(key), nonce: "n-1", now: now)
        #expect(decoded.kid == key.kid)
        #expect(decoded.header["alg"] == .string("RS256"))
        #expect(decoded.header["typ"] == .string("JWT"))
        #expect(decoded.claims["sub"] == .string("maple-7c1d-0001"))
        #expect(decoded.claims["iat"] == .number(1_767_225_600))
    }

    @Test func headerHasFixedMemberOrder() throws {
        let key = try #require(providerKey)
        let token = try JWT.sign(claims: claims(), with: key)
        let header = try #require(Base64URL.decode(token.split(separator: ".")[0]))
        #expect(String(decoding: header, as: UTF8.self) == "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"\(key.kid)\"}")
    }

    @Test func kidIsJWKThumbprint() throws {
        // The RFC 7638 section 3.1 example key, whose thumbprint the RFC gives.
        let n =
            "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
        let modulus = try #require(Base64URL.decode(Substring(n)))
        let key = try RSAPublicKey(modulus: modulus, exponent: [1, 0, 1])
        #expect(key.thumbprint == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
    }

    @Test func privateKeyPEMRoundTrips() throws {
        let key = try #require(providerKey)
        let pem = try key.privateKeyPEM()
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        let loaded = try RSASigningKey(pem: pem)
        #expect(loaded.kid == key.kid)
        let signature = try loaded.sign(Array("data".utf8))
        #expect(key.publicKey.verify(signature: signature, data: Array("data".utf8)))
    }

    @Test func invalidPEMIsRejected() throws {
        #expect(throws: KeyError.self) {
            try RSASigningKey(pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
        }
        do {
            _ = try RSASigningKey(pem: "")
            Issue.record("An empty PEM was accepted")
        } catch {
            #expect(error.code == "key.invalid_pem")
        }
    }

    @Test func publicJWKHasRequiredMembers() throws {
        let key = try #require(providerKey)
        let jwk = try #require(JSONValue.parse(Array(key.publicJWKJSON().utf8))?.objectValue)
        #expect(jwk["kty"] == .string("RSA"))
        #expect(jwk["use"] == .string("sig"))
        #expect(jwk["alg"] == .string("RS256"))
        #expect(jwk["kid"] == .string(key.kid))
        #expect(jwk["e"] == .string("AQAB"))
        #expect(jwk["n"]?.stringValue?.count == 342)
    }

    @Test func tamperedPayloadFailsSignature() throws {
        let key = try #require(providerKey)
        let token = try JWT.sign(claims: claims(), with: key)
        let forged = replacingPayload(
            of: token,
            with:
                "{\"iss\":\"\(issuer)\",\"sub\":\"admin\",\"aud\":\"\(clientID)\",\"iat\":1767225600,\"exp\":1767229200}"
        )
        #expect(throws: JWTError.badSignature(kid: key.kid)) {
            try validator.validate(forged, keys: keySet(key), nonce: nil, now: now)
        }
    }

    @Test func wrongKeyWithSameKidFails() throws {
        let key = try #require(providerKey)
        let other = try #require(otherKey)
        let header = "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"\(key.kid)\"}"
        let token = try signedToken(header: header, payload: claims().text, key: other)
        do {
            _ = try validator.validate(token, keys: keySet(key), nonce: nil, now: now)
            Issue.record("A token signed by another key was accepted")
        } catch {
            #expect(error.code == "jwt.bad_signature")
        }
    }

    @Test func unknownKidIsRejected() throws {
        let key = try #require(providerKey)
        let other = try #require(otherKey)
        let token = try JWT.sign(claims: claims(), with: other)
        do {
            _ = try validator.validate(token, keys: keySet(key), nonce: nil, now: now)
            Issue.record("A token with an unknown kid was accepted")
        } catch {
            #expect(error.code == "jwt.unknown_kid")
            #expect(error.message == "Signing key not found: 'kid' '\(other.kid)' is not in the JWKS of '\(issuer)'")
        }
    }

    @Test func algNoneIsRejected() throws {
        let key = try #require(providerKey)
        let header = Base64.encodeURLSafe(Array("{\"alg\":\"none\",\"typ\":\"JWT\"}".utf8))
        let token = header + "." + Base64.encodeURLSafe(claims().utf8) + "."
        do {
            _ = try validator.validate(token, keys: keySet(key), nonce: nil, now: now)
            Issue.record("alg none was accepted")
        } catch {
            #expect(error.code == "jwt.unsupported_algorithm")
            #expect(error.message == "Header 'alg' is 'none'; only RS256 is accepted")
        }
    }

    @Test func hs256WithPublicKeyAsSecretIsRejected() throws {
        let key = try #require(providerKey)
        let header = "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"\(key.kid)\"}"
        let input = Base64.encodeURLSafe(Array(header.utf8)) + "." + Base64.encodeURLSafe(claims().utf8)
        // The classic confusion: an HMAC keyed with the public key that the verifier holds.
        let mac = Digest.hmac(.sha256, key: Array(key.publicJWKJSON().utf8), data: Array(input.utf8))
        let token = input + "." + Base64.encodeURLSafe(mac)
        do {
            _ = try validator.validate(token, keys: keySet(key), nonce: nil, now: now)
            Issue.record("HS256 was accepted")
        } catch {
            #expect(error.code == "jwt.unsupported_algorithm")
        }
    }

    @Test(arguments: [
        ("a.b", "jwt.malformed"),
        ("a.b.c.d.e", "jwt.malformed"),
        ("!!.e30.c2ln", "jwt.malformed"),
        ("eyJhbGciOiJSUzI1NiJ9=.e30.c2ln", "jwt.malformed"),
        ("eyJhbGciOiJSUzI1NiJ9.e30.", "jwt.malformed"),
        ("eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln", "jwt.malformed"),
        ("eyJhbGciOiJSUzI1NiIsImNyaXQiOlsiYjY0Il19.e30.c2ln", "jwt.unsupported_crit"),
        ("eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCJ9.e30.c2ln", "jwt.unsupported_typ"),
        ("eyJ0eXAiOiJKV1QifQ.e30.c2ln", "jwt.malformed"),
    ])
    func malformedTokenIsRejected(token: String, code: String) {
        do {
            _ = try JWT.decode(token)
            Issue.record("'\(token)' was accepted")
        } catch {
            #expect(error.code == code, "\(token): \(error.message)")
        }
    }

    @Test func oversizeTokenIsRejected() {
        let token = String(repeating: "a", count: JWT.maximumLength + 1)
        #expect(throws: JWTError.tooLarge(JWT.maximumLength + 1, limit: JWT.maximumLength)) {
            try JWT.decode(token)
        }
    }

    @Test func claimChecksRejectWrongValues() throws {
        let key = try #require(providerKey)
        let cases: [(JSONObjectWriter, String?, String)] = [
            (claims(aud: ["someone-else"]), nil, "jwt.wrong_audience"),
            (claims(aud: [clientID, "other"]), nil, "jwt.wrong_azp"),
            (claims(aud: [clientID, "other"], azp: "other"), nil, "jwt.wrong_azp"),
            (claims(), "n-other", "jwt.nonce_mismatch"),
            (claims(nonce: nil), "n-1", "jwt.nonce_mismatch"),
            (claims(exp: nil), nil, "jwt.missing_claim"),
        ]
        for (writer, nonce, code) in cases {
            let token = try JWT.sign(claims: writer, with: key)
            do {
                _ = try validator.validate(token, keys: keySet(key), nonce: nonce, now: now)
                Issue.record("\(writer.text) was accepted, expected \(code)")
            } catch {
                #expect(error.code == code, "\(writer.text): \(error.message)")
            }
        }
        let several = try JWT.sign(claims: claims(aud: [clientID, "other"], azp: clientID), with: key)
        #expect(throws: Never.self) { try validator.validate(several, keys: keySet(key), nonce: nil, now: now) }
        let otherIssuer = IDTokenValidator(issuer: "https://other.example.org", clientID: clientID)
        let token = try JWT.sign(claims: claims(), with: key)
        #expect(throws: JWTError.wrongIssuer(issuer, expected: "https://other.example.org")) {
            try otherIssuer.validate(token, keys: keySet(key), nonce: nil, now: now)
        }
    }

    @Test func leewayBoundariesAreExact() throws {
        let key = try #require(providerKey)
        let leeway = validator.leeway
        let t = 1_767_225_600
        let accepted: [JSONObjectWriter] = [
            claims(exp: t - leeway + 1),
            claims(iat: t + leeway),
            claims(nbf: t + leeway),
        ]
        for writer in accepted {
            let token = try JWT.sign(claims: writer, with: key)
            #expect(throws: Never.self, "\(writer.text)") {
                try validator.validate(token, keys: keySet(key), nonce: nil, now: now)
            }
        }
        let rejected: [(JSONObjectWriter, String)] = [
            (claims(exp: t - leeway), "jwt.expired"),
            (claims(iat: t + leeway + 1), "jwt.issued_in_future"),
            (claims(nbf: t + leeway + 1), "jwt.not_yet_valid"),
        ]
        for (writer, code) in rejected {
            let token = try JWT.sign(claims: writer, with: key)
            do {
                _ = try validator.validate(token, keys: keySet(key), nonce: nil, now: now)
                Issue.record("\(writer.text) was accepted")
            } catch {
                #expect(error.code == code)
            }
        }
    }

    @Test func leewayIsCappedAtFiveMinutes() {
        #expect(IDTokenValidator(issuer: issuer, clientID: clientID, leeway: 3600).leeway == 300)
        #expect(IDTokenValidator(issuer: issuer, clientID: clientID, leeway: -5).leeway == 0)
        #expect(IDTokenValidator(issuer: issuer, clientID: clientID).leeway == 60)
    }

    @Test func jwksSkipsUnusableKeys() throws {
        let key = try #require(providerKey)
        let document = """
            {"keys":[\(key.publicJWKJSON()),
            {"kty":"EC","crv":"P-256","kid":"ec","x":"AA","y":"AA"},
            {"kty":"RSA","kid":"enc","use":"enc","n":"AQAB","e":"AQAB"},
            {"kty":"RSA","kid":"small","n":"AQAB","e":"AQAB"}]}
            """
        let set = try JWKSet(json: Array(document.utf8))
        #expect(set.count == 1)
        #expect(set.key(for: key.kid) != nil)
        #expect(set.key(for: nil) != nil)
        #expect(set.skipped.count == 3)
        #expect(throws: KeyError.self) { try JWKSet(json: Array("{\"keys\":{}}".utf8)) }
        #expect(throws: KeyError.self) {
            try JWKSet(json: Array("{\"keys\":[\(key.publicJWKJSON()),\(key.publicJWKJSON())]}".utf8))
        }
    }

    @Test func discoveryDocumentListsEndpoints() throws {
        let discovery = try OpenIDDiscovery(issuer: "https://sso.maple-isd.example.org/")
        let document = try #require(JSONValue.parse(Array(discovery.documentJSON().utf8))?.objectValue)
        #expect(document["issuer"] == .string("https://sso.maple-isd.example.org"))
        #expect(document["jwks_uri"] == .string("https://sso.maple-isd.example.org/oauth/jwks"))
        #expect(document["token_endpoint"] == .string("https://sso.maple-isd.example.org/oauth/token"))
        #expect(document["response_types_supported"] == .array([.string("code")]))
        #expect(document["subject_types_supported"] == .array([.string("public")]))
        #expect(document["id_token_signing_alg_values_supported"] == .array([.string("RS256")]))
        #expect(document["code_challenge_methods_supported"] == .array([.string("S256")]))
        #expect(
            document["token_endpoint_auth_methods_supported"]
                == .array([.string("client_secret_basic"), .string("client_secret_post"), .string("none")]))
        #expect(throws: DiscoveryError.self) { try OpenIDDiscovery(issuer: "http://sso.example.org") }
        #expect(throws: DiscoveryError.self) { try OpenIDDiscovery(issuer: "https://sso.example.org/?a=b") }
    }
}
