import Foundation
import TestFixtures
import Testing

@testable import LDAP
@testable import SSO

@Suite(.disabled(if: slapdMissing, "slapd or slapadd is not installed (Debian package slapd)"))
struct LDAPTLSTests {
    private func login(_ config: LDAPDirectoryConfig) throws -> LDAPUser {
        try LDAPDirectory(config: config).authenticate(username: "ada", password: "Ada-pass-1")
    }

    @Test func ldapsAndStartTLSWithDistrictCA() throws {
        let server = try LDAPTestDirectory.start()
        let pki = try LDAPTestDirectory.pki()

        let overLDAPS = try login(try LDAPTestDirectory.config(url: server.ldapsURL, caFile: pki.districtCA))
        let overStartTLS = try login(
            try LDAPTestDirectory.config(url: server.ldapURL, startTLS: true, caFile: pki.districtCA))

        #expect(overLDAPS.dn == "uid=ada,\(LDAPTestDirectory.people)")
        #expect(overStartTLS.dn == "uid=ada,\(LDAPTestDirectory.people)")
    }

    @Test func ldapsWithoutCAIsUntrusted() throws {
        let server = try LDAPTestDirectory.start()

        let error = LDAPTestDirectory.error { _ = try login(try LDAPTestDirectory.config(url: server.ldapsURL)) }

        #expect(error?.shortCode == "ldap.tls")
        #expect(error?.tlsCause == .untrustedIssuer(caFile: nil))
        #expect(
            error?.description
                == "TLS with LDAP server '\(server.ldapsURL)' failed before any password was sent: the server's "
                + "certificate is not trusted because it was not issued by the system's CA store (no CA file is "
                + "set). Set the district's CA certificate file to the CA that issued the server's certificate.")
        #expect(!server.log.contains("BIND"))
    }

    @Test func otherDistrictsCAIsUntrusted() throws {
        let server = try LDAPTestDirectory.start()
        let pki = try LDAPTestDirectory.pki()
        let district = try LDAPTestDirectory.config(url: server.ldapsURL, caFile: pki.districtCA)
        let other = try LDAPTestDirectory.config(url: server.ldapsURL, caFile: pki.otherCA)

        // Alternating districts in one process shows each connection trusts only its own CA file.
        _ = try login(district)
        let error = LDAPTestDirectory.error { _ = try login(other) }
        _ = try login(district)

        #expect(error?.shortCode == "ldap.tls")
        #expect(error?.tlsCause == .untrustedIssuer(caFile: pki.otherCA))
        #expect(error?.description.contains("not issued by the CA in '\(pki.otherCA)'") == true)
    }

    @Test func untrustedStartTLSSendsNoBind() throws {
        let server = try LDAPTestDirectory.start()

        let error = LDAPTestDirectory.error {
            _ = try login(try LDAPTestDirectory.config(url: server.ldapURL, startTLS: true))
        }

        #expect(error?.shortCode == "ldap.tls")
        #expect(error?.tlsCause == .untrustedIssuer(caFile: nil))
        #expect(server.log.contains("EXT oid=1.3.6.1.4.1.1466.20037"))
        #expect(!server.log.contains("BIND"))
    }

    @Test func hostNameMismatchIsNamed() throws {
        let server = try LDAPTestDirectory.start()
        let pki = try LDAPTestDirectory.pki()
        let config = try LDAPTestDirectory.config(url: "ldaps://localhost:\(server.ldapsPort)", caFile: pki.districtCA)

        let error = LDAPTestDirectory.error { _ = try login(config) }

        #expect(error?.shortCode == "ldap.tls")
        #expect(error?.description.contains("the server's certificate is for '127.0.0.1', not for host name") == true)
        if case .hostnameMismatch(_, let certificateName) = error?.tlsCause {
            #expect(certificateName == "127.0.0.1")
        } else {
            Issue.record("expected a host name mismatch, got \(String(describing: error?.tlsCause))")
        }
    }

    @Test func expiredCertificateIsNamed() throws {
        let pki = try LDAPTestDirectory.pki()
        let server = try LDAPTestDirectory.start(certificate: pki.expiredCertificate, key: pki.expiredKey)

        let error = LDAPTestDirectory.error {
            _ = try login(try LDAPTestDirectory.config(url: server.ldapsURL, caFile: pki.districtCA))
        }

        #expect(error?.shortCode == "ldap.tls")
        #expect(error?.tlsCause == .expired)
        #expect(error?.description.contains("the server's certificate has expired") == true)
    }

    @Test func closedTLSPortIsUnreachable() throws {
        let pki = try LDAPTestDirectory.pki()
        let port = try freeLoopbackTCPPort()

        let error = LDAPTestDirectory.error {
            _ = try login(try LDAPTestDirectory.config(url: "ldaps://127.0.0.1:\(port)", caFile: pki.districtCA))
        }

        #expect(error?.shortCode == "ldap.unreachable")
        #expect(error?.description.hasPrefix("Cannot connect to 127.0.0.1:\(port) for LDAP server") == true)
    }
}
