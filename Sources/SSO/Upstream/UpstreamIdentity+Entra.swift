/// Identity checks for Microsoft Entra ID v2.0 id_tokens.
extension UpstreamIdentity {
    /// Accepts an Entra id_token only from the district's tenant, with an issuer that agrees with its `tid`.
    ///
    /// The issuer is the template with `{tenantid}` replaced by the token's `tid`, and `iss` must equal that
    /// string exactly. An `iss` that still contains the placeholder is rejected before any comparison. The link key
    /// is (`tid`, `oid`) because `oid` identifies the account across apps, while `sub` differs per app.
    static func entraIdentity(_ reader: ClaimReader, provider: UpstreamProvider, tenantID: String, template: String)
        throws(UpstreamError) -> UpstreamIdentity
    {
        let district = provider.district
        let tid = try reader.required("tid", provider: "Microsoft Entra ID")
        let iss = reader.string("iss")
        guard UpstreamProvider.isTenantID(tid) else {
            throw .tenantNotAllowed(district: district, found: tid, configured: tenantID)
        }
        let expected = template.replacingOccurrences(of: UpstreamProvider.tenantPlaceholder, with: tid)
        guard let iss, !iss.contains(UpstreamProvider.tenantPlaceholder), iss == expected else {
            throw .invalidIssuer(district: district, found: iss, expected: expected, hint: issuerHint(iss))
        }
        guard tid.lowercased() == tenantID.lowercased() else {
            throw .tenantNotAllowed(district: district, found: tid, configured: tenantID)
        }

        let objectID = try reader.required("oid", provider: "Microsoft Entra ID")
        let subject = try reader.required("sub", provider: "Microsoft Entra ID")
        let homeIssuer = reader.string("idp")
        // A guest (B2B) account carries `acct` = 1, or an `idp` naming its home issuer.
        let isGuest = reader.claims["acct"]?.numberValue == 1 || (homeIssuer != nil && homeIssuer != iss)
        return UpstreamIdentity(
            providerKind: .entra, providerID: provider.id, issuer: iss, subject: subject,
            linkKey: LinkKey(namespace: tid.lowercased(), subject: objectID.lowercased()),
            email: reader.string("email"), emailVerified: false,
            preferredUsername: reader.string("preferred_username"),
            usernameClaimValue: provider.linking.usernameClaim.flatMap { reader.string($0) }, hostedDomain: nil,
            tenant: tid, isGuest: isGuest, homeIssuer: isGuest ? homeIssuer : nil)
    }

    private static func issuerHint(_ iss: String?) -> String {
        guard let iss else { return "The token has no issuer, so it is not an Entra ID id_token" }
        if iss.contains(UpstreamProvider.tenantPlaceholder) {
            return "The placeholder '{tenantid}' is never accepted as an issuer"
        }
        if iss.hasPrefix("https://sts.windows.net/") {
            return "This is a v1.0 token, but the district is set up for v2.0 tokens; sign-in must use the v2.0 "
                + "authorize endpoint"
        }
        return "The issuer and 'tid' must name the same tenant"
    }
}
