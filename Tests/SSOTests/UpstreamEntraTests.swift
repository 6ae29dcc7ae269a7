import Foundation
import Testing

@testable import SSO

private let mapleTenant = "5e0c1f2a-7b3d-4c8e-9a61-3f2b7c9d0a11"
private let cedarTenant = "8d4a2e6b-1c9f-4e3a-b7d2-6a0e5f1c2b22"

/// Reads the issuer template from the case's discovery document, as the service reads it from discovery.
private func discoveredTemplate(_ folder: URL) throws -> String {
    let data = try Data(contentsOf: folder.appendingPathComponent("openid-configuration-organizations.json"))
    let object = try #require(try JSONDecoder().decode(JSONValue.self, from: data).objectValue)
    return try #require(object["issuer"]?.stringValue)
}

private func entraProvider(district: String, tenant: String, template: String = UpstreamProvider.entraIssuerTemplate)
    throws -> UpstreamProvider
{
    try UpstreamProvider(
        id: "\(district)-entra", district: district, kind: .entra(tenantID: tenant, issuerTemplate: template),
        linking: LinkingSettings(usernameClaim: "preferred_username"))
}

/// Claims of a valid member token of maple's tenant, for edits in single tests.
private func memberClaims() -> [String: JSONValue] {
    [
        "iss": .string("https://login.microsoftonline.com/\(mapleTenant)/v2.0"),
        "tid": .string(mapleTenant),
        "oid": .string("1A2B3C4D-0000-4000-8000-00000000B201"),
        "sub": .string("c3ViLWV4YW1wbGU"),
        "preferred_username": .string("Wren.Okonjo@maple-isd.example.org"),
    ]
}

@Suite struct UpstreamEntraTests {
    @Test(
        "Tenant checks of five login flows",
        .enabled(if: upstreamCaseFolder("B20") != nil, "the shared case folder B20 is absent"))
    func tenantFlows() throws {
        let folder = try #require(upstreamCaseFolder("B20"))
        let template = try discoveredTemplate(folder)
        #expect(template == "https://login.microsoftonline.com/{tenantid}/v2.0")
        let maple = try entraProvider(district: "maple", tenant: mapleTenant, template: template)
        let cedar = try entraProvider(district: "cedar", tenant: cedarTenant, template: template)

        // Maple's own member signs in as u-2001 through the username rule.
        let identity = try UpstreamIdentity.from(claims: try caseClaims(folder, "id_token_maple.json"), provider: maple)
        #expect(identity.tenant == mapleTenant)
        #expect(identity.linkKey == LinkKey(namespace: mapleTenant, subject: "1a2b3c4d-0000-4000-8000-00000000b201"))
        #expect(identity.isGuest == false)
        let directory = try InMemoryRosterDirectory(
            district: "maple", usersCSV: folder.appendingPathComponent("users.csv"))
        let store = InMemoryLinkStore()
        let decision = try AccountLinker(directory: directory, store: store).link(identity, provider: maple)
        #expect(linkedUser(decision)?.sourcedId == "u-2001")
        #expect(linkedUser(decision)?.isNew == true)

        // A valid maple token in cedar's flow.
        let wrongDistrict = upstreamError {
            _ = try UpstreamIdentity.from(claims: try caseClaims(folder, "id_token_maple.json"), provider: cedar)
        }
        #expect(wrongDistrict?.code == "sso.tenant_not_allowed")
        #expect(wrongDistrict?.message.contains("'cedar'") == true)
        #expect(wrongDistrict?.message.contains("'\(mapleTenant)'") == true)

        // A tenant that no district configured, although preferred_username names a maple address.
        let outsider = upstreamError {
            _ = try UpstreamIdentity.from(claims: try caseClaims(folder, "id_token_outsider.json"), provider: maple)
        }
        #expect(outsider?.code == "sso.tenant_not_allowed")
        #expect(outsider?.message.contains("'c3b9e7d1-4f2a-4d6c-8e5b-9a1f0d3c4e33'") == true)

        // The iss claim names maple's tenant and tid another one.
        let mismatch = upstreamError {
            _ = try UpstreamIdentity.from(
                claims: try caseClaims(folder, "id_token_iss_tid_mismatch.json"), provider: maple)
        }
        #expect(mismatch?.code == "sso.invalid_issuer")
        #expect(
            mismatch?.message
                == "District 'maple': claim 'iss' is 'https://login.microsoftonline.com/\(mapleTenant)/v2.0'; "
                + "expected 'https://login.microsoftonline.com/c3b9e7d1-4f2a-4d6c-8e5b-9a1f0d3c4e33/v2.0'. "
                + "The issuer and 'tid' must name the same tenant")

