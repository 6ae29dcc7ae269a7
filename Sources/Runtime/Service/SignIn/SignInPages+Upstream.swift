import Foundation
import HTTP
import LDAP
import SSO

/// Sign-in at an upstream OpenID provider: the redirect there and the return from it.
extension SignInPages {
    /// Sends the browser to the provider with a fresh state, nonce and PKCE verifier.
    func startRedirect(_ request: HTTPRequest, district id: String, provider providerID: String) -> HTTPResponse {
        guard let district = district(id) else { return unknownDistrict(id) }
        guard let provider = district.provider(providerID), case .redirect(let method) = provider.method else {
            return SignInLayout.problem(
                title: "Unknown sign-in method",
                message: "The district '\(district.name)' has no sign-in method '\(providerID)'.",
                code: "sso.unknown_provider", status: 404, retry: "/signin/\(Self.encode(id))")
        }
        let returnTo = safeReturn(request.queryValue("return"))
        let state: String
        let nonce: String
        let verifier: String
        let binding: (value: String, cookie: String?)
        do {
            state = try SecureToken.make()
            nonce = try SecureToken.make()
            verifier = try SecureToken.make()
            binding = try browserBinding(of: request)
        } catch {
            return SignInLayout.problem(
                title: "Sign-in failed", message: "The sign-in could not start. Try again in a moment.",
                code: "sso.session_failed", status: 500)
        }
        let url: String
        do {
            url = try method.authorizationURL(
                redirectURI: callbackURL, state: state, nonce: nonce, codeVerifier: verifier, loginHint: nil)
        } catch {
            logger.warning(
                "identity provider not reachable", ["district": id, "provider": providerID, "error": "\(error)"])
            return SignInLayout.problem(
                title: "Your district's sign-in is not available",
                message: "The sign-in service of \(district.name) did not respond. Try again in a few minutes; if it "
                    + "keeps failing, tell your school's help desk.",
                code: Self.code(of: error, fallback: "sso.upstream_unavailable"), status: 502,
                retry: "/signin/\(Self.encode(id))?return=\(Self.encode(returnTo))")
        }
        sessions.begin(
            PendingSignIn(
                district: id, providerID: providerID, nonce: nonce, codeVerifier: verifier, returnTo: returnTo,
                browser: binding.value, expiresAt: Date().addingTimeInterval(SignInSessions.pendingLifetime)),
            state: state)
        return SignInLayout.redirect(to: url, cookies: binding.cookie.map { [$0] } ?? [])
    }

    /// Finishes a sign-in when the provider sends the browser back with a code or an error.
    func callback(_ request: HTTPRequest) -> HTTPResponse {
        guard let state = request.queryValue("state"), !state.isEmpty, state.utf8.count <= 64,
            let pending = sessions.finish(state: state)
        else {
            return SignInLayout.problem(
                title: "This sign-in has expired",
                message: "The sign-in took too long or was already finished. Start again from your app or from the "
                    + "list of districts.",
                code: "sso.unknown_state", status: 400, retry: "/signin")
        }
        let retry = "/signin/\(Self.encode(pending.district))?return=\(Self.encode(pending.returnTo))"
        guard let browser = request.cookie(Self.browserCookie), SecureToken.matches(browser, pending.browser) else {
            logger.warning("sign-in return from another browser", ["district": pending.district])
            return SignInLayout.problem(
                title: "Sign-in started elsewhere",
                message: "This sign-in was started in another browser or window, or cookies are blocked. Start again "
                    + "here, and allow cookies for this site.",
                code: "sso.browser_mismatch", status: 400, retry: retry)
        }
        guard let district = district(pending.district), let provider = district.provider(pending.providerID),
            case .redirect(let method) = provider.method
        else {
            return SignInLayout.problem(
                title: "Sign-in is no longer set up",
                message: "The sign-in method changed while you were signing in. Start again.",
                code: "sso.unknown_provider", status: 400, retry: "/signin")
        }
        if let error = request.queryValue("error") {
            let description = request.queryValue("error_description") ?? ""
            logger.info(
                "identity provider rejected a sign-in",
                ["district": district.id, "provider": provider.id, "error": error, "description": description])
            let message =
                error == "access_denied"
                ? "Sign-in was cancelled or refused at \(district.name)'s sign-in service."
                : "\(district.name)'s sign-in service reported '\(error)'"
                    + (description.isEmpty ? "." : ": \(description.prefix(300))")
            return SignInLayout.problem(
                title: "Sign-in did not finish", message: message, code: "sso.upstream_error", status: 400,
                retry: retry)
        }
        guard let code = request.queryValue("code"), !code.isEmpty, code.utf8.count <= 4096 else {
            return SignInLayout.problem(
                title: "Sign-in did not finish",
                message: "The sign-in service sent the browser back without a code. Start again.",
                code: "sso.missing_code", status: 400, retry: retry)
        }
        let identity: UpstreamIdentity
        do {
            identity = try method.finish(
                code: code, redirectURI: callbackURL, nonce: pending.nonce, codeVerifier: pending.codeVerifier)
        } catch {
            logger.warning(
                "upstream sign-in rejected", ["district": district.id, "provider": provider.id, "error": "\(error)"])
            return SignInLayout.problem(
                title: "We could not sign you in", message: Self.personMessage(for: error, district: district),
                code: Self.code(of: error, fallback: "sso.upstream_failed"), status: 403, retry: retry)
        }
        return link(identity, district: district, provider: provider, returnTo: pending.returnTo, after: false)
    }

