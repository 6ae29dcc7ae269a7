import Foundation
import Testing

/// Why the sign-in pages cannot run in a browser here, or nil when they can.
private let signInChromiumMissing: String? = {
    if HeadlessChromium.path == nil { return "chromium is not installed; .ci/install installs it" }
    if !FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") { return "/usr/bin/python3 is missing" }
    return signInServiceMissing
}()

/// The people-facing sign-in pages in headless Chromium at 1280x900. A real browser follows an app's authorization
/// requests through the district chooser, the LDAP form and the upstream provider. It uses the portal, signs out and
/// meets the error pages, with its own cookies, Origin headers and redirects.
///
/// One browser run serves every test in the suite, because the steps build on one another: the portal needs the
/// session of the first sign-in.
@Suite(.enabled(if: signInChromiumMissing == nil, "\(signInChromiumMissing ?? "")"))
struct SignInChromiumTests {
    static let run = Result { try SignInBrowserRun() }

    private func run() throws -> SignInBrowserRun { try Self.run.get() }

    @Test func chooserAndFormReachTheApp() throws {
        let run = try run()
        #expect(run.pages["chooser"]?.contains(">Brookfield District</a>") == true)
        #expect(run.pages["chooser"]?.contains(">Harbor Schools</a>") == true)
        #expect(run.pages["district"]?.contains("Sign in with Brookfield Cloud") == true)
        #expect(run.pages["district"]?.contains("id=\"directory-password\"") == true)
        #expect(run.pages["wrong-password"]?.contains("The username or password is wrong.") == true)

        let callback = try #require(run.redirects["directory"], "no callback after the LDAP sign-in")
        #expect(callback.query["state"] == "state-directory")
        #expect(callback.query["error"] == nil)
        let token = try #require(run.token, "the code was not exchanged")
        #expect(token.status == 200, "\(token)")
        let idToken = try #require(token.json?["id_token"] as? String, "\(token)")
        let claims = try #require(jwtPayload(idToken), "the id_token '\(idToken)' has no readable payload")
        #expect(claims["sub"] as? String == "s-1")
        #expect(claims["nonce"] as? String == "nonce-directory")
    }

    @Test func portalLaunchesAndSignsOut() throws {
        let run = try run()
        #expect(run.pages["portal"]?.contains("Signed in as James Smith, Brookfield District.") == true)
        let launch = try #require(run.launch.first, "the portal lists no app")
        #expect(run.launch.count == 1)
        #expect(launch.name == "Vendor Classroom")
        let link = try #require(URLComponents(string: launch.href), "the launch link '\(launch.href)' is not a URL")
        #expect(link.scheme == "https")
        #expect(link.host == "vendor.example.com")
        #expect(link.path == "/start")
        #expect(link.query["iss"] == run.base)
        #expect(link.query["login_hint"] == "s-1")

        #expect(run.pages["signed-out"]?.contains("You are signed out") == true)
        #expect(run.portalAfterSignOut == run.base + "/signin?return=%2Fportal")
    }

    @Test func upstreamProviderReachesTheApp() throws {
        let run = try run()
        let callback = try #require(run.redirects["cloud"], "no callback after the upstream sign-in")
        #expect(callback.query["state"] == "state-cloud")
        #expect(callback.query["error"] == nil)
        let token = try #require(run.cloudToken, "the code was not exchanged")
        #expect(token.status == 200, "\(token)")
        let idToken = try #require(token.json?["id_token"] as? String, "\(token)")
        let claims = try #require(jwtPayload(idToken), "the id_token '\(idToken)' has no readable payload")
        #expect(claims["sub"] as? String == "s-2")
        #expect(claims["nonce"] as? String == "nonce-cloud")
    }

    @Test func refusalsInTheBrowser() throws {
        let run = try run()
        let denied = try #require(run.redirects["denied"], "no callback for a person outside the view")
        #expect(denied.query["error"] == "access_denied")
        #expect(denied.query["state"] == "state-denied")
        #expect(denied.query["code"] == nil)

        let page = try #require(run.pages["no-linked-user"])
        #expect(page.contains("there is no linked roster user for your account in Brookfield District"))
        #expect(page.contains("sso.no_linked_user"))
    }

