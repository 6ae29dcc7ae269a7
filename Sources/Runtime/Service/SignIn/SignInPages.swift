import Foundation
import HTTP
import SSO

/// The pages where people sign in with their district account: the district chooser, each district's providers,
/// the return from an upstream provider, the LDAP form, the portal and sign-out.
///
/// A signed-in person has a `rollbook_sso` session cookie. It is SameSite=Lax rather than Strict because an
/// application sends the browser to the authorization endpoint from its own site, and a Strict cookie would not
/// come along. Every form carries a CSRF token and passes an origin check.
final class SignInPages: Sendable {
    static let sessionCookie = "rollbook_sso"
    /// A random value that binds a sign-in in progress to the browser that started it.
    static let browserCookie = "rollbook_signin"
    /// The path the upstream providers return to.
    static let callbackPath = "/sso/callback"
    /// The maximum length in bytes of a username or password the form accepts.
    static let maxCredentialBytes = 1024

    let districts: [SignInDistrict]
    let sessions: SignInSessions
    let linker: AccountLinker
    let links: StoreLinkStore
    let claims: AppViewClaims
    let apps: [AppConfig]
    /// The issuer, which is also where the pages are: the upstream providers return to `issuer + callbackPath`.
    let issuer: String
    let authorizationPath: String
    let secureCookies: Bool
    let logger: Logger
    let throttle = LoginThrottle()

    init(
        districts: [SignInDistrict], sessions: SignInSessions, linker: AccountLinker, links: StoreLinkStore,
        claims: AppViewClaims,
        apps: [AppConfig], issuer: String, authorizationPath: String, logger: Logger
    ) {
        self.districts = districts
        self.sessions = sessions
        self.linker = linker
        self.links = links
        self.claims = claims
        self.apps = apps
        self.issuer = issuer
        self.authorizationPath = authorizationPath
        self.secureCookies = issuer.hasPrefix("https://")
        self.logger = logger
    }

    var callbackURL: String { issuer + Self.callbackPath }

    /// Mounts the pages on `router`.
    func register(into router: inout Router) {
        router.add("GET", "/signin") { [self] request, _ in chooser(request) }
        router.add("GET", "/signin/{district}") { [self] request, match in
            districtPage(request, district: match.parameters["district"] ?? "")
        }
        router.add("GET", "/signin/{district}/{provider}") { [self] request, match in
            startRedirect(
                request, district: match.parameters["district"] ?? "", provider: match.parameters["provider"] ?? "")
        }
        router.add("POST", "/signin/{district}/{provider}") { [self] request, match in
            directorySignIn(
                request, district: match.parameters["district"] ?? "", provider: match.parameters["provider"] ?? "")
        }
        router.add("GET", Self.callbackPath) { [self] request, _ in callback(request) }
        router.add("GET", "/portal") { [self] request, _ in portal(request) }
        router.add("POST", "/signout") { [self] request, _ in signOut(request) }
    }

    // MARK: - Authorization requests

    /// Decides who an authorization request is for: the signed-in person when they are in the app's view, a
    /// denial when they are not, and the sign-in pages when no one is signed in or the request hints at another
    /// district.
    ///
    /// `prompt=login`, or a `max_age` the session's sign-in is older than, ends the session and signs the person
    /// in again. The request then returns without those parameters. `prompt=none` never shows a page, so it
    /// reports `login_required` instead.
    func outcome(for request: HTTPRequest, authorization: AuthorizationRequest) -> SignInOutcome {
        var target = request.path + (request.query.isEmpty ? "" : "?" + request.query)
        let hint = authorization.districtHint
        var current = session(of: request)
        if let session = current, let hint, hint != session.district { current = nil }
        if let session = current, needsNewSignIn(session, authorization) {
            guard !authorization.prompt.contains("none") else {
                return .error(code: "login_required", description: "The person must sign in again.")
            }
            sessions.remove(session.id)
            current = nil
            target = Self.removing(["prompt", "max_age"], from: target)
        }
        guard let session = current else {
            if authorization.prompt.contains("none") {
                return .error(code: "login_required", description: "No one is signed in at Rollbook in this browser.")
            }
            var location = "/signin?return=" + Self.encode(target)
            if let hint { location += "&district=" + Self.encode(hint) }
            return .redirect(location)
        }
        let app = authorization.client.app
        guard apps.contains(where: { $0.id == app && $0.districts.contains(session.district) }),
            let userClaims = claims.claims(app: app, district: session.district, sourcedId: session.sourcedId)
        else {
            logger.info(
                "sign-in denied outside the app's view",
                [
                    "app": app, "client": authorization.client.id, "district": session.district,
                    "user": session.sourcedId,
                ])
            return .denied
        }
        return .signedIn(
            SignedInUser(
                sourcedId: session.sourcedId, district: session.district, claims: userClaims,
                authTime: Int(session.authTime.timeIntervalSince1970)))
    }

