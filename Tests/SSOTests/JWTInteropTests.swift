import Foundation
import Testing

@testable import SSO

/// Verifies a token with PyJWT against a JWKS and prints the subject: argv is the JWKS JSON, the token, the issuer
/// and the audience.
private let verifyScript = """
    import json, sys, jwt
    jwks, token, issuer, audience = sys.argv[1:5]
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in jwt.PyJWKSet.from_json(jwks).keys if k.key_id == kid)
    claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=audience, issuer=issuer)
    print(claims["sub"])
    """

/// Makes an RSA key with the cryptography package and prints a JSON object with its JWKS and a token it signed:
/// argv is the issuer, the audience and the current time.
private let signScript = """
    import json, sys, jwt
    from cryptography.hazmat.primitives.asymmetric import rsa
    issuer, audience, now = sys.argv[1], sys.argv[2], int(sys.argv[3])
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    jwk.update(kid="py-1", use="sig", alg="RS256")
    claims = {"iss": issuer, "aud": audience, "sub": "py-user", "iat": now, "exp": now + 300, "nonce": "n-py"}
    token = jwt.encode(claims, private, algorithm="RS256", headers={"kid": "py-1"})
    print(json.dumps({"jwks": {"keys": [jwk]}, "token": token}))
    """

@Suite(.enabled(if: pythonWithPyJWT != nil, "PyJWT is missing: apt-get install python3-jwt python3-cryptography"))
struct JWTInteropTests {
    @Test func pyJWTVerifiesProviderToken() throws {
        let temporary = try temporaryStore()
        let ring = SigningKeyRing()
        let now = Date()
        try ring.rotate(now: now, store: temporary.store)
        let claims = IDTokenClaims(
            issuer: "https://sso.example.org", subject: "u-1", audience: "app-1",
            issuedAt: now.timeIntervalSince1970, lifetime: 300, nonce: "n")
        let token = try ring.sign(claims: claims.writer())
        let result = try runPython(verifyScript, [ring.jwksJSON(), token, "https://sso.example.org", "app-1"])
        #expect(result.status == 0)
        #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines) == "u-1")

        let tampered = replacingPayload(
            of: token,
            with: "{\"iss\":\"https://sso.example.org\",\"aud\":\"app-1\",\"sub\":\"admin\",\"exp\":9999999999}")
        let rejected = try runPython(verifyScript, [ring.jwksJSON(), tampered, "https://sso.example.org", "app-1"])
        #expect(rejected.status != 0)
    }

    @Test func validatorAcceptsPyJWTToken() throws {
        let now = Date()
        let result = try runPython(
            signScript, ["https://idp.example.org", "rollbook", String(Int(now.timeIntervalSince1970))])
        #expect(result.status == 0)
        let object = try #require(JSONValue.parse(Array(result.output.utf8))?.objectValue)
        let token = try #require(object["token"]?.stringValue)
        let jwks = try JSONSerialization.data(
            withJSONObject: try #require(
                JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])["jwks"] as Any)
        let keys = try JWKSet(json: Array(jwks))
        #expect(keys.count == 1)
        let validator = IDTokenValidator(issuer: "https://idp.example.org", clientID: "rollbook")
        let decoded = try validator.validate(token, keys: keys, nonce: "n-py", now: now)
        #expect(decoded.claims["sub"] == .string("py-user"))
        #expect(decoded.kid == "py-1")
    }
}