    @Test func sessionCookieFlags() throws {
        let run = try run()
        let session = try #require(run.cookies.first { $0["name"] as? String == "rollbook_sso" }, "\(run.cookies)")
        #expect(session["httpOnly"] as? Bool == true)
        #expect(session["sameSite"] as? String == "Lax")
        #expect(session["path"] as? String == "/")
        // A session cookie: it has no Max-Age, so Chromium drops it when the browser closes.
        #expect(session["session"] as? Bool == true)
        // The service runs on plain HTTP here, so the cookie has no Secure flag. The service sets the flag only when
        // `server.public_url` starts with https.
        #expect(session["secure"] as? Bool == false)
        #expect(!run.cookiesAfterSignOut.contains { $0["name"] as? String == "rollbook_sso" })
    }

    @Test func screenshotsAreNotBlank() throws {
        let run = try run()
        for label in SignInBrowserRun.screenshots {
            let png = try Data(contentsOf: URL(fileURLWithPath: "\(run.output)/\(label).png"))
            let size = try #require(pngSize(png), "\(label).png is not a PNG")
            #expect(size.width == 1280, "\(label)")
            #expect(size.height == 900, "\(label)")
            #expect(png.count > 10_000, "\(label).png has only \(png.count) bytes; the page may be blank")
        }
    }
}

/// One browser run through the sign-in pages, with what the tests check: each page's DOM, the URLs the browser was
/// sent to at the redirect URI, its cookies and the token responses for the codes.
///
/// It is unchecked Sendable because every property is a constant set in `init`, and the suite's tests only read them.
final class SignInBrowserRun: @unchecked Sendable {
    /// The pages the driver saves a screenshot of, which are also the names in docs/images after `sign-in-`.
    static let screenshots = ["chooser", "district", "wrong-password", "portal", "signed-out", "no-linked-user"]
    /// A PKCE verifier and its S256 challenge (the SHA-256 of the verifier in unpadded base64url).
    static let pkce = (
        verifier: "rollbook-chromium-sign-in-verifier-0123456789-abcdefghijklmnop",
        challenge: "J_YctAxx4We0eUKCV9plYbpfvfsA8YD0MXfyxnkpzFc"
    )

    let base: String
    /// The folder with the screenshots and DOM files.
    let output: String
    /// Each captured page's DOM by label.
    let pages: [String: String]
    /// The URLs at the redirect URI by step: `directory`, `cloud`, `denied`.
    let redirects: [String: URLComponents]
    let launch: [(name: String, href: String)]
    let portalAfterSignOut: String
    /// Chromium's cookies for the service after the LDAP sign-in, as `Network.getCookies` returns them.
    let cookies: [[String: Any]]
    let cookiesAfterSignOut: [[String: Any]]
    /// The token endpoint's responses to the codes of the LDAP and the upstream sign-in, or nil when the browser
    /// brought back no code.
    let token: CurlResponse?
    let cloudToken: CurlResponse?
    private let directory: TemporaryDirectory

    init() throws {
        let setup = try SignInServiceSetup()
        try setup.start()
        defer {
            setup.stop()
            setup.upstream.stop()
            setup.slapd.stop()
        }
        base = setup.base
        directory = try TemporaryDirectory()
        output = directory.file("chromium")
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)

        let people = Dictionary(SignInServiceSetup.people.map { ($0.0, $0.2) }) { first, _ in first }
        let plan: [String: Any] = [
            "base": base, "redirect_uri": SignInServiceSetup.redirectURI, "people": people,
            "chooser": authorizationURL(base: base, step: "directory", district: nil),
            "cloud": authorizationURL(base: base, step: "cloud", district: "d"),
            "denied": authorizationURL(base: base, step: "denied", district: "d"),
            "unlinked": authorizationURL(base: base, step: "unlinked", district: "d"),
        ]
        let planFile = directory.file("plan.json")
        try JSONSerialization.data(withJSONObject: plan).write(to: URL(fileURLWithPath: planFile))
        let chromium = try #require(HeadlessChromium.path)
        let driver = try ChromiumDriverProcess.run(
            SignInChromiumDriver.script, name: "drive_sign_in.py", arguments: [output, chromium, planFile],
            in: directory, timeout: 180)
        guard driver.status == 0 else {
            throw ServiceTestError("the sign-in driver failed: \(driver.errors)\nservice log: \(setup.setup.logFile)")
        }

