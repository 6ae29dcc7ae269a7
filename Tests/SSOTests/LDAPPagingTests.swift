import Foundation
import TestFixtures
import Testing

@testable import LDAP
@testable import SSO

@Suite(.disabled(if: slapdMissing, "slapd or slapadd is not installed (Debian package slapd)"))
struct LDAPPagingTests {
    static let bulk = "ou=Bulk,dc=rollbook,dc=test"
    static let bulkCount = 2_500

    /// The test directory plus `bulkCount` students under `bulk`.
    static var bulkLDIF: String {
        var text = LDAPTestDirectory.ldif + "dn: \(bulk)\nobjectClass: organizationalUnit\nou: Bulk\n\n"
        for number in 1...bulkCount {
            text += LDAPTestDirectory.person(
                uid: "s\(number)", name: "Student \(number)", mail: "s\(number)@rollbook.test",
                password: "Pass-\(number)", parent: bulk)
        }
        return text
    }

    /// Limits in the manner of Active Directory's MaxPageSize: at most 1000 entries per response, while a
    /// paged search may read the whole result (size.prtotal).
    static let adLikeLimit = ["limits * size.soft=1000 size.hard=1000 size.prtotal=unlimited"]

    @Test func pagingReadsPastSizeLimit() throws {
        let server = try LDAPTestDirectory.start(ldif: Self.bulkLDIF, databaseLines: Self.adLikeLimit)
        let config = try LDAPTestDirectory.config(url: server.ldapURL, baseDN: Self.bulk, pageSize: 500)

        let result = try LDAPDirectory(config: config).search(filter: "(objectClass=inetOrgPerson)")

        #expect(result.entries.count == Self.bulkCount)
        #expect(Set(result.entries.map(\.dn)).count == Self.bulkCount)
        #expect(result.pages == 5)
        #expect(result.entries.contains { $0.string("uid") == "s2500" })
        #expect(result.skippedReferences.isEmpty)
    }

    @Test func loginWorksInLargeDirectory() throws {
        let server = try LDAPTestDirectory.start(ldif: Self.bulkLDIF, databaseLines: Self.adLikeLimit)
        let config = try LDAPTestDirectory.config(url: server.ldapURL, baseDN: Self.bulk)

        let user = try LDAPDirectory(config: config).authenticate(username: "s2417", password: "Pass-2417")

        #expect(user.dn == "uid=s2417,\(Self.bulk)")
    }

    @Test func pagingDisabledReportsSizeLimit() throws {
        let limits = ["limits * size.soft=1000 size.hard=1000 size.prtotal=disabled"]
        let server = try LDAPTestDirectory.start(ldif: Self.bulkLDIF, databaseLines: limits)
        let config = try LDAPTestDirectory.config(url: server.ldapURL, baseDN: Self.bulk)

        let error = LDAPTestDirectory.error {
            _ = try LDAPDirectory(config: config).search(filter: "(objectClass=inetOrgPerson)")
        }

        #expect(error?.shortCode == "ldap.size_limit")
        #expect(error?.description.contains("at its size limit after 1000 entries") == true)
    }

    /// An Active Directory stand-in with 12 students and a limit of 5 entries per response. slapd returns
    /// adminLimitExceeded for a page size above 5, so the client halves its page size until the server accepts it.
    @Test(
        .enabled(
            if: FileManager.default.fileExists(atPath: sharedFolder().appendingPathComponent("cases/B16").path),
            "the shared case folder B16 is absent"))
    func pageSizeHalvedUntilAccepted() throws {
        let folder = sharedFolder().appendingPathComponent("cases/B16")
        try #require(
            FileManager.default.fileExists(atPath: folder.path),
            "the shared case folder \(folder.path) is absent; this test needs it")
        let schema = try LDAPSharedCase.schema(folder.appendingPathComponent("ad-lite-schema.ldif"))
        let limits = try LDAPSharedCase.limits(folder.appendingPathComponent("slapd-limits.ldif"))
        let ldif = try String(contentsOf: folder.appendingPathComponent("directory.ldif"), encoding: .utf8)
        let pki = try LDAPTestDirectory.pki()
        let server = try SlapdServer(
            suffix: "dc=maple-isd,dc=example,dc=org", ldif: ldif, schema: schema, databaseLines: limits,
            certificate: pki.serverCertificate, key: pki.serverKey, caFile: pki.districtCA)
        let config = try LDAPDirectoryConfig(
            url: server.ldapURL, bindDN: "cn=svc-rollbook,dc=maple-isd,dc=example,dc=org",
            bindPassword: "bind-secret-16", baseDN: "ou=Students,dc=maple-isd,dc=example,dc=org",
            userFilter: .sAMAccountName, attributes: ["sAMAccountName", "employeeNumber", "mail"])
        let directory = LDAPDirectory(config: config)

        let result = try directory.search(filter: "(objectClass=inetOrgPerson)")
        let user = try directory.authenticate(username: "s1012", password: "Pass-1012")

        let names = result.entries.compactMap { $0.string("sAMAccountName") }.sorted()
        #expect(names == (1001...1012).map { "s\($0)" })
        #expect(user.entry.string("employeeNumber") == "1012")
        #expect(user.dn == "cn=Lio Varga,ou=Students,dc=maple-isd,dc=example,dc=org")
    }
}

/// Converts a case folder's cn=config LDIF files into slapd.conf lines.
enum LDAPSharedCase {
    /// Turns `olcAttributeTypes:` and `olcObjectClasses:` lines into slapd.conf schema statements.
    static func schema(_ url: URL) throws -> String {
        let text = try String(contentsOf: url, encoding: .utf8)
        var lines: [String] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("olcAttributeTypes:") {
                lines.append("attributetype" + line.dropFirst("olcAttributeTypes:".count))
            } else if line.hasPrefix("olcObjectClasses:") {
                lines.append("objectclass" + line.dropFirst("olcObjectClasses:".count))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Turns `olcLimits:` lines into slapd.conf `limits` statements.
    static func limits(_ url: URL) throws -> [String] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").filter { $0.hasPrefix("olcLimits:") }.map {
            "limits" + $0.dropFirst("olcLimits:".count)
        }
    }
}
