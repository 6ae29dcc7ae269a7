import Foundation
import TestFixtures
import Testing

@testable import LDAP
@testable import SSO

@Suite(.disabled(if: slapdMissing, "slapd or slapadd is not installed (Debian package slapd)"))
struct LDAPReferralTests {
    /// A referral object under the people entry whose target is a documentation address that never responds.
    static let referralLDIF = """
        dn: ou=Annex,\(LDAPTestDirectory.people)
        objectClass: referral
        objectClass: extensibleObject
        ou: Annex
        ref: ldap://192.0.2.10/ou=Annex,dc=rollbook,dc=test


        """

    @Test func searchSkipsReferenceQuickly() throws {
        let server = try LDAPTestDirectory.start(ldif: LDAPTestDirectory.ldif + Self.referralLDIF)
        let directory = LDAPDirectory(config: try LDAPTestDirectory.config(url: server.ldapURL))
        let started = ContinuousClock.now

        let result = try directory.search(filter: "(objectClass=inetOrgPerson)")
        let user = try directory.authenticate(username: "bram", password: "Bram-pass-2")

        #expect(ContinuousClock.now - started < .seconds(3))
        #expect(result.entries.count == 4)
        #expect(result.skippedReferences == ["ldap://192.0.2.10/ou=Annex,dc=rollbook,dc=test??sub"])
        #expect(user.dn == "uid=bram,\(LDAPTestDirectory.people)")
    }

    @Test func referralBaseIsNamed() throws {
        let server = try LDAPTestDirectory.start(ldif: LDAPTestDirectory.ldif + Self.referralLDIF)
        let config = try LDAPTestDirectory.config(url: server.ldapURL, baseDN: "ou=Annex,\(LDAPTestDirectory.people)")

        let error = LDAPTestDirectory.error {
            _ = try LDAPDirectory(config: config).authenticate(username: "ada", password: "x")
        }

        #expect(error?.shortCode == "ldap.referral")
        #expect(error?.description.contains("is a referral to 'ldap://192.0.2.10/ou=Annex,dc=rollbook,dc=test") == true)
    }

    /// A directory with two referral objects beside the real entries. A search from the domain root skips the
    /// referrals, and a base DN that lives on another server fails with `ldap.referral`.
    @Test(
        .enabled(
            if: FileManager.default.fileExists(atPath: sharedFolder().appendingPathComponent("cases/B17").path),
            "the shared case folder B17 is absent"))
    func domainRootSkipsReferrals() throws {
        let folder = sharedFolder().appendingPathComponent("cases/B17")
        try #require(
            FileManager.default.fileExists(atPath: folder.path),
            "the shared case folder \(folder.path) is absent; this test needs it")
        let schema = try LDAPSharedCase.schema(folder.appendingPathComponent("ad-lite-schema.ldif"))
        let ldif = try String(contentsOf: folder.appendingPathComponent("directory.ldif"), encoding: .utf8)
        let pki = try LDAPTestDirectory.pki()
        let server = try SlapdServer(
            suffix: "dc=maple-isd,dc=example,dc=org", ldif: ldif, schema: schema, certificate: pki.serverCertificate,
            key: pki.serverKey, caFile: pki.districtCA)
        let filter = try LDAPUserFilter("(|(sAMAccountName={u})(userPrincipalName={u}))")
        func config(baseDN: String) throws -> LDAPDirectoryConfig {
            try LDAPDirectoryConfig(
                url: server.ldapURL, bindDN: "cn=svc-rollbook,dc=maple-isd,dc=example,dc=org",
                bindPassword: "bind-secret-17", baseDN: baseDN, userFilter: filter, attributes: ["sAMAccountName"],
                connectTimeout: .seconds(2), operationTimeout: .seconds(5))
        }
        let rootDirectory = LDAPDirectory(config: try config(baseDN: "dc=maple-isd,dc=example,dc=org"))
        let started = ContinuousClock.now

        let user = try rootDirectory.authenticate(username: "mlark", password: "Pass-7101")
        let listing = try rootDirectory.search(filter: "(objectClass=inetOrgPerson)")

        #expect(ContinuousClock.now - started < .seconds(3))
        #expect(user.dn == "cn=Mateo Lark,ou=People,dc=maple-isd,dc=example,dc=org")
        #expect(
            listing.entries.map(\.dn).sorted() == [
                "cn=Mateo Lark,ou=People,dc=maple-isd,dc=example,dc=org",
                "cn=Noor Eskildsen,ou=People,dc=maple-isd,dc=example,dc=org",
                "cn=svc-rollbook,dc=maple-isd,dc=example,dc=org",
            ])
        #expect(listing.skippedReferences.count == 2)

        let annex = LDAPDirectory(config: try config(baseDN: "ou=Annex,dc=maple-isd,dc=example,dc=org"))
        let error = LDAPTestDirectory.error { _ = try annex.search(filter: "(objectClass=inetOrgPerson)") }
        #expect(error?.shortCode == "ldap.referral")
        #expect(error?.description.contains("'ldap://annex-dc.maple-isd.example.org/") == true)
        #expect(error?.description.contains("Global Catalog port 3268") == true)
    }
}
