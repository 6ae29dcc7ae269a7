import Foundation
import Testing

@testable import Export

struct DeliveryKnownHostsTests {
    // Any valid base64 works as a key blob for lookups; these are not real keys.
    let keyA = "AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    let keyB = "AAAAC3NzaC1lZDI1NTE5AAAAIBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"

    @Test func nonStandardPortUsesBracketedName() {
        let text = "[127.0.0.1]:2222 ssh-ed25519 \(keyA)\n127.0.0.1 ssh-ed25519 \(keyB)\n"
        let hosts = KnownHosts(text: text, host: "127.0.0.1", port: 2222)
        #expect(hosts.hostName == "[127.0.0.1]:2222")
        #expect(hosts.pinned.map(\.line) == [1])
        #expect(hosts.portTwentyTwoLines == [2])
    }

    @Test func portTwentyTwoUsesBareName() {
        let text = "[127.0.0.1]:2222 ssh-ed25519 \(keyA)\n127.0.0.1 ssh-ed25519 \(keyB)\n"
        let hosts = KnownHosts(text: text, host: "127.0.0.1", port: 22)
        #expect(hosts.hostName == "127.0.0.1")
        #expect(hosts.pinned.map(\.line) == [2])
    }

    @Test func bareEntryDoesNotApplyToOtherPorts() {
        let hosts = KnownHosts(text: "127.0.0.1 ssh-ed25519 \(keyA)\n", host: "127.0.0.1", port: 2222)
        #expect(hosts.pinned.isEmpty)
        #expect(hosts.portTwentyTwoLines == [1])
    }

    @Test func patternListsWildcardsAndNegation() {
        let text = """
            # comment line
            sftp.example.org,[sftp.example.org]:2222 ssh-ed25519 \(keyA) vendor
            *.example.org,!bad.example.org ssh-ed25519 \(keyB)
            """
        #expect(KnownHosts(text: text, host: "sftp.example.org", port: 2222).pinned.map(\.line) == [2])
        #expect(KnownHosts(text: text, host: "SFTP.example.org", port: 22).pinned.map(\.line) == [2, 3])
        #expect(KnownHosts(text: text, host: "bad.example.org", port: 22).pinned.isEmpty)
        #expect(KnownHosts(text: text, host: "example.org", port: 22).pinned.isEmpty)
    }

    @Test func revokedAndHashedLinesAreSeparated() {
        let text = """
            @revoked [h]:2222 ssh-ed25519 \(keyB)
            @cert-authority [h]:2222 ssh-ed25519 \(keyA)
            |1|c2FsdA==|aGFzaA== ssh-ed25519 \(keyA)
            [h]:2222 ssh-ed25519 \(keyA)
            """
        let hosts = KnownHosts(text: text, host: "h", port: 2222)
        #expect(hosts.revoked.map(\.line) == [1])
        #expect(hosts.pinned.map(\.line) == [4])
        #expect(hosts.hashedLines == 1)
        #expect(hosts.pinned.first?.keyType == "ssh-ed25519")
        #expect(hosts.pinned.first?.key == [UInt8](Data(base64Encoded: keyA) ?? Data()))
    }

    @Test(
        .enabled(
            if: FileManager.default.fileExists(atPath: sharedKnownHostsExample),
            "the shared case file \(sharedKnownHostsExample) is absent"))
    func sharedExampleFilePinsPortEntry() throws {
        let text = try String(contentsOfFile: sharedKnownHostsExample, encoding: .utf8)
        let hosts = KnownHosts(text: text, host: "127.0.0.1", port: 2222)
        #expect(hosts.pinned.count == 1)
        #expect(hosts.pinned.first?.keyType == "ssh-ed25519")
        #expect(KnownHosts(text: text, host: "127.0.0.1", port: 22).pinned.isEmpty)
    }

    @Test func serverOfferIsReadFromKexError() {
        let error =
            "kex error : no match for method server host key algo: server [ssh-rsa], client [rsa-sha2-512,rsa-sha2-256]"
        #expect(SFTPTransport.serverHostKeyOffer(inKexError: error) == ["ssh-rsa"])
        #expect(SFTPTransport.serverHostKeyOffer(inKexError: "Connection refused") == nil)
    }
}

/// The example known_hosts of the SFTP host key cases, in the shared folder next to the package root.
let sharedKnownHostsExample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("shared/cases/B29/known_hosts.example").path
