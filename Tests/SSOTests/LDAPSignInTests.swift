import Foundation
import TestFixtures
import Testing

@testable import LDAP
@testable import SSO

@Suite(.disabled(if: slapdMissing, "slapd or slapadd is not installed (Debian package slapd)"))
struct LDAPSignInTests {
    @Test func loginByUID() throws {
        let server = try LDAPTestDirectory.start()
        let directory = LDAPDirectory(config: try LDAPTestDirectory.config(url: server.ldapURL))

        let user = try directory.authenticate(username: "ada", password: "Ada-pass-1")

        #expect(user.dn == "uid=ada,\(LDAPTestDirectory.people)")
        #expect(user.username == "ada")
        #expect(user.entry.string("mail") == "ada@rollbook.test")
        #expect(user.entry.string("CN") == "Ada Brightwater")
        #expect(user.entry.values("objectGUID") == [LDAPTestDirectory.adaGUID])
        #expect(user.entry.base64("objectGUID") == Data(LDAPTestDirectory.adaGUID).base64EncodedString())
        #expect(user.entry.string("objectGUID") == nil)
        #expect(user.entry.values("userPassword").isEmpty)
    }

    @Test func loginByMail() throws {
        let server = try LDAPTestDirectory.start()
        let config = try LDAPTestDirectory.config(url: server.ldapURL, filter: .mail)

        let user = try LDAPDirectory(config: config).authenticate(
            username: "bram@rollbook.test", password: "Bram-pass-2")

        #expect(user.dn == "uid=bram,\(LDAPTestDirectory.people)")
        #expect(user.entry.string("uid") == "bram")
    }

    @Test func wrongPasswordAndUnknownUser() throws {
        let server = try LDAPTestDirectory.start()
        let directory = LDAPDirectory(config: try LDAPTestDirectory.config(url: server.ldapURL))

        let wrong = LDAPTestDirectory.error { _ = try directory.authenticate(username: "ada", password: "Bram-pass-2") }
        #expect(wrong?.shortCode == "ldap.invalid_credentials")
        #expect(wrong?.description == "LDAP server '\(server.ldapURL)' rejected the password for username 'ada'.")
        #expect(wrong?.description.contains("Bram-pass-2") == false)

        let unknown = LDAPTestDirectory.error { _ = try directory.authenticate(username: "zoe", password: "x") }
        #expect(unknown?.shortCode == "ldap.no_account")
        #expect(unknown?.description.contains("username 'zoe'") == true)
        #expect(unknown?.description.contains("filter '(uid=zoe)'") == true)
    }

    @Test func emptyPasswordRejectedBeforeConnecting() throws {
        // Port 9 on loopback has no listener here: reaching the server would fail with ldap.unreachable.
        let config = try LDAPTestDirectory.config(url: "ldap://127.0.0.1:9")
        let error = LDAPTestDirectory.error {
            _ = try LDAPDirectory(config: config).authenticate(username: "ada", password: "")
        }

        #expect(error?.shortCode == "ldap.empty_password")
        #expect(error?.description.hasPrefix("The password for username 'ada' is empty; it was not sent") == true)
    }

    @Test func emptyPasswordNeverBindsAnonymously() throws {
        let server = try LDAPTestDirectory.start()
        let directory = LDAPDirectory(config: try LDAPTestDirectory.config(url: server.ldapURL))

        let error = LDAPTestDirectory.error { _ = try directory.authenticate(username: "ada", password: "") }

        #expect(error?.shortCode == "ldap.empty_password")
        #expect(!server.log.contains("BIND dn=\"uid=ada"))
        // A wrong password does reach the server, which shows that the log records user binds.
        _ = LDAPTestDirectory.error { _ = try directory.authenticate(username: "ada", password: "wrong") }
        #expect(server.log.components(separatedBy: "BIND dn=\"uid=ada,").count - 1 == 1)
    }

    @Test func ambiguousMailNamesCount() throws {
        let server = try LDAPTestDirectory.start()
        let config = try LDAPTestDirectory.config(url: server.ldapURL, filter: .mail)

        let error = LDAPTestDirectory.error {
            _ = try LDAPDirectory(config: config).authenticate(username: "twins@rollbook.test", password: "Twin-pass-1")
        }

        #expect(error?.shortCode == "ldap.ambiguous_account")
        #expect(error?.description.contains("Username 'twins@rollbook.test' matches 2 accounts") == true)
    }

    @Test func filterInjectionFindsNothing() throws {
        let server = try LDAPTestDirectory.start()
        let directory = LDAPDirectory(config: try LDAPTestDirectory.config(url: server.ldapURL))

        let error = LDAPTestDirectory.error {
            _ = try directory.authenticate(username: "*)(uid=*", password: "Ada-pass-1")
        }

        #expect(error?.shortCode == "ldap.no_account")
        #expect(error?.description.contains("filter '(uid=\\2a\\29\\28uid=\\2a)'") == true)
        let star = LDAPTestDirectory.error { _ = try directory.authenticate(username: "*", password: "Ada-pass-1") }
        #expect(star?.shortCode == "ldap.no_account")
    }

    @Test func serviceBindFailureNamesDN() throws {
        let server = try LDAPTestDirectory.start()
        let config = try LDAPTestDirectory.config(url: server.ldapURL, bindPassword: "not-the-password")

        let error = LDAPTestDirectory.error {
            _ = try LDAPDirectory(config: config).authenticate(username: "ada", password: "Ada-pass-1")
        }

        #expect(error?.shortCode == "ldap.service_bind_failed")
        #expect(
            error?.description
                == "LDAP server '\(server.ldapURL)' rejected the bind as service account "
                + "'\(LDAPTestDirectory.serviceDN)': invalid credentials. Check 'bindDN' and the service account's "
                + "password.")
        #expect(error?.description.contains("not-the-password") == false)
    }

    @Test func closedPortIsUnreachable() throws {
        let port = try freeLoopbackTCPPort()
        let config = try LDAPTestDirectory.config(url: "ldap://127.0.0.1:\(port)")

        let error = LDAPTestDirectory.error {
            _ = try LDAPDirectory(config: config).authenticate(username: "ada", password: "x")
        }

        #expect(error?.shortCode == "ldap.unreachable")
        #expect(error?.description.hasPrefix("Cannot connect to 127.0.0.1:\(port) for LDAP server") == true)
    }

    @Test func missingBaseDNIsNamed() throws {
        let server = try LDAPTestDirectory.start()
        let config = try LDAPTestDirectory.config(url: server.ldapURL, baseDN: "ou=Nobody,dc=rollbook,dc=test")

        let error = LDAPTestDirectory.error { _ = try LDAPDirectory(config: config).search(filter: "(uid=*)") }

        #expect(error?.shortCode == "ldap.no_such_object")
        #expect(error?.description.contains("'ou=Nobody,dc=rollbook,dc=test' does not exist") == true)
    }

    @Test func invalidListingFilterIsNamed() throws {
        let server = try LDAPTestDirectory.start()
        let directory = LDAPDirectory(config: try LDAPTestDirectory.config(url: server.ldapURL))

        let error = LDAPTestDirectory.error { _ = try directory.search(filter: "(uid=ada") }

        #expect(error?.shortCode == "ldap.invalid_filter")
        #expect(error?.description.contains("filter '(uid=ada'") == true)
    }
}