        // A v1.0 issuer where v2.0 is configured.
        let v1 = upstreamError {
            _ = try UpstreamIdentity.from(claims: try caseClaims(folder, "id_token_v1_issuer.json"), provider: maple)
        }
        #expect(v1?.code == "sso.invalid_issuer")
        #expect(v1?.message.contains("v1.0 token") == true)
        #expect(store.all.count == 1)
    }

    @Test func placeholderIssuerRejected() throws {
        let maple = try entraProvider(district: "maple", tenant: mapleTenant)
        var claims = memberClaims()
        claims["iss"] = .string(UpstreamProvider.entraIssuerTemplate)
        let literal = upstreamError { _ = try UpstreamIdentity.from(claims: claims, provider: maple) }
        #expect(literal?.code == "sso.invalid_issuer")
        #expect(literal?.message.contains("never accepted") == true)

        // A tid of "{tenantid}" would turn the template into itself, so it is not a valid tenant ID.
        claims["tid"] = .string("{tenantid}")
        let placeholderTenant = upstreamError { _ = try UpstreamIdentity.from(claims: claims, provider: maple) }
        #expect(placeholderTenant?.code == "sso.tenant_not_allowed")
    }

    @Test func placeholderTenantConfigRejected() {
        let error = upstreamError { _ = try entraProvider(district: "maple", tenant: "{tenantid}") }
        #expect(error?.code == "sso.invalid_config")
        #expect(error?.message.contains("'tenantID' is '{tenantid}'") == true)
        let noPlaceholder = upstreamError {
            _ = try entraProvider(
                district: "maple", tenant: mapleTenant, template: "https://login.microsoftonline.com/common/v2.0")
        }
        #expect(noPlaceholder?.code == "sso.invalid_config")
    }

    @Test func tenantComparisonIgnoresCase() throws {
        let maple = try entraProvider(district: "maple", tenant: mapleTenant.uppercased())
        let identity = try UpstreamIdentity.from(claims: memberClaims(), provider: maple)
        #expect(identity.tenant == mapleTenant)
        #expect(identity.usernameClaimValue == "Wren.Okonjo@maple-isd.example.org")
    }

    @Test func missingObjectIDRejected() throws {
        let maple = try entraProvider(district: "maple", tenant: mapleTenant)
        var claims = memberClaims()
        claims["oid"] = nil
        let error = upstreamError { _ = try UpstreamIdentity.from(claims: claims, provider: maple) }
        #expect(error?.code == "sso.missing_claim")
        #expect(
            error?.message
                == "District 'maple': claim 'oid' is missing or not a non-empty string; the Microsoft Entra ID "
                + "provider requires it")
    }

    @Test func missingTenantRejected() throws {
        let maple = try entraProvider(district: "maple", tenant: mapleTenant)
        var claims = memberClaims()
        claims["tid"] = .number(5)
        let error = upstreamError { _ = try UpstreamIdentity.from(claims: claims, provider: maple) }
        #expect(error?.code == "sso.missing_claim")
        #expect(error?.message.contains("'tid'") == true)
    }

    @Test func guestMarkedByAccountClaim() throws {
        let maple = try entraProvider(district: "maple", tenant: mapleTenant)
        var claims = memberClaims()
        claims["acct"] = .number(1)
        #expect(try UpstreamIdentity.from(claims: claims, provider: maple).isGuest)
        claims["acct"] = .number(0)
        #expect(try UpstreamIdentity.from(claims: claims, provider: maple).isGuest == false)
    }

    @Test func guestMarkedByHomeIssuer() throws {
        let maple = try entraProvider(district: "maple", tenant: mapleTenant)
        var claims = memberClaims()
        claims["idp"] = .string("https://sts.windows.net/e7f6a5b4-3c2d-4e1f-8a9b-0c1d2e3f4a55/")
        let identity = try UpstreamIdentity.from(claims: claims, provider: maple)
        #expect(identity.isGuest)
        #expect(identity.homeIssuer == "https://sts.windows.net/e7f6a5b4-3c2d-4e1f-8a9b-0c1d2e3f4a55/")
    }

    @Test func entraEmailNeverVerified() throws {
        let maple = try entraProvider(district: "maple", tenant: mapleTenant)
        var claims = memberClaims()
        claims["email"] = .string("wren.okonjo@maple-isd.example.org")
        claims["email_verified"] = .bool(true)
        let identity = try UpstreamIdentity.from(claims: claims, provider: maple)
        #expect(identity.email == "wren.okonjo@maple-isd.example.org")
        #expect(identity.emailVerified == false)
    }
}
