import Foundation
import HTTP
import SSO

/// The portal, which lists the apps a signed-in person has and starts them, and sign-out.
extension SignInPages {
    /// One app the portal offers: its name and the URL that starts its sign-in.
    struct PortalEntry {
        var name: String
        var launchURL: String
    }

    /// Lists the apps whose view has the signed-in person, each with a launch link.
    func portal(_ request: HTTPRequest) -> HTTPResponse {
        guard let session = session(of: request) else {
            return SignInLayout.redirect(to: "/signin?return=" + Self.encode("/portal"))
        }
        var name: String?
        var entries: [PortalEntry] = []
        for app in apps where app.districts.contains(session.district) {
            let launchable = app.ssoClients.compactMap(\.launchURL)
            guard let launch = launchable.first,
                let claims = claims.claims(app: app.id, district: session.district, sourcedId: session.sourcedId)
            else { continue }
            if name == nil, case .string(let full)? = claims["name"] { name = full }
            entries.append(PortalEntry(name: app.name, launchURL: launchURL(launch, subject: session.sourcedId)))
        }
        let districtName = district(session.district)?.name ?? session.district
        var items = ""
        for entry in entries.sorted(by: { $0.name < $1.name }) {
            items +=
                "<li><a class=\"button secondary\" href=\"\(HTMLText.escape(entry.launchURL))\">"
                + "\(HTMLText.escape(entry.name))</a></li>\n"
        }
        let list =
            entries.isEmpty
            ? "<p class=\"muted\">No apps are shared with you yet.</p>\n"
            : "<ul class=\"choices\">\n\(items)</ul>\n"
        let content = """
            <div class="bar">
            <h1>Your apps</h1>
            <form method="post" action="/signout">
            <input type="hidden" name="csrf" value="\(HTMLText.escape(session.csrfToken))">
            <button type="submit">Sign out</button>
            </form>
            </div>
            <p class="muted">Signed in as \(HTMLText.escape(name ?? session.sourcedId)), \(HTMLText.escape(districtName)).</p>
            \(list)
            """
        return SignInLayout.response(title: "Your apps", content: content)
    }

    /// Returns the app's launch URL with the parameters of a third-party initiated login (OpenID Connect Core,
    /// section 4): the issuer to sign in with and a hint of who is signing in.
    func launchURL(_ base: String, subject: String) -> String {
        let separator = base.contains("?") ? "&" : "?"
        return base + separator + "iss=" + Self.encode(issuer) + "&login_hint=" + Self.encode(subject)
    }

    /// Ends the session after checking the form's CSRF token and origin.
    func signOut(_ request: HTTPRequest) -> HTTPResponse {
        var check = OriginCheck(expected: OriginCheck.origin(of: issuer))
        check.pages = "the sign-in pages"
        if let problem = check.problem(with: request) {
            return SignInLayout.problem(title: "Sign-out refused", message: problem, code: "sso.origin", status: 403)
        }
        if let session = session(of: request) {
            let form = FormFields(body: request.body)
            guard let sent = form["csrf"], SecureToken.matches(sent, session.csrfToken) else {
                return SignInLayout.problem(
                    title: "Sign-out refused",
                    message: "The sign-out form was out of date, so you are still signed in. Open the portal again and "
                        + "sign out there.",
                    code: "sso.csrf", status: 403, retry: "/portal")
            }
            sessions.remove(session.id)
            logger.info("person signed out", ["district": session.district, "user": session.sourcedId])
        }
        return SignInLayout.response(
            title: "Signed out",
            content: """
                <h1>You are signed out</h1>
                <p class="muted">Apps you opened may keep you signed in until you sign out of them too.</p>
                <p><a class="button secondary" href="/signin">Sign in again</a></p>
                """, status: 200, cookies: [sessionCookie(value: "", maxAge: 0)])
    }
}
