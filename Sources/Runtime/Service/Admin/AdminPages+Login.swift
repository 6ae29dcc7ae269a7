import Foundation
import HTTP

/// Sign-in and sign-out.
extension AdminPages {
    /// The maximum length in bytes of a name or password that the sign-in form accepts.
    static let maxCredentialBytes = 1024

    func loginPage(_ request: HTTPRequest) -> HTTPResponse {
        if session(of: request) != nil { return AdminResponse.redirect(to: "/admin", status: 302) }
        return loginForm(name: "", notice: nil, status: 200)
    }

    func login(_ request: HTTPRequest) -> HTTPResponse {
        // A sign-in needs no CSRF token because it has no session yet. A post from another site is still rejected,
        // so that a foreign page cannot sign a browser in under an account of its choosing.
        if let problem = OriginCheck(expected: origin).problem(with: request) {
            control.logger.warning("admin form rejected", ["reason": "origin", "path": request.path])
            return forbidden(problem, session: nil)
        }
        let form = FormFields(body: request.body)
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
        let password = form["password"] ?? ""
        guard !name.isEmpty, !password.isEmpty else {
            return loginForm(name: name, notice: "Enter both your admin name and your password.", status: 400)
        }
        guard name.utf8.count <= Self.maxCredentialBytes, password.utf8.count <= Self.maxCredentialBytes else {
            return loginForm(
                name: "", notice: "The name or password is longer than \(Self.maxCredentialBytes) bytes.", status: 400)
        }
        if let seconds = throttle.lockedSeconds(for: name) {
            control.logger.warning("admin sign-in locked", ["admin": name])
            let minutes = Int((seconds / 60).rounded(.up))
            return loginForm(
                name: name,
                notice: "Too many failed sign-ins for '\(name)'. Wait \(minutes) minute\(minutes == 1 ? "" : "s") "
                    + "and try again.", status: 429)
        }
        guard control.verifyAdmin(name: name, password: password) else {
            throttle.recordFailure(for: name)
            control.logger.warning("admin sign-in failed", ["admin": name])
            return loginForm(name: name, notice: "The name or password is wrong.", status: 401)
        }
        throttle.recordSuccess(for: name)

        let session: AdminSession
        do {
            session = try sessions.create(name: name)
        } catch {
            control.logger.error("admin session not created", ["error": error.description])
            return errorPage("Sign-in failed", error.description, status: 500, session: nil)
        }
        control.logger.info("admin signed in", ["admin": name])
        var response = AdminResponse.redirect(to: "/admin")
        response.headers.add(name: "Set-Cookie", value: cookie(value: session.id, maxAge: nil))
        return response
    }

    func logout(_ session: AdminSession) -> HTTPResponse {
        sessions.remove(session.id)
        control.logger.info("admin signed out", ["admin": session.name])
        var response = AdminResponse.redirect(to: "/admin/login")
        response.headers.add(name: "Set-Cookie", value: cookie(value: "", maxAge: 0))
        return response
    }

    /// Returns a `Set-Cookie` value for the session cookie. A `maxAge` of 0 deletes the cookie.
    func cookie(value: String, maxAge: Int?) -> String {
        var text = "\(Self.cookieName)=\(value); Path=/admin; HttpOnly; SameSite=Strict"
        if let maxAge { text += "; Max-Age=\(maxAge)" }
        if secureCookies { text += "; Secure" }
        return text
    }

    private func loginForm(name: String, notice: String?, status: Int) -> HTTPResponse {
        let content = """
            <section class="login">
            <h1>Sign in to Rollbook</h1>
            <form method="post" action="/admin/login">
            <label for="name">Admin name</label>
            <input type="text" id="name" name="name" value="\(HTMLText.escape(name))" autocomplete="username" required>
            <label for="password">Password</label>
            <input type="password" id="password" name="password" autocomplete="current-password" required>
            <p><button type="submit">Sign in</button></p>
            </form>
            </section>

            """
        return AdminResponse.page(
            AdminLayout.page(title: "Sign in", content: content, notice: notice.map(AdminLayout.Notice.error)),
            status: status)
    }
}
