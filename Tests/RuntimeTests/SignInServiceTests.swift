import Foundation
import Testing

/// The service's single sign-on end to end: an Authlib relying party signs people in through `rollbook serve`,
/// which checks them at slapd or at a pyop provider and links them to the roster.
@Suite(.enabled(if: signInServiceMissing == nil, "\(signInServiceMissing ?? "")"))
struct SignInServiceTests {
    /// Starts a service of its own for one test. Each test has its own, so every process it starts ends with
    /// the test: Swift Testing has no hook that runs after a suite's last test.
    private func setup() throws -> SignInServiceSetup {
        let setup = try SignInServiceSetup()
        try setup.start()
        return setup
    }

    @Test func directorySignInGivesTheAppsView() throws {
        let setup = try setup()
        let result = try setup.relyingParty(options: [
            "--district", "d", "--username", "jsmith", "--password", "James-pass-1",
        ])
        let claims = try #require(result["claims"] as? [String: Any], "\(result)")
        #expect(claims["sub"] as? String == "s-1")
        #expect(claims["iss"] as? String == setup.base)
        #expect(claims["email"] as? String == "jsmith@example.org")
        #expect(claims["name"] as? String == "James Smith")
        #expect(claims["roster_role"] as? String == "student")
        #expect(claims["roster_orgs"] as? [String] == ["high"])
        #expect(claims["roster_grades"] as? [String] == ["10"])
        #expect(claims["district"] as? String == "d")
        let userinfo = try #require(result["userinfo"] as? [String: Any])
        #expect(userinfo["sub"] as? String == "s-1")
        #expect(userinfo["preferred_username"] as? String == "jsmith")
        #expect(result["refreshed"] as? Bool == true)
        // The hint skipped the chooser: the only page the browser saw was the district's own sign-in page.
        let pages = (result["hops"] as? [[String: Any]] ?? []).filter { $0["status"] as? Int == 200 }
        #expect(pages.compactMap { $0["url"] as? String }.map { $0.hasPrefix(setup.base + "/signin/d?") } == [true])
    }

    @Test func upstreamSignInLinksOnceByVerifiedEmail() throws {
        let setup = try setup()
        for _ in 0..<2 {
            let result = try setup.relyingParty(options: ["--district", "d", "--provider", "cloud"])
            let claims = try #require(result["claims"] as? [String: Any], "\(result)")
            #expect(claims["sub"] as? String == "s-2")
            #expect(claims["given_name"] as? String == "Maria")
        }
        let links = try sqlite(
            setup.setup.store,
            "SELECT district, provider, subject, user_sourced_id FROM sso_links WHERE provider = 'cloud'")
        #expect(links == "d|cloud|op-mlee-77|s-2")
    }

    @Test func personOutsideTheViewIsDenied() throws {
        let setup = try setup()
        let result = try setup.relyingParty(options: [
            "--district", "d", "--username", "tkim", "--password", "Tom-pass-2",
        ])
        #expect(result["error"] as? String == "access_denied")
        #expect(result["state_matches"] as? Bool == true)
    }

    @Test func personWithoutRosterUserGetsAPage() throws {
        let setup = try setup()
        let result = try setup.relyingParty(options: [
            "--district", "d", "--username", "zed", "--password", "Zed-pass-4",
        ])
        let stopped = try #require(result["stopped"] as? [String: Any], "\(result)")
        #expect(stopped["status"] as? Int == 403)
        let page = stopped["page"] as? String ?? ""
        #expect(page.contains("there is no linked roster user for your account in Brookfield District"))
        #expect(page.contains("sso.no_linked_user"))
        #expect(!page.contains("Set-Cookie"))
    }

    @Test func chooserAndDirectoryForm() throws {
        let setup = try setup()
        let directory = try TemporaryDirectory()
        let browser = CurlClient(base: setup.base, directory: directory)
        let chooser = try browser.get("/signin?return=/portal")
        #expect(chooser.status == 200)
        #expect(chooser.body.contains(">Brookfield District</a>"))
        #expect(chooser.body.contains(">Harbor Schools</a>"))
        #expect(chooser.headers["content-security-policy"]?.contains("default-src 'none'") == true)
        let unknown = try browser.get("/signin?district=nowhere")
        #expect(unknown.status == 404)
        #expect(
            unknown.body.contains("No district with the id &#39;nowhere&#39;") || unknown.body.contains("'nowhere'"))