        let resultData = try Data(contentsOf: URL(fileURLWithPath: output + "/result.json"))
        let result = try #require(try JSONSerialization.jsonObject(with: resultData) as? [String: Any])
        var pages: [String: String] = [:]
        for label in Self.screenshots {
            pages[label] = try String(contentsOfFile: "\(output)/\(label).html", encoding: .utf8)
        }
        self.pages = pages
        var redirects: [String: URLComponents] = [:]
        for (step, url) in result["redirects"] as? [String: String] ?? [:] {
            redirects[step] = URLComponents(string: url)
        }
        self.redirects = redirects
        launch = (result["launch"] as? [[String: String]] ?? []).map { ($0["name"] ?? "", $0["href"] ?? "") }
        portalAfterSignOut = result["portal_after_sign_out"] as? String ?? ""
        cookies = result["cookies"] as? [[String: Any]] ?? []
        cookiesAfterSignOut = result["cookies_after_sign_out"] as? [[String: Any]] ?? []

        token = try redirects["directory"]?.query["code"].map { try Self.exchange($0, base: setup.base) }
        cloudToken = try redirects["cloud"]?.query["code"].map { try Self.exchange($0, base: setup.base) }
        try copyScreenshotsToDocs()
    }

    /// Exchanges a code of the app's web client at the token endpoint with the fixed PKCE verifier.
    private static func exchange(_ code: String, base: String) throws -> CurlResponse {
        try curl(
            base + "/oauth/token",
            [
                "-u", "\(SignInServiceSetup.webClient.id):\(SignInServiceSetup.webClient.secret)",
                "--data-urlencode", "grant_type=authorization_code", "--data-urlencode", "code=\(code)",
                "--data-urlencode", "redirect_uri=\(SignInServiceSetup.redirectURI)",
                "--data-urlencode", "code_verifier=\(pkce.verifier)",
            ])
    }

    /// Copies the screenshots to docs/images/sign-in-*.png when ROLLBOOK_UPDATE_SCREENSHOTS is 1.
    private func copyScreenshotsToDocs() throws {
        guard ProcessInfo.processInfo.environment["ROLLBOOK_UPDATE_SCREENSHOTS"] == "1" else { return }
        let images = Paths.root + "/docs/images"
        try FileManager.default.createDirectory(atPath: images, withIntermediateDirectories: true)
        for label in Self.screenshots {
            let target = "\(images)/sign-in-\(label).png"
            try? FileManager.default.removeItem(atPath: target)
            try FileManager.default.copyItem(atPath: "\(output)/\(label).png", toPath: target)
        }
    }
}

/// Returns an authorization request of the app's web client for one step, with the fixed PKCE challenge, the state
/// `state-<step>` and the nonce `nonce-<step>`, and the district hint when there is one.
private func authorizationURL(base: String, step: String, district: String?) -> String {
    var url =
        base + "/oauth/authorize?response_type=code&client_id=" + percentEncoded(SignInServiceSetup.webClient.id)
        + "&scope=" + percentEncoded("openid profile email roster") + "&redirect_uri="
        + percentEncoded(SignInServiceSetup.redirectURI) + "&state=state-\(step)&nonce=nonce-\(step)"
        + "&code_challenge=\(SignInBrowserRun.pkce.challenge)&code_challenge_method=S256"
    if let district { url += "&district=" + percentEncoded(district) }
    return url
}

/// Decodes the payload of a JWT without checking its signature; returns nil when it is not base64url JSON.
private func jwtPayload(_ token: String) -> [String: Any]? {
    let parts = token.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 3 else { return nil }
    var text = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    text += String(repeating: "=", count: (4 - text.count % 4) % 4)
    guard let data = Data(base64Encoded: text) else { return nil }
    return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
}

extension URLComponents {
    /// The query's values by name; the first wins when a name repeats.
    fileprivate var query: [String: String] {
        Dictionary((queryItems ?? []).map { ($0.name, $0.value ?? "") }) { first, _ in first }
    }
}
