import LDAP

/// Reading id_token claims into an identity. The token's signature, audience and times must be checked first, by
/// `IDTokenValidator`.
extension UpstreamIdentity {
    /// Checks validated id_token claims against the district's provider and returns the identity they describe.
    ///
    /// Throws `sso.invalid_issuer`, `sso.tenant_not_allowed`, `sso.domain_not_allowed`,
    /// `sso.not_workspace_account` or `sso.missing_claim`, and `sso.invalid_config` when `provider` is an LDAP one.
    /// Guests are returned with `isGuest` set, and `AccountLinker` rejects them unless a link is stored.
    public static func from(claims: [String: JSONValue], provider: UpstreamProvider) throws(UpstreamError)
        -> UpstreamIdentity
    {
        let reader = ClaimReader(claims: claims, district: provider.district)
        switch provider.kind {
        case .oidc(let issuer):
            return try genericIdentity(reader, provider: provider, kind: .oidc, issuer: issuer, label: "OpenID Connect")
        case .adfs(let issuer):
            return try genericIdentity(reader, provider: provider, kind: .adfs, issuer: issuer, label: "ADFS")
        case .google(let domains):
            return try googleIdentity(reader, provider: provider, allowedDomains: domains)
        case .entra(let tenantID, let template):
            return try entraIdentity(reader, provider: provider, tenantID: tenantID, template: template)
        case .ldap:
            throw .invalidConfig(
                district: provider.district, field: "kind", value: "ldap",
                expected: "an OpenID Connect provider for id_token claims; LDAP logins use from(ldapUser:provider:)")
        }
    }

    private static func genericIdentity(
        _ reader: ClaimReader, provider: UpstreamProvider, kind: ProviderKind, issuer: String, label: String
    ) throws(UpstreamError) -> UpstreamIdentity {
        let iss = reader.string("iss")
        guard iss == issuer else {
            throw .invalidIssuer(
                district: provider.district, found: iss, expected: issuer,
                hint: "Check the issuer in the district's \(label) settings against the provider's discovery document")
        }
        let subject = try reader.required("sub", provider: label)
        return UpstreamIdentity(
            providerKind: kind, providerID: provider.id, issuer: issuer, subject: subject,
            linkKey: LinkKey(namespace: issuer, subject: subject), email: reader.string("email"),
            emailVerified: reader.isTrue("email_verified"), preferredUsername: reader.string("preferred_username"),
            usernameClaimValue: provider.linking.usernameClaim.flatMap { reader.string($0) }, hostedDomain: nil,
            tenant: nil, isGuest: false, homeIssuer: nil)
    }
}

/// Typed access to claims, treating a claim of the wrong type like a missing one.
struct ClaimReader {
    let claims: [String: JSONValue]
    let district: String

    /// Returns the claim as a non-empty string, or nil.
    func string(_ name: String) -> String? {
        guard let value = claims[name]?.stringValue, !value.isEmpty else { return nil }
        return value
    }

    /// Returns the claim as a non-empty string, or throws `sso.missing_claim`.
    func required(_ name: String, provider: String) throws(UpstreamError) -> String {
        guard let value = string(name) else {
            throw .missingClaim(district: district, claim: name, provider: provider)
        }
        return value
    }

    /// Checks whether the claim is JSON `true` or the string `"true"`, which some providers send for booleans.
    func isTrue(_ name: String) -> Bool {
        switch claims[name] {
        case .bool(let value): value
        case .string(let value): value.lowercased() == "true"
        default: false
        }
    }
}
