import Foundation
import HTTP
import Testing

@testable import Scripting

/// Tests of how recorded HTTP exchanges and LDAP searches are matched and read back.
@Suite struct RecordingTests {
    static func tokenRequest(_ body: String) -> HTTPClientRequest {
        HTTPClientRequest(method: "POST", url: "https://sis.example/token", body: Array(body.utf8))
    }

    @Test func formSecretsDoNotChangeKey() {
        let recorded = HTTPExchangeFile.matchKey(
            of: Self.tokenRequest("grant_type=client_credentials&client_id=app&client_secret=live-secret"))
        let replayed = HTTPExchangeFile.matchKey(
            of: Self.tokenRequest("grant_type=client_credentials&client_id=app&client_secret=recorded-secret"))

        #expect(recorded == replayed)
    }

    @Test func refreshTokenDoesNotChangeKey() {
        let recorded = HTTPExchangeFile.matchKey(of: Self.tokenRequest("grant_type=refresh_token&refresh_token=abc"))
        let replayed = HTTPExchangeFile.matchKey(
            of: Self.tokenRequest("grant_type=refresh_token&refresh_token=recorded-token"))

        #expect(recorded == replayed)
    }

    @Test func otherFormFieldsChangeKey() {
        let first = HTTPExchangeFile.matchKey(of: Self.tokenRequest("grant_type=client_credentials&client_id=app"))
        let second = HTTPExchangeFile.matchKey(of: Self.tokenRequest("grant_type=client_credentials&client_id=other"))

        #expect(first != second)
    }

    @Test func jsonBodyIsHashedAsSent() {
        let body = #"{"client_secret":"live-secret"}"#
        let key = HTTPExchangeFile.matchKey(of: Self.tokenRequest(body))

        #expect(key.hasSuffix(HTTPExchangeFile.sha256Hex(Array(body.utf8))))
    }

    @Test func encodedSecretNameIsRedacted() {
        let encoded = HTTPExchangeFile.bodyDigest(Array("client%5Fsecret=one&scope=roster".utf8))
        let other = HTTPExchangeFile.bodyDigest(Array("client%5Fsecret=two&scope=roster".utf8))

        #expect(encoded == other)
    }

    @Test func ldapReplayServesInOrder() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "rollbook-ldap-\(UUID().uuidString)"
        ).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let search = LDAPRecordedSearch(
            url: "ldap://127.0.0.1:389", bindDN: "cn=svc", baseDN: "dc=example", filter: "(uid=*)",
            attributes: ["uid"])
        let first = LDAPRecordedResult(
            entries: [LDAPRecordedEntry(dn: "uid=a,dc=example", attributes: ["uid": ["a"]])], skippedReferences: [])
        let second = LDAPRecordedResult(entries: [], skippedReferences: ["ldap://other.example/dc=example"])
        let recorder = try LDAPRecorder(folder: directory)
        try recorder.didSearch(search, result: first)
        try recorder.didSearch(search, result: second)

        let replay = try LDAPReplay(folder: directory)

        #expect(try replay.result(for: search) == first)
        #expect(try replay.result(for: search) == second)
        #expect(throws: RecordingError.self) { try replay.result(for: search) }
        var other = search
        other.filter = "(cn=*)"
        #expect(throws: RecordingError.self) { try replay.result(for: other) }
        #expect(throws: RecordingError.self) { try LDAPRecorder(folder: directory) }
    }
}
