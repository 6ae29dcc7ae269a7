import Testing

@testable import SSO

@Suite struct SecretHashTests {
    @Test func madeHashVerifiesOnlyItsSecret() throws {
        let stored = SecretHash.make(secret: "pä55 wörd", iterations: SecretHash.minimumIterations)
        #expect(stored.hasPrefix("pbkdf2-sha256$200000$"))
        #expect(try SecretHash.verify("pä55 wörd", against: stored))
        #expect(try !SecretHash.verify("pä55 word", against: stored))
        #expect(try !SecretHash.verify("", against: stored))
    }

    @Test func saltsDifferBetweenHashes() {
        let first = SecretHash.make(secret: "same", iterations: SecretHash.minimumIterations)
        let second = SecretHash.make(secret: "same", iterations: SecretHash.minimumIterations)
        #expect(first != second)
        let fields = first.split(separator: "$")
        #expect(fields.count == 4)
        #expect(Base64.decode(fields[2])?.count == 16)
        #expect(Base64.decode(fields[3])?.count == 32)
    }

    @Test func iterationsBelowMinimumAreRaised() {
        let stored = SecretHash.make(secret: "x", iterations: 1000)
        #expect(stored.hasPrefix("pbkdf2-sha256$200000$"))
    }

    @Test func hashMatchesPythonHashlib() throws {
        // Cross-checks the PBKDF2 output against Python's hashlib for a fixed salt.
        let salt = Array("0123456789abcdef".utf8)
        let derived = Digest.pbkdf2SHA256(secret: "s3cret", salt: salt, iterations: 200_000, length: 32)
        let script =
            "import hashlib,base64;print(base64.b64encode(hashlib.pbkdf2_hmac('sha256',b's3cret',"
            + "b'0123456789abcdef',200000)).decode())"
        let python = try runTool("/usr/bin/env", ["python3", "-c", script])
        try #require(python.status == 0, "python3 is needed to cross-check PBKDF2")
        #expect(Base64.encode(derived) == python.output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test(arguments: [
        ("pbkdf2-sha256$200000$c2FsdHNhbHQ", "hash_field_count", "Secret hash has 3 '$'-separated fields"),
        ("bcrypt$200000$c2FsdHNhbHQ$aGFzaA", "hash_algorithm", "Secret hash algorithm is 'bcrypt'"),
        ("pbkdf2-sha256$lots$c2FsdHNhbHQ$aGFzaA", "hash_iterations", "Secret hash iteration count is 'lots'"),
        ("pbkdf2-sha256$1000$c2FsdHNhbHQ$aGFzaA", "hash_iterations", "iteration count is '1000'; expected 200000"),
        ("pbkdf2-sha256$200000$not*base64$aGFzaA", "hash_base64", "Secret hash field 'salt' is not valid base64"),
        ("pbkdf2-sha256$200000$c2FsdA$aGFzaA", "hash_length", "Secret hash field 'salt' is 4 bytes long"),
        (
            "pbkdf2-sha256$200000$c2FsdHNhbHQ$aGFzaA", "hash_length",
            "Secret hash field 'hash' is 4 bytes long; expected 32"
        ),
        ("", "hash_field_count", "Secret hash has 1 '$'-separated fields"),
    ])
    func malformedHashIsRejected(stored: String, code: String, message: String) {
        #expect {
            _ = try SecretHash.verify("anything", against: stored)
        } throws: { error in
            guard let error = error as? SecretHashError else { return false }
            return error.shortCode == code && error.description.contains(message)
        }
    }

    @Test func clientWithMalformedHashIsRejected() {
        #expect {
            _ = try APIClient(id: "c1", app: "a", district: "d", scopes: [], secretHash: "plain-text-secret")
        } throws: { error in
            "\(error)".hasPrefix("API client 'c1': the secret hash is invalid. Secret hash has 1")
        }
    }

    @Test func shortScopeNamesExpandToBothVersions() throws {
        let client = try makeClient(id: "c1", secret: "s", scopes: ["roster-core.readonly", "https://example.org/x"])
        #expect(
            client.scopes == [
                "https://purl.imsglobal.org/spec/or/v1p1/scope/roster-core.readonly",
                "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly", "https://example.org/x",
            ])
        #expect(throws: APIClientError.self) { try makeClient(id: "c2", secret: "s", scopes: ["roster-everything"]) }
    }

    @Test func clientDescriptionHidesConsumerSecret() throws {
        let client = try makeClient(id: "c1", consumerSecret: "top-secret-value")
        #expect(!"\(client)".contains("top-secret-value"))
        #expect(!String(reflecting: client).contains("top-secret-value"))
        #expect("\(client)".contains("consumerSecret: set"))
    }
}
