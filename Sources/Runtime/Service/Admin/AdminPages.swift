import Foundation
import HTTP
import Store

/// The admin pages of `rollbook serve`: sync runs, held runs with their diff and decision buttons, data-quality
/// reports and apps with their deliveries, behind an admin sign-in.
///
/// Pages are server-rendered HTML with one inline style sheet, no script and nothing loaded from elsewhere. Every
/// state-changing request is a POST that carries the session's CSRF token and, when the browser sends one, an
/// `Origin` or `Referer` of this site.
public struct AdminPages: Sendable {
    /// The name of the session cookie.
    public static let cookieName = "rollbook_admin"

    let control: any ServiceControl
    let storePath: String
    /// The site's origin, such as `https://rollbook.example.org`, against which `Origin` and `Referer` are checked.
    let origin: String?
    let secureCookies: Bool
    let sessions: AdminSessions
    let throttle: LoginThrottle

    /// Creates the pages for a running service.
    ///
    /// - Parameters:
    ///   - baseURL: the URL admins open, such as `https://rollbook.example.org`. When nil, a request's `Origin`
    ///     must name the host of its `Host` header.
    ///   - secureCookies: whether the session cookie is marked `Secure`. Set it when the base URL is https.
    ///   - idleTimeout: seconds a session may stay unused before the admin must sign in again.
    ///   - maxSessions: the maximum number of sessions. A sign-in beyond it ends the least recently used session.
    public init(
        control: any ServiceControl, storePath: String, baseURL: String? = nil, secureCookies: Bool = false,
        idleTimeout: TimeInterval = 1800, maxSessions: Int = 1000
    ) {
        self.control = control
        self.storePath = storePath
        self.origin = baseURL.flatMap(OriginCheck.origin(of:))
        self.secureCookies = secureCookies
        self.sessions = AdminSessions(idleTimeout: idleTimeout, capacity: maxSessions)
        self.throttle = LoginThrottle()
    }

    /// Adds every admin route under `/admin` to `router`.
    public func register(into router: inout Router) {
        router.add("GET", "/admin") { request, _ in signedIn(request) { dashboard($0, notice: nil) } }
        router.add("GET", "/admin/") { _, _ in AdminResponse.redirect(to: "/admin", status: 302) }
        router.add("GET", "/admin/login") { request, _ in loginPage(request) }
        router.add("POST", "/admin/login") { request, _ in login(request) }
        router.add("POST", "/admin/logout") { request, _ in guardedPost(request) { session, _ in logout(session) } }
        router.add("POST", "/admin/districts/{id}/sync") { request, match in
            guardedPost(request) { session, _ in startSync(match.parameters["id"] ?? "", session: session) }
        }
        router.add("GET", "/admin/runs/{id}") { request, match in
            signedIn(request) { runPage(match.parameters["id"] ?? "", session: $0) }
        }
        router.add("GET", "/admin/runs/{id}/report") { request, match in
            signedIn(request) { reportPage(match.parameters["id"] ?? "", session: $0) }
        }
        for action in ["approve", "discard"] {
            router.add("POST", "/admin/runs/{id}/\(action)") { request, match in
                guardedPost(request) { session, _ in
                    decide(match.parameters["id"] ?? "", approve: action == "approve", session: session)
                }
            }
        }
        router.add("GET", "/admin/apps") { request, _ in signedIn(request) { appsPage(session: $0) } }
        router.add("GET", "/admin/apps/{id}/audit") { request, match in
            signedIn(request) { auditPage(match.parameters["id"] ?? "", session: $0) }
        }
    }

    /// Returns the session named by the request's cookie, when it is live.
    func session(of request: HTTPRequest) -> AdminSession? {
        guard let id = request.cookie(Self.cookieName), !id.isEmpty else { return nil }
        return sessions.touch(id)
    }

    /// Renders a page for a signed-in admin, or redirects to the sign-in page.
    private func signedIn(_ request: HTTPRequest, _ render: (AdminSession) -> HTTPResponse) -> HTTPResponse {
        guard let session = session(of: request) else { return AdminResponse.redirect(to: "/admin/login", status: 302) }
        return render(session)
    }

    /// Runs a state-changing form post once the session, the origin and the CSRF token have been checked.
    private func guardedPost(
        _ request: HTTPRequest, _ perform: (AdminSession, FormFields) -> HTTPResponse
    ) -> HTTPResponse {
        guard let session = session(of: request) else {
            return forbidden(
                "You are not signed in, or your session has ended. Sign in again, then repeat the action.",
                session: nil)
        }
        if let problem = OriginCheck(expected: origin).problem(with: request) {
            control.logger.warning("admin form rejected", ["reason": "origin", "path": request.path])
            return forbidden(problem, session: session)
        }
        let form = FormFields(body: request.body)
        guard let token = form["csrf"], SecureToken.matches(token, session.csrfToken) else {
            control.logger.warning("admin form rejected", ["reason": "csrf", "path": request.path])
            return forbidden(
                "The form's security token is missing or does not belong to your session, so nothing was changed. "
                    + "Reload the page and submit the form again.", session: session)
        }
        return perform(session, form)
    }

    /// Renders the 403 page.
    func forbidden(_ message: String, session: AdminSession?) -> HTTPResponse {
        let content = """
            <h1>Request rejected</h1>
            <p class="notice error" role="alert">\(HTMLText.escape(message))</p>
            <p><a href="/admin">Back to the dashboard</a></p>

            """
        return AdminResponse.page(
            AdminLayout.page(title: "Request rejected", content: content, session: session), status: 403)
    }

    /// Renders an error page for a missing run or app, or a failure of the store.
    func errorPage(_ title: String, _ message: String, status: Int, session: AdminSession?) -> HTTPResponse {
        let content = """
            <h1>\(HTMLText.escape(title))</h1>
            <p class="notice error" role="alert">\(HTMLText.escape(message))</p>
            <p><a href="/admin">Back to the dashboard</a></p>

            """
        return AdminResponse.page(AdminLayout.page(title: title, content: content, session: session), status: status)
    }

    /// Opens the store for one request and passes it to `body`. A failure becomes a 500 page that names it.
    ///
    /// The service keeps its first store open, so it holds the owner lock and a page's store never marks a running
    /// sync interrupted.
    func withStore(session: AdminSession?, _ body: (SnapshotStore) throws -> HTTPResponse) -> HTTPResponse {
        let store: SnapshotStore
        do {
            store = try SnapshotStore(path: storePath)
        } catch {
            let failure = AdminError.storeUnavailable(path: storePath, reason: "\(error)")
            control.logger.error("admin store open failed", ["error": failure.description])
            return errorPage("Store unavailable", failure.description, status: 500, session: session)
        }
        do {
            return try body(store)
        } catch {
            control.logger.error("admin page failed", ["error": "\(error)"])
            return errorPage(
                "Something went wrong", "Reading the store failed: \(error)", status: 500, session: session)
        }
    }
}
