import HTTP
import LDAP
import SSO

/// Sign-in with a username and password checked against the district's LDAP directory or Active Directory.
extension SignInPages {
    /// The LDAP results that mean the person typed a wrong username or password. They all get one message, so
    /// that the form does not tell which usernames exist.
    static let credentialCodes: Set<String> = [
        "ldap.invalid_credentials", "ldap.no_account", "ldap.empty_password", "ldap.invalid_username",
    ]

    /// Checks the form's username and password with the directory, then links and signs the person in.
    func directorySignIn(_ request: HTTPRequest, district id: String, provider providerID: String) -> HTTPResponse {
        guard let district = district(id) else { return unknownDistrict(id) }
        guard let provider = district.provider(providerID), case .directory(let directory) = provider.method else {
            return SignInLayout.problem(
                title: "Unknown sign-in method",
                message: "The district '\(district.name)' has no sign-in form '\(providerID)'.",
                code: "sso.unknown_provider", status: 404, retry: "/signin/\(Self.encode(id))")
        }
        var check = OriginCheck(expected: OriginCheck.origin(of: issuer))
        check.pages = "the sign-in pages"
        if let problem = check.problem(with: request) {
            logger.warning("sign-in form rejected", ["reason": "origin", "district": id])
            return SignInLayout.problem(
                title: "Sign-in refused", message: problem, code: "sso.origin", status: 403,
                retry: "/signin/\(Self.encode(id))")
        }
        let form = FormFields(body: request.body)
        let returnTo = safeReturn(form["return"])
        guard let binding = request.cookie(Self.browserCookie), let sent = form["csrf"],
            SecureToken.matches(binding, sent)
        else {
            logger.warning("sign-in form rejected", ["reason": "csrf", "district": id])
            return SignInLayout.problem(
                title: "Sign-in refused",
                message: "The sign-in form was out of date or came from another site, so it was not sent on. Open the "
                    + "sign-in page again and sign in there; allow cookies for this site.",
                code: "sso.csrf", status: 403, retry: "/signin/\(Self.encode(id))?return=\(Self.encode(returnTo))")
        }
        let username = (form["username"] ?? "").trimmingCharacters(in: .whitespaces)
        let password = form["password"] ?? ""
        func again(_ notice: String, status: Int) -> HTTPResponse {
            SignInLayout.response(
                title: "Sign in",
                content: providerChoices(
                    district, returnTo: returnTo, csrf: binding,
                    username: username.utf8.count <= Self.maxCredentialBytes ? username : "", notice: notice),
                status: status)
        }
        guard !username.isEmpty, !password.isEmpty else {
            return again("Enter both your username and your password.", status: 400)
        }
        guard username.utf8.count <= Self.maxCredentialBytes, password.utf8.count <= Self.maxCredentialBytes else {
            return again("The username or password is longer than \(Self.maxCredentialBytes) bytes.", status: 400)
        }
        let throttleKey = "\(id)/\(providerID)/\(username.lowercased())"
        if let seconds = throttle.lockedSeconds(for: throttleKey) {
            let minutes = Int((seconds / 60).rounded(.up))
            logger.warning("sign-in locked", ["district": id, "provider": providerID])
            return again(
                "Too many failed sign-ins for '\(username)'. Wait \(minutes) minute\(minutes == 1 ? "" : "s") and "
                    + "try again.", status: 429)
        }

        let user: LDAPUser
        do {
            user = try directory.authenticate(username: username, password: password)
        } catch {
            if Self.credentialCodes.contains(error.shortCode) {
                throttle.recordFailure(for: throttleKey)
                logger.info(
                    "directory sign-in failed", ["district": id, "provider": providerID, "code": error.shortCode])
                return again("The username or password is wrong.", status: 401)
            }
            logger.warning(
                "directory not available", ["district": id, "provider": providerID, "error": error.description])
            return SignInLayout.problem(
                title: "Your district's sign-in is not available",
                message: "The directory of \(district.name) did not respond as expected. Try again in a few minutes; "
                    + "if it keeps failing, tell your school's help desk.",
                code: error.shortCode, status: 502,
                retry: "/signin/\(Self.encode(id))?return=\(Self.encode(returnTo))")
        }
        throttle.recordSuccess(for: throttleKey)
        let identity: UpstreamIdentity
        do {
            identity = try UpstreamIdentity.from(ldapUser: user, provider: provider.upstream)
        } catch {
            logger.error("directory identity rejected", ["district": id, "provider": providerID, "error": "\(error)"])
            return SignInLayout.problem(
                title: "We could not sign you in", message: Self.personMessage(for: error, district: district),
                code: error.code, status: 403)
        }
        return link(identity, district: district, provider: provider, returnTo: returnTo, after: true)
    }
}
