import Testing

@testable import LDAP
@testable import SSO

struct LDAPConfigTests {
    @Test(arguments: [
        ("ada", "ada"),
        ("*)(uid=*", "\\2a\\29\\28uid=\\2a"),
        ("a\\b", "a\\5cb"),
        ("nul\u{0}x", "nul\\00x"),
        ("zoë@école.fr", "zoë@école.fr"),
    ])
    func filterEscaping(input: String, escaped: String) {
        #expect(LDAPUserFilter.escape(input) == escaped)
    }

    @Test func presetsPutEscapedName() {
        #expect(LDAPUserFilter.sAMAccountName.filter(for: "s(1)") == "(sAMAccountName=s\\281\\29)")
        #expect(LDAPUserFilter.userPrincipalName.filter(for: "a*") == "(userPrincipalName=a\\2a)")
    }

    @Test func badTemplatesRejected() {
        let missing = LDAPTestDirectory.error { _ = try LDAPUserFilter("(uid=ada)") }
        #expect(missing?.shortCode == "ldap.config")
        #expect(
            missing?.description
                == "LDAP setting 'userFilter' is '(uid=ada)'; expected a filter that contains '{u}' where the "
                + "username goes.")
        let unbalanced = LDAPTestDirectory.error { _ = try LDAPUserFilter("(|(uid={u})") }
        #expect(unbalanced?.shortCode == "ldap.config")
    }

    @Test func badSettingsRejected() {
        func make(
            url: String = "ldap://127.0.0.1:389", startTLS: Bool = false, password: String = "p", pageSize: Int = 500
        )
            -> LDAPError?
        {
            LDAPTestDirectory.error {
                _ = try LDAPDirectoryConfig(
                    url: url, startTLS: startTLS, bindDN: "cn=svc", bindPassword: password, baseDN: "dc=x",
                    pageSize: pageSize)
            }
        }
        #expect(make(url: "http://127.0.0.1")?.description.contains("'url' is 'http://127.0.0.1'") == true)
        #expect(make(url: "ldaps://127.0.0.1:636", startTLS: true)?.shortCode == "ldap.config")
        #expect(make(password: "")?.description.contains("'bindPassword' is ''") == true)
        #expect(make(pageSize: 0)?.shortCode == "ldap.config")
    }

    @Test func passwordMaskedInDescription() throws {
        let config = try LDAPDirectoryConfig(
            url: "ldap://127.0.0.1:389", bindDN: "cn=svc", bindPassword: "hunter2-secret", baseDN: "dc=x")
        #expect(!config.description.contains("hunter2-secret"))
        #expect(config.description.contains("bindPassword: '***'"))
    }

    @Test func usernameGuards() throws {
        let directory = LDAPDirectory(
            config: try LDAPDirectoryConfig(
                url: "ldap://127.0.0.1:9", bindDN: "cn=svc", bindPassword: "p", baseDN: "dc=x"))
        let empty = LDAPTestDirectory.error { _ = try directory.authenticate(username: "", password: "p") }
        #expect(empty?.shortCode == "ldap.invalid_username")
        let long = LDAPTestDirectory.error {
            _ = try directory.authenticate(username: String(repeating: "a", count: 300), password: "p")
        }
        #expect(long?.description.contains("longer than 256 bytes") == true)
        let control = LDAPTestDirectory.error { _ = try directory.authenticate(username: "ada\n", password: "p") }
        #expect(control?.description.contains("control character") == true)
    }

    @Test func gnuTLSStatusCauses() {
        let untrusted = LDAPTLSDiagnosis.cause(
            lines: ["TLS: peer cert untrusted or revoked (0x42)\n"], diagnosticMessage: "(unknown error code)",
            caFile: "/ca.pem")
        #expect(untrusted == .untrustedIssuer(caFile: "/ca.pem"))
        let expired = LDAPTLSDiagnosis.cause(
            lines: ["TLS: peer cert untrusted or revoked (0x402)\n"], diagnosticMessage: nil, caFile: nil)
        #expect(expired == .expired)
        let mismatch = LDAPTLSDiagnosis.cause(
            lines: ["TLS: hostname (vm) does not match common name in certificate (127.0.0.1).\n"],
            diagnosticMessage: nil, caFile: nil)
        #expect(mismatch == .hostnameMismatch(checkedName: "vm", certificateName: "127.0.0.1"))
        let openSSL = LDAPTLSDiagnosis.cause(
            lines: [],
            diagnosticMessage: "error:0A000086:SSL routines::certificate verify failed (certificate has expired)",
            caFile: nil)
        #expect(openSSL == .expired)
        #expect(LDAPTLSDiagnosis.cause(lines: ["connect errno: 111\n"], diagnosticMessage: nil, caFile: nil) == nil)
    }
}
