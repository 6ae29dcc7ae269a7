import Foundation
import Testing

@testable import SSO

private func googleProvider(domains: [String] = ["maple-isd.example.org", "students.maple-isd.example.org"])
    throws -> UpstreamProvider
{
    try UpstreamProvider(
        id: "maple-google", district: "maple", kind: .google(allowedHostedDomains: domains),
        linking: LinkingSettings(trustEmail: true))
}

private func googleClaims(hostedDomain: String?) -> [String: JSONValue] {
    var claims: [String: JSONValue] = [
        "iss": .string("https://accounts.google.com"),
        "sub": .string("104400000000000000009"),
        "email": .string("mara.quill@maple-isd.example.org"),
        "email_verified": .bool(true),
    ]
    if let hostedDomain { claims["hd"] = .string(hostedDomain) }
    return claims
}

@Suite struct UpstreamGoogleTests {
    @Test(
        "Hosted domain checks of five tokens",
        .enabled(if: upstreamCaseFolder("B23") != nil, "the shared case folder B23 is absent"))
    func hostedDomainTokens() throws {
        let folder = try #require(upstreamCaseFolder("B23"))
        let provider = try googleProvider()
        let directory = try InMemoryRosterDirectory(
            district: "maple", usersCSV: folder.appendingPathComponent("users.csv"))
        let store = InMemoryLinkStore()
        let linker = AccountLinker(directory: directory, store: store)

        let staff = try UpstreamIdentity.from(claims: caseClaims(folder, "id_token_1_staff.json"), provider: provider)
        #expect(staff.hostedDomain == "maple-isd.example.org")
        #expect(staff.linkKey == LinkKey(namespace: "https://accounts.google.com", subject: "104400000000000000001"))
        let staffDecision = try linker.link(staff, provider: provider)
        #expect(linkedUser(staffDecision)?.sourcedId == "u-2301")
        #expect(linkedUser(staffDecision)?.isNew == true)

        let student = try UpstreamIdentity.from(
            claims: caseClaims(folder, "id_token_2_student_secondary_domain.json"), provider: provider)
        #expect(student.hostedDomain == "students.maple-isd.example.org")
        #expect(linkedUser(try linker.link(student, provider: provider))?.sourcedId == "u-2302")

        let consumer = upstreamError {
            _ = try UpstreamIdentity.from(
                claims: caseClaims(folder, "id_token_3_consumer_account.json"), provider: provider)
        }
        #expect(consumer?.code == "sso.not_workspace_account")
        #expect(
            consumer?.message
                == "District 'maple': the Google account 'mara.quill@maple-isd.example.org' has no 'hd' claim, so it "
                + "is a personal account that the district's Workspace does not manage. Sign in with the district's "
                + "Workspace account")

        let lookalike = upstreamError {
            _ = try UpstreamIdentity.from(
                claims: caseClaims(folder, "id_token_4_lookalike_domain.json"), provider: provider)
        }
        #expect(lookalike?.code == "sso.domain_not_allowed")
        #expect(lookalike?.message.contains("'students.maple-isd.example.org.lab.example.net'") == true)

        let parent = upstreamError {
            _ = try UpstreamIdentity.from(
                claims: caseClaims(folder, "id_token_5_parent_domain.json"), provider: provider)
        }
        #expect(parent?.code == "sso.domain_not_allowed")
        #expect(parent?.message.contains("'hd' is 'example.org'") == true)

        // Only the two accepted tokens created links.
        #expect(store.all.map(\.userSourcedId) == ["u-2301", "u-2302"])
    }

    @Test func hostedDomainIgnoresCase() throws {
        let provider = try googleProvider(domains: ["Maple-ISD.example.org"])
        let identity = try UpstreamIdentity.from(
            claims: googleClaims(hostedDomain: "maple-isd.EXAMPLE.org"), provider: provider)
        #expect(identity.hostedDomain == "maple-isd.EXAMPLE.org")
        #expect(identity.emailVerified)
    }

    @Test func subdomainOfAllowedDomainRejected() throws {
        let provider = try googleProvider(domains: ["maple-isd.example.org"])
        let error = upstreamError {
            _ = try UpstreamIdentity.from(
                claims: googleClaims(hostedDomain: "students.maple-isd.example.org"), provider: provider)
        }
        #expect(error?.code == "sso.domain_not_allowed")
    }

    @Test func legacyIssuerAccepted() throws {
        var claims = googleClaims(hostedDomain: "maple-isd.example.org")
        claims["iss"] = .string("accounts.google.com")
        let identity = try UpstreamIdentity.from(claims: claims, provider: try googleProvider())
        #expect(identity.linkKey.namespace == "https://accounts.google.com")
    }

    @Test func otherIssuerRejected() throws {
        var claims = googleClaims(hostedDomain: "maple-isd.example.org")
        claims["iss"] = .string("https://accounts.google.com.example.net")
        let error = upstreamError { _ = try UpstreamIdentity.from(claims: claims, provider: try googleProvider()) }
        #expect(error?.code == "sso.invalid_issuer")
        #expect(error?.message.contains("expected 'https://accounts.google.com'") == true)
    }

    @Test func missingSubjectRejected() throws {
        var claims = googleClaims(hostedDomain: "maple-isd.example.org")
        claims["sub"] = .string("")
        let error = upstreamError { _ = try UpstreamIdentity.from(claims: claims, provider: try googleProvider()) }
        #expect(error?.code == "sso.missing_claim")
        #expect(error?.message.contains("'sub'") == true)
    }

    @Test func emailVerifiedAsString() throws {
        var claims = googleClaims(hostedDomain: "maple-isd.example.org")
        claims["email_verified"] = .string("true")
        #expect(try UpstreamIdentity.from(claims: claims, provider: try googleProvider()).emailVerified)
        claims["email_verified"] = .string("false")
        #expect(try UpstreamIdentity.from(claims: claims, provider: try googleProvider()).emailVerified == false)
        claims["email_verified"] = nil
        #expect(try UpstreamIdentity.from(claims: claims, provider: try googleProvider()).emailVerified == false)
    }
}