    /// Links a checked login to its roster user and starts the session, or explains why it cannot.
    func link(
        _ identity: UpstreamIdentity, district: SignInDistrict, provider: SignInProvider, returnTo: String,
        after form: Bool
    ) -> HTTPResponse {
        let decision: LinkDecision
        do {
            decision = try linker.link(identity, provider: provider.upstream)
        } catch {
            logger.error(
                "account link failed", ["district": district.id, "provider": provider.id, "error": "\(error)"])
            return SignInLayout.problem(
                title: "Sign-in failed", message: "Your account could not be looked up. Try again in a moment.",
                code: "sso.link_failed", status: 500, retry: "/signin/\(Self.encode(district.id))")
        }
        switch decision {
        case .linked(let user, let isNew):
            do {
                try links.recordUse(district: district.id, key: identity.linkKey)
            } catch {
                // The time of last use is for admins only; a sync holding the write lock must not stop a sign-in.
                logger.warning("link use not recorded", ["district": district.id, "error": "\(error)"])
            }
            if isNew {
                logger.info(
                    "account linked",
                    [
                        "district": district.id, "provider": provider.id, "user": user.sourcedId,
                        "key": "\(identity.linkKey)",
                    ])
            }
            return complete(district: district.id, user: user, provider: provider, returnTo: returnTo, after: form)
        case .rejected(let error):
            logger.warning(
                "sign-in not linked",
                ["district": district.id, "provider": provider.id, "code": error.code, "reason": error.description])
            return SignInLayout.problem(
                title: "We could not sign you in", message: Self.personMessage(for: error, district: district),
                code: error.code, status: 403, retry: "/signin/\(Self.encode(district.id))",
                retryLabel: "Sign in with another account")
        }
    }

    /// Returns the message shown to a person for a rejected sign-in. The full reason, which names claims and settings,
    /// goes to the log for the district's administrators.
    static func personMessage(for error: any Error, district: SignInDistrict) -> String {
        let code = code(of: error, fallback: "")
        switch code {
        case "sso.no_linked_user":
            return "You signed in, but there is no linked roster user for your account in \(district.name). Ask your "
                + "school's help desk to check that you are on the roster with this account."
        case "sso.ambiguous_user":
            return "Your account matches more than one person on the roster of \(district.name), so it was not "
                + "signed in. Ask your school's help desk to link your account."
        case "sso.guest_not_linked":
            return "Guest accounts from other organizations cannot sign in to \(district.name) until the district "
                + "links them. Ask your school's help desk."
        case "sso.domain_not_allowed", "sso.not_workspace_account", "sso.tenant_not_allowed":
            return "This account does not belong to \(district.name). Sign out of it at your provider and sign in "
                + "with your school account."
        case "sso.user_already_linked":
            return "Your roster user is already linked to another account of this sign-in method. Ask your school's "
                + "help desk."
        default:
            return "The sign-in could not be checked. Try again; if it keeps failing, tell your school's help desk "
                + "the code below."
        }
    }

    /// Returns an error's short stable code when it has one.
    static func code(of error: any Error, fallback: String) -> String {
        if let error = error as? UpstreamError { return error.code }
        if let error = error as? LDAPError { return error.shortCode }
        return fallback
    }
}