        let form = try browser.get("/signin/d?return=/portal")
        #expect(form.status == 200)
        #expect(form.body.contains("Sign in with Brookfield Cloud"))
        let csrf = try #require(form.csrfToken)
        let origin = "Origin: \(setup.base)"
        let wrong = try browser.post(
            "/signin/d/directory",
            fields: [("csrf", csrf), ("return", "/portal"), ("username", "jsmith"), ("password", "nope")],
            headers: [origin])
        #expect(wrong.status == 401)
        #expect(wrong.body.contains("The username or password is wrong."))
        let forged = try browser.post(
            "/signin/d/directory", fields: [("csrf", "forged"), ("username", "jsmith"), ("password", "James-pass-1")],
            headers: [origin])
        #expect(forged.status == 403)
        #expect(forged.body.contains("sso.csrf"))
        let foreign = try browser.post(
            "/signin/d/directory", fields: [("csrf", csrf), ("username", "jsmith"), ("password", "James-pass-1")],
            headers: ["Origin: http://evil.example"])
        #expect(foreign.status == 403)

        let signedIn = try browser.post(
            "/signin/d/directory",
            fields: [
                ("csrf", csrf), ("return", "https://evil.example/"), ("username", "jsmith"),
                ("password", "James-pass-1"),
            ],
            headers: [origin])
        #expect(signedIn.status == 303)
        // A return target outside the sign-in flow is replaced by the portal, never followed.
        #expect(signedIn.headers["location"] == "/portal")
        #expect(signedIn.headers["set-cookie"]?.contains("rollbook_sso=") == true)
        #expect(signedIn.headers["set-cookie"]?.contains("HttpOnly; SameSite=Lax") == true)
    }

    @Test func portalLaunchesAndSignOutEnds() throws {
        let setup = try setup()
        let directory = try TemporaryDirectory()
        let browser = CurlClient(base: setup.base, directory: directory)
        _ = try setup.relyingParty(
            options: ["--district", "d", "--username", "agarcia", "--password", "Ana-pass-3", "--cookies", browser.jar])
        let portal = try browser.get("/portal")
        #expect(portal.status == 200)
        #expect(portal.body.contains("Signed in as Ana Garcia, Brookfield District."))
        let launch = SignInServiceSetup.launchURL + "?iss=" + percentEncoded(setup.base) + "&amp;login_hint=t-1"
        #expect(portal.body.contains("href=\"\(launch)\">Vendor Classroom</a>"))

        let csrf = try #require(portal.csrfToken)
        let refused = try browser.post("/signout", fields: [("csrf", "stale")], headers: ["Origin: \(setup.base)"])
        #expect(refused.status == 403)
        let out = try browser.post("/signout", fields: [("csrf", csrf)], headers: ["Origin: \(setup.base)"])
        #expect(out.status == 200)
        #expect(out.body.contains("You are signed out"))
        let after = try browser.get("/portal")
        #expect(after.status == 302)
        #expect(after.headers["location"] == "/signin?return=%2Fportal")
    }

    @Test func logoutFromTheAppEndsTheSession() throws {
        let setup = try setup()
        let directory = try TemporaryDirectory()
        let browser = CurlClient(base: setup.base, directory: directory)
        let result = try setup.relyingParty(
            options: [
                "--district", "d", "--username", "jsmith", "--password", "James-pass-1", "--cookies", browser.jar,
            ])
        let idToken = try #require(result["id_token"] as? String)
        let signedIn = try setup.relyingParty(options: [
            "--cookies", browser.jar, "--district", "d", "--stop-at-callback",
        ])
        #expect((signedIn["code"] as? String)?.isEmpty == false, "the session did not carry over: \(signedIn)")
        let logout = try browser.get(
            "/oauth/logout?id_token_hint=\(idToken)&post_logout_redirect_uri="
                + percentEncoded("https://vendor.example.com/bye") + "&state=s1")
        #expect(logout.status == 302)
        #expect(logout.headers["location"] == "https://vendor.example.com/bye?state=s1")
        #expect(
            logout.headers["set-cookie"]?.contains("rollbook_sso=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0") == true)
        let again = try setup.relyingParty(options: ["--cookies", browser.jar, "--district", "d", "--stop-at-callback"])
        #expect(again["stopped"] != nil, "the browser was still signed in: \(again)")
    }

    @Test func promptNoneAndLoginFollowTheSession() throws {
        let setup = try setup()
        let directory = try TemporaryDirectory()
        let browser = CurlClient(base: setup.base, directory: directory)
        let silent = try setup.relyingParty(options: [
            "--district", "d", "--extra", "prompt=none", "--cookies", browser.jar,
        ])
        #expect(silent["error"] as? String == "login_required")

        _ = try setup.relyingParty(
            options: [
                "--district", "d", "--username", "jsmith", "--password", "James-pass-1", "--cookies", browser.jar,
            ])
        let signedIn = try setup.relyingParty(
            options: ["--district", "d", "--extra", "prompt=none", "--cookies", browser.jar, "--stop-at-callback"])
        #expect((signedIn["code"] as? String)?.isEmpty == false, "\(signedIn)")
        let again = try setup.relyingParty(
            options: ["--district", "d", "--extra", "prompt=login", "--cookies", browser.jar, "--stop-at-callback"])
        let page = try #require(again["stopped"] as? [String: Any], "prompt=login skipped the sign-in: \(again)")
        #expect((page["page"] as? String)?.contains("type=\"password\"") == true)
        // prompt=login ended the old session, so a silent request now finds no one.
        let after = try setup.relyingParty(options: [
            "--district", "d", "--extra", "prompt=none", "--cookies", browser.jar,
        ])
        #expect(after["error"] as? String == "login_required")
    }

    @Test func refusalsCarryTheOAuthError() throws {
        let setup = try setup()
        let base = setup.base
        let redirect = percentEncoded(SignInServiceSetup.redirectURI)
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        let wrongRedirect = try curl(
            base + "/oauth/authorize?response_type=code&client_id=vendor-web&scope=openid&redirect_uri="
                + percentEncoded("https://evil.example/cb") + "&code_challenge=\(challenge)&code_challenge_method=S256")
        #expect(wrongRedirect.status == 400)
        #expect(wrongRedirect.headers["location"] == nil)
        let unknownClient = try curl(
            base + "/oauth/authorize?response_type=code&client_id=nobody&scope=openid&redirect_uri=\(redirect)")
        #expect(unknownClient.status == 400)
        let broadScope = try curl(
            base
                + "/oauth/authorize?response_type=code&client_id=vendor-spa&scope=openid%20roster&redirect_uri=\(redirect)"
                + "&state=s2&code_challenge=\(challenge)&code_challenge_method=S256")
        #expect(broadScope.status == 302)
        #expect(broadScope.headers["location"]?.contains("error=invalid_scope") == true)
        #expect(broadScope.headers["location"]?.contains("state=s2") == true)

        func code() throws -> (code: String, verifier: String) {
            let result = try setup.relyingParty(
                options: [
                    "--district", "d", "--username", "jsmith", "--password", "James-pass-1", "--stop-at-callback",
                ])
            return (try #require(result["code"] as? String, "\(result)"), try #require(result["verifier"] as? String))
        }
        func exchange(_ code: String, verifier: String, secret: String = SignInServiceSetup.webClient.secret) throws
            -> CurlResponse
        {
            try curl(
                base + "/oauth/token",
                [
                    "-u", "\(SignInServiceSetup.webClient.id):\(secret)", "--data-urlencode",
                    "grant_type=authorization_code",
                    "--data-urlencode", "code=\(code)", "--data-urlencode",
                    "redirect_uri=\(SignInServiceSetup.redirectURI)",
                    "--data-urlencode", "code_verifier=\(verifier)",
                ])
        }
        let first = try code()
        let badVerifier = try exchange(first.code, verifier: String(repeating: "x", count: 64))
        #expect(badVerifier.status == 400)
        #expect(badVerifier.json?["error"] as? String == "invalid_grant")
        let second = try code()
        let wrongSecret = try exchange(second.code, verifier: second.verifier, secret: "not-the-secret")
        #expect(wrongSecret.status == 401)
        #expect(wrongSecret.json?["error"] as? String == "invalid_client")
        let third = try code()
        let good = try exchange(third.code, verifier: third.verifier)
        #expect(good.status == 200, "\(good)")
        #expect(good.json?["id_token"] is String)
        let reused = try exchange(third.code, verifier: third.verifier)
        #expect(reused.status == 400)
        #expect(reused.json?["error"] as? String == "invalid_grant")
    }

    @Test func discoveryNamesTheEndpoints() throws {
        let setup = try setup()
        let document = try curl(setup.base + "/.well-known/openid-configuration")
        #expect(document.status == 200)
        #expect(document.json?["issuer"] as? String == setup.base)
        #expect(document.json?["authorization_endpoint"] as? String == setup.base + "/oauth/authorize")
        #expect(
            document.json?["scopes_supported"] as? [String] == [
                "openid", "profile", "email", "roster", "offline_access",
            ])
        let keys = try curl(setup.base + "/oauth/jwks")
        let list = try #require(keys.json?["keys"] as? [[String: Any]])
        // The current key and the next one, published before it signs.
        #expect(list.count == 2)
        #expect(list.allSatisfy { $0["kty"] as? String == "RSA" })
        #expect(list.allSatisfy { $0["alg"] as? String == "RS256" })
    }
}

/// Returns `text` percent-encoded for a query value.
func percentEncoded(_ text: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
}
