import Foundation
import Testing

@testable import LDAP
@testable import SSO

private let directoryURL = "ldaps://dc1.maple-isd.example.org:636"

private func ldapProvider(usernameAttribute: String? = nil) throws -> UpstreamProvider {
    try UpstreamProvider(
        id: "maple-ad", district: "maple", kind: .ldap(directoryURL: directoryURL),
        linking: LinkingSettings(trustEmail: true, usernameClaim: usernameAttribute))
}

private func ldapUser(guid: [UInt8]?, mail: String?) -> LDAPUser {
    var attributes: [String: [[UInt8]]] = ["sAMAccountName": [Array("mquill".utf8)]]
    if let guid { attributes["objectGUID"] = [guid] }
    if let mail { attributes["mail"] = [Array(mail.utf8)] }
    let entry = LDAPEntry(dn: "CN=Mara Quill,OU=Staff,DC=maple-isd,DC=example,DC=org", attributes: attributes)
    return LDAPUser(username: "MQuill", entry: entry)
}

@Suite struct UpstreamProviderTests {
    @Test(arguments: [
        ("issuer", UpstreamProvider.Kind.oidc(issuer: "http://idp.example.net")),
        ("issuer", .adfs(issuer: "https://{tenantid}.example.net/adfs")),
        ("allowedHostedDomains", .google(allowedHostedDomains: [])),
        ("allowedHostedDomains", .google(allowedHostedDomains: ["@maple-isd.example.org"])),
        ("allowedHostedDomains", .google(allowedHostedDomains: [".example.org"])),
        ("tenantID", .entra(tenantID: "maple", issuerTemplate: UpstreamProvider.entraIssuerTemplate)),
        ("directoryURL", .ldap(directoryURL: "dc1.maple-isd.example.org")),
    ])
    func badSettingRejected(field: String, kind: UpstreamProvider.Kind) {
        let error = upstreamError { _ = try UpstreamProvider(id: "p", district: "maple", kind: kind) }
        #expect(error?.code == "sso.invalid_config")
        #expect(error?.message.hasPrefix("District 'maple': provider setting '\(field)' is ") == true)
    }

    @Test func emptyIDRejected() {
        let error = upstreamError {
            _ = try UpstreamProvider(id: "", district: "maple", kind: .oidc(issuer: "https://idp.example.net"))
        }
        #expect(error?.code == "sso.invalid_config")
    }

    @Test func oidcIssuerMustMatchExactly() throws {
        let provider = try UpstreamProvider(
            id: "adfs", district: "maple", kind: .adfs(issuer: "https://fs.maple-isd.example.org/adfs"))
        let accepted = try UpstreamIdentity.from(
            claims: ["iss": .string("https://fs.maple-isd.example.org/adfs"), "sub": .string("s-1")], provider: provider
        )
        #expect(accepted.providerKind == .adfs)
        #expect(accepted.linkKey == LinkKey(namespace: "https://fs.maple-isd.example.org/adfs", subject: "s-1"))

        for issuer in ["https://fs.maple-isd.example.org/adfs/", "https://FS.maple-isd.example.org/adfs"] {
            let error = upstreamError {
                _ = try UpstreamIdentity.from(
                    claims: ["iss": .string(issuer), "sub": .string("s-1")], provider: provider)
            }
            #expect(error?.code == "sso.invalid_issuer", "issuer \(issuer)")
        }
        let missing = upstreamError {
            _ = try UpstreamIdentity.from(claims: ["sub": .string("s-1")], provider: provider)
        }
        #expect(missing?.message.contains("claim 'iss' is '(missing)'") == true)
    }

    @Test func ldapProviderRejectsClaims() throws {
        let error = upstreamError {
            _ = try UpstreamIdentity.from(claims: ["sub": .string("s-1")], provider: try ldapProvider())
        }
        #expect(error?.code == "sso.invalid_config")
    }

    @Test func oidcProviderRejectsLDAPUser() throws {
        let provider = try UpstreamProvider(id: "o", district: "maple", kind: .oidc(issuer: "https://idp.example.net"))
        let error = upstreamError {
            _ = try UpstreamIdentity.from(ldapUser: ldapUser(guid: nil, mail: nil), provider: provider)
        }
        #expect(error?.code == "sso.invalid_config")
    }

    @Test func ldapKeyUsesObjectGUID() throws {
        let guid: [UInt8] = Array(0..<16)
        let identity = try UpstreamIdentity.from(
            ldapUser: ldapUser(guid: guid, mail: "Mara.Quill@maple-isd.example.org"), provider: try ldapProvider())
        #expect(identity.linkKey == LinkKey(namespace: directoryURL, subject: Data(guid).base64EncodedString()))
        #expect(identity.subject == "CN=Mara Quill,OU=Staff,DC=maple-isd,DC=example,DC=org")
        #expect(identity.email == "Mara.Quill@maple-isd.example.org")
        #expect(identity.emailVerified)
        #expect(identity.usernameClaimValue == "MQuill")
    }

    @Test func ldapKeyFallsBackToDN() throws {
        let identity = try UpstreamIdentity.from(
            ldapUser: ldapUser(guid: nil, mail: nil), provider: try ldapProvider(usernameAttribute: "sAMAccountName"))
        #expect(identity.linkKey.subject == "CN=Mara Quill,OU=Staff,DC=maple-isd,DC=example,DC=org")
        #expect(identity.emailVerified == false)
        #expect(identity.usernameClaimValue == "mquill")
    }

    @Test func ldapLoginLinksByUsername() throws {
        let provider = try ldapProvider(usernameAttribute: "sAMAccountName")
        let identity = try UpstreamIdentity.from(ldapUser: ldapUser(guid: Array(0..<16), mail: nil), provider: provider)
        let directory = InMemoryRosterDirectory(
            district: "maple", users: [TestRosterUser(user: RosterUser(sourcedId: "u-1", username: "MQUILL"))])
        let store = InMemoryLinkStore()
        let decision = try AccountLinker(directory: directory, store: store).link(identity, provider: provider)
        #expect(linkedUser(decision)?.sourcedId == "u-1")
        #expect(store.all.first?.key.namespace == directoryURL)
    }
}
