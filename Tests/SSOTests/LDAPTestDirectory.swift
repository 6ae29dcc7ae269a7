import Foundation
import TestFixtures
import Testing

@testable import LDAP
@testable import SSO

/// The directory most LDAP tests sign in against, and helpers to start it and configure a client for it.
enum LDAPTestDirectory {
    static let suffix = LDAPTestTree.suffix
    static let people = LDAPTestTree.people
    static let serviceDN = LDAPTestTree.serviceDN
    static let servicePassword = "svc-secret-7"
    /// The 16 bytes stored as Ada's `objectGUID`, with bytes that are not valid UTF-8.
    static let adaGUID: [UInt8] = [
        0xff, 0x00, 0x10, 0x80, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xfe,
    ]

    /// Active Directory's `objectGUID` and `sAMAccountName` with their AD OIDs, on an auxiliary class under
    /// OpenLDAP's experimental arc, so slapd can hold AD-shaped entries.
    static let schema = """
        attributetype ( 1.2.840.113556.1.4.2 NAME 'objectGUID' EQUALITY octetStringMatch
            SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )
        attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName' EQUALITY caseIgnoreMatch
            SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
        objectclass ( 1.3.6.1.4.1.4203.666.11.90 NAME 'rollbookTestAccount' SUP top AUXILIARY
            MAY ( objectGUID $ sAMAccountName ) )

        """

    /// The LDIF: a service account, Ada and Bram, and two accounts that share one mail address.
    static var ldif: String {
        var text = LDAPTestTree.prologue(servicePassword: servicePassword)
        text += person(
            uid: "ada", name: "Ada Brightwater", mail: "ada@rollbook.test", password: "Ada-pass-1", guid: adaGUID)
        text += person(uid: "bram", name: "Bram Ellery", mail: "bram@rollbook.test", password: "Bram-pass-2")
        text += person(uid: "twin1", name: "Twin One", mail: "twins@rollbook.test", password: "Twin-pass-1")
        text += person(uid: "twin2", name: "Twin Two", mail: "twins@rollbook.test", password: "Twin-pass-2")
        return text
    }

    /// Returns one inetOrgPerson entry under `parent` as LDIF, with a blank line after it.
    static func person(
        uid: String, name: String, mail: String, password: String, guid: [UInt8]? = nil, parent: String = people
    ) -> String {
        var lines = [
            "dn: uid=\(uid),\(parent)", "objectClass: inetOrgPerson", "objectClass: rollbookTestAccount",
            "uid: \(uid)", "cn: \(name)", "sn: \(name.split(separator: " ").last ?? "")", "mail: \(mail)",
            "sAMAccountName: \(uid)", "userPassword: \(password)",
        ]
        if let guid { lines.append("objectGUID:: " + Data(guid).base64EncodedString()) }
        return lines.joined(separator: "\n") + "\n\n"
    }

    /// Returns the test PKI, or throws the reason it could not be made.
    static func pki() throws -> LDAPTestPKI {
        try LDAPTestPKI.shared.get()
    }

    /// Starts slapd with this directory and the server certificate for 127.0.0.1.
    static func start(
        ldif: String = ldif, databaseLines: [String] = [], certificate: String? = nil, key: String? = nil
    ) throws -> SlapdServer {
        let pki = try pki()
        return try SlapdServer(
            suffix: suffix, ldif: ldif, schema: schema, databaseLines: databaseLines,
            certificate: certificate ?? pki.serverCertificate, key: key ?? pki.serverKey, caFile: pki.districtCA)
    }

    /// Returns a client configuration for `url` that binds as the service account and searches under `baseDN`.
    static func config(
        url: String, startTLS: Bool = false, caFile: String? = nil, filter: LDAPUserFilter = .uid,
        baseDN: String = people, pageSize: Int = 500, bindPassword: String = servicePassword,
        operationTimeout: Duration = .seconds(10)
    ) throws -> LDAPDirectoryConfig {
        try LDAPDirectoryConfig(
            url: url, startTLS: startTLS, caCertificateFile: caFile, bindDN: serviceDN, bindPassword: bindPassword,
            baseDN: baseDN, userFilter: filter, attributes: ["uid", "mail", "cn", "objectGUID"], pageSize: pageSize,
            connectTimeout: .seconds(3), operationTimeout: operationTimeout)
    }

    /// Runs `body` and returns the `LDAPError` it threw. Records a test issue and returns nil when `body` succeeds
    /// or throws another error.
    static func error(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> LDAPError? {
        do {
            try body()
            Issue.record("expected an LDAPError, but the call succeeded", sourceLocation: sourceLocation)
        } catch let error as LDAPError {
            return error
        } catch {
            Issue.record("expected an LDAPError, got \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }
}
