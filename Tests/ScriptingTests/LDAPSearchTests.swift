import Foundation
import TestFixtures
import Testing

@testable import Scripting

/// `rollbook.ldap.search` against slapd on 127.0.0.1: a small district with a binary objectGUID, a size limit
/// of 2 entries per response and a referral object that points at an address that never responds.
@Suite(.serialized, .enabled(if: !slapdMissing, "slapd or slapadd is not installed"))
final class LDAPSearchTests {
    static let suffix = LDAPTestTree.suffix
    static let people = LDAPTestTree.people
    static let serviceDN = LDAPTestTree.serviceDN
    static let servicePassword = "svc-secret-9"
    /// Bytes that are not valid UTF-8, so the value must come back in base64.
    static let adaGUID: [UInt8] = [
        0xff, 0x00, 0x10, 0x80, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xfe,
    ]

    static let schema = """
        attributetype ( 1.2.840.113556.1.4.2 NAME 'objectGUID' EQUALITY octetStringMatch
            SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )
        objectclass ( 1.3.6.1.4.1.4203.666.11.91 NAME 'rollbookGUIDHolder' SUP top AUXILIARY MAY objectGUID )

        """

    static var ldif: String {
        var text = LDAPTestTree.prologue(servicePassword: servicePassword)
        text += """
            dn: ou=Annex,\(suffix)
            objectClass: referral
            objectClass: extensibleObject
            ou: Annex
            ref: ldap://192.0.2.10/ou=Annex,\(suffix)


            """
        for (index, name) in ["ada", "bram", "cleo", "dario", "edda"].enumerated() {
            text += "dn: uid=\(name),\(people)\nobjectClass: inetOrgPerson\nobjectClass: rollbookGUIDHolder\n"
            text += "uid: \(name)\ncn: \(name.capitalized) Test\nsn: Test\nemployeeNumber: \(1001 + index)\n"
            if name == "ada" { text += "objectGUID:: \(Data(adaGUID).base64EncodedString())\n" }
            text += "\n"
        }
        return text
    }

    let server: SlapdServer
    let logger = RecordingLogger()

    init() throws {
        let pki = try LDAPTestPKI.shared.get()
        server = try SlapdServer(
            suffix: Self.suffix, ldif: Self.ldif, schema: Self.schema,
            databaseLines: ["limits * size.soft=2 size.hard=2 size.pr=2 size.prtotal=unlimited"],
            certificate: pki.serverCertificate, key: pki.serverKey, caFile: pki.districtCA)
    }

    deinit {
        server.stop()
    }

    /// Runs `body` after `local request = {...}` with the server's URL and the service account.
    private func run(_ body: String, password: String = servicePassword, baseDN: String = people) throws -> [LuaValue] {
        let runtime = try LuaRuntime(configuration: .init(logger: logger))
        let prefix = """
            local request = { url = "\(server.ldapURL)", bind_dn = "\(Self.serviceDN)",
                bind_password = "\(password)", base_dn = "\(baseDN)", page_size = 2 }

            """
        return try runtime.run(source: prefix + body, name: "ldap.lua")
    }

    @Test func searchPagesPastSizeLimit() throws {
        let results = try run(
            """
            request.filter = "(objectClass=inetOrgPerson)"
            request.attributes = { "uid" }
            local names = {}
            for _, entry in ipairs(rollbook.ldap.search(request)) do names[#names + 1] = entry.attributes.uid[1] end
            table.sort(names)
            return table.concat(names, ",")
            """)
        #expect(results == ["ada,bram,cleo,dario,edda"])
    }

    @Test func binaryValueIsBase64() throws {
        let results = try run(
            """
            request.filter = "(uid=ada)"
            request.attributes = { "objectGUID", "employeeNumber", "cn" }
            local entries = rollbook.ldap.search(request)
            local entry = entries[1]
            return #entries, entry.dn, entry.attributes.objectGUID[1], entry.attributes.employeeNumber[1],
                entry.attributes.cn[1]
            """)
        let expected: [LuaValue] = [
            1, .string("uid=ada,\(Self.people)"), .string(Data(Self.adaGUID).base64EncodedString()), "1001", "Ada Test",
        ]
        #expect(results == expected)
    }

    @Test func referenceIsSkippedAndLogged() throws {
        let started = ContinuousClock.now
        let results = try run(
            """
            request.filter = "(objectClass=inetOrgPerson)"
            request.attributes = { "uid" }
            return #rollbook.ldap.search(request)
            """, baseDN: Self.suffix)

        #expect(results == [6])
        #expect(ContinuousClock.now - started < .seconds(5))
        let skipped = logger.lines.filter { $0.message.contains("skipped an LDAP search reference") }
        #expect(skipped.count == 1)
        // slapd appends the search scope to the URL, as in `ldap://host/dn??sub`.
        let reference = skipped.first?.fields["reference"] ?? ""
        #expect(reference.hasPrefix("ldap://192.0.2.10/ou=Annex,\(Self.suffix)"), "reference: \(reference)")
    }

    @Test func wrongPasswordReturnsError() throws {
        let results = try run("return rollbook.ldap.search(request)", password: "not-the-password-42")

        #expect(results.count == 2)
        #expect(results.first == .nil)
        let message = results.last?.stringValue ?? ""
        #expect(message.contains("invalid credentials"), "message: \(message)")
        #expect(message.contains(Self.serviceDN), "message: \(message)")
        #expect(!message.contains("not-the-password-42"), "message: \(message)")
    }

    @Test func baseOnAnotherServerReturnsReferralError() throws {
        let results = try run("return rollbook.ldap.search(request)", baseDN: "ou=Annex,\(Self.suffix)")

        let message = results.last?.stringValue ?? ""
        #expect(results.first == .nil)
        #expect(message.contains("ldap://192.0.2.10/"), "message: \(message)")
    }

    @Test func badRequestsRaise() throws {
        let cases: [(body: String, message: String)] = [
            ("request.verify = false", "rollbook.ldap.search: unknown field 'verify'"),
            ("request.page_size = 0", "rollbook.ldap.search: page_size '0' must be a whole number from 1 to 100000"),
            ("request.attributes = {}", "rollbook.ldap.search: field 'attributes' must be a non-empty list"),
            ("request.base_dn = 7", "rollbook.ldap.search: field 'base_dn' must be a string, got number"),
            ("request.start_tls = 'yes'", "rollbook.ldap.search: start_tls 'yes' must be true or false"),
        ]
        for testCase in cases {
            let runtime = try LuaRuntime(configuration: .init(logger: logger))
            let source = """
                local request = { url = "\(server.ldapURL)", bind_dn = "x", bind_password = "y", base_dn = "z" }
                \(testCase.body)
                return rollbook.ldap.search(request)
                """
            #expect {
                _ = try runtime.run(source: source, name: "ldap.lua")
            } throws: { error in
                let message = (error as? ScriptError)?.message ?? "\(error)"
                return message.hasPrefix(testCase.message)
            }
        }
    }

    @Test func invalidURLReturnsError() throws {
        let runtime = try LuaRuntime(configuration: .init(logger: logger))
        let results = try runtime.run(
            source: """
                return rollbook.ldap.search{ url = "http://127.0.0.1:1", bind_dn = "cn=a", bind_password = "b",
                    base_dn = "dc=c" }
                """, name: "ldap.lua")

        #expect(results.first == .nil)
        #expect(results.last?.stringValue?.contains("LDAP setting 'url' is 'http://127.0.0.1:1'") == true)
    }
}
