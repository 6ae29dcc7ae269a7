/// Identity checks for Google Workspace id_tokens.
extension UpstreamIdentity {
    /// The legacy issuer form that Google documents next to `https://accounts.google.com`.
    static let legacyGoogleIssuer = "accounts.google.com"

    /// Accepts a Google id_token only from a Workspace domain on the district's allow-list.
    ///
    /// The `hd` claim is the only proof that a Workspace manages the account. A token without it is a personal
    /// account, even when its e-mail address is in a district domain, so the e-mail domain is never used instead.
    static func googleIdentity(_ reader: ClaimReader, provider: UpstreamProvider, allowedDomains: [String])
        throws(UpstreamError) -> UpstreamIdentity
    {
        let iss = reader.string("iss")
        guard iss == UpstreamProvider.googleIssuer || iss == legacyGoogleIssuer else {
            throw .invalidIssuer(
                district: provider.district, found: iss, expected: UpstreamProvider.googleIssuer,
                hint: "The Google preset accepts only tokens that Google issued")
        }
        let subject = try reader.required("sub", provider: "Google")
        let email = reader.string("email")
        guard let hostedDomain = reader.string("hd") else {
            throw .notWorkspaceAccount(district: provider.district, email: email)
        }
        // Whole-domain comparison, ignoring ASCII case: no suffix, prefix or parent-domain match.
        let lowered = hostedDomain.lowercased()
        guard allowedDomains.contains(where: { $0.lowercased() == lowered }) else {
            throw .domainNotAllowed(district: provider.district, found: hostedDomain, allowed: allowedDomains)
        }
        return UpstreamIdentity(
            providerKind: .google, providerID: provider.id, issuer: UpstreamProvider.googleIssuer, subject: subject,
            linkKey: LinkKey(namespace: UpstreamProvider.googleIssuer, subject: subject), email: email,
            emailVerified: reader.isTrue("email_verified"), preferredUsername: nil,
            usernameClaimValue: provider.linking.usernameClaim.flatMap { reader.string($0) },
            hostedDomain: hostedDomain, tenant: nil, isGuest: false, homeIssuer: nil)
    }
}