    /// Returns whether the request wants a newer sign-in than the session's: `prompt=login`, or a `max_age`
    /// shorter than the time since the session's sign-in.
    func needsNewSignIn(_ session: SignInSession, _ authorization: AuthorizationRequest) -> Bool {
        if authorization.prompt.contains("login") { return true }
        guard let maxAge = authorization.maxAge else { return false }
        return Date().timeIntervalSince(session.authTime) > Double(maxAge)
    }

    /// Returns `target` without the query parameters in `names`.
    static func removing(_ names: Set<String>, from target: String) -> String {
        guard let mark = target.firstIndex(of: "?") else { return target }
        let kept = target[target.index(after: mark)...].split(separator: "&").filter { item in
            !names.contains(String(item.prefix { $0 != "=" }))
        }
        return String(target[..<mark]) + (kept.isEmpty ? "" : "?" + kept.joined(separator: "&"))
    }

    /// Ends the browser's session for RP-initiated logout, and every session of the subject the id_token_hint
    /// names, and returns the cookie that clears the browser's.
    func endSession(_ request: HTTPRequest, subject: String?) -> [String] {
        if let session = session(of: request) {
            sessions.remove(session.id)
            if let subject, subject == session.sourcedId {
                sessions.removeAll(district: session.district, sourcedId: subject)
            }
        }
        return [sessionCookie(value: "", maxAge: 0)]
    }

    // MARK: - Sessions and cookies

    /// Returns the live session of the request's cookie, or nil.
    func session(of request: HTTPRequest) -> SignInSession? {
        guard let id = request.cookie(Self.sessionCookie), !id.isEmpty, id.utf8.count <= 64 else { return nil }
        return sessions.touch(id)
    }

    func sessionCookie(value: String, maxAge: Int?) -> String {
        cookie(Self.sessionCookie, value: value, maxAge: maxAge)
    }

    func cookie(_ name: String, value: String, maxAge: Int?) -> String {
        var text = "\(name)=\(value); Path=/; HttpOnly; SameSite=Lax"
        if let maxAge { text += "; Max-Age=\(maxAge)" }
        if secureCookies { text += "; Secure" }
        return text
    }

    /// Returns the browser's binding value and, when it has none yet, the cookie that gives it one.
    func browserBinding(of request: HTTPRequest) throws(AdminError) -> (value: String, cookie: String?) {
        if let value = request.cookie(Self.browserCookie), value.utf8.count == 43 { return (value, nil) }
        let value = try SecureToken.make()
        return (value, cookie(Self.browserCookie, value: value, maxAge: Int(SignInSessions.pendingLifetime)))
    }

    /// Starts a session for a person whose login was linked, and sends the browser back where it was going.
    func complete(
        district: String, user: RosterUser, provider: SignInProvider, returnTo: String, after form: Bool
    ) -> HTTPResponse {
        let session: SignInSession
        do {
            session = try sessions.create(district: district, sourcedId: user.sourcedId, providerID: provider.id)
        } catch {
            logger.error("sign-in session not created", ["error": error.description])
            return SignInLayout.problem(
                title: "Sign-in failed", message: "The sign-in could not be completed. Try again in a moment.",
                code: "sso.session_failed", status: 500, retry: "/signin")
        }
        logger.info("person signed in", ["district": district, "provider": provider.id, "user": user.sourcedId])
        return SignInLayout.redirect(
            to: returnTo, status: form ? 303 : 302,
            cookies: [sessionCookie(value: session.id, maxAge: nil), cookie(Self.browserCookie, value: "", maxAge: 0)])
    }

    // MARK: - Helpers

    /// Returns a local return target the pages may send the browser to: an authorization request or the portal.
    func safeReturn(_ value: String?) -> String {
        guard let value, value.utf8.count <= 8192, !value.contains(where: { $0.isNewline || $0 == "\\" }),
            value.hasPrefix(authorizationPath + "?") || value == "/portal"
        else { return "/portal" }
        return value
    }

    /// Percent-encodes a query value.
    static func encode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    func district(_ id: String) -> SignInDistrict? { districts.first { $0.id == id } }

    /// Returns the page for a district id that names no district with sign-in.
    func unknownDistrict(_ id: String) -> HTTPResponse {
        SignInLayout.problem(
            title: "Unknown district",
            message: "No district with the id '\(id)' signs people in here. Choose your district from the list.",
            code: "sso.unknown_district", status: 404, retry: "/signin")
    }
}
