import Foundation
import Runtime
import Store
import Testing

/// The admin pages over HTTP on 127.0.0.1, driven with curl and a cookie jar against a store that real
/// `rollbook sync` runs filled.
@Suite(.enabled(if: CurlClient.path != nil, "curl is not installed; .ci/install installs it"))
struct AdminPagesTests {
    /// The parts of one test's setup, kept together so the store's folder lives as long as the server.
    private struct Harness {
        let fixture: AdminStoreFixture
        let server: AdminServer
        let client: CurlClient
    }

    private func start(districtName: String = "Brookfield District", secureCookies: Bool = false) throws -> Harness {
        let fixture = try AdminStoreFixture(districtName: districtName)
        let server = try AdminServer(
            control: FakeServiceControl(config: fixture.config), storePath: fixture.storePath,
            secureCookies: secureCookies)
        return Harness(
            fixture: fixture, server: server, client: CurlClient(base: server.base, directory: fixture.directory))
    }

    @Test("pages need a sign-in")
    func signInRequired() throws {
        let harness = try start()
        let server = harness.server
        let client = harness.client
        for path in ["/admin", "/admin/runs/1", "/admin/runs/1/report", "/admin/apps", "/admin/apps/vendor/audit"] {
            let response = try client.get(path)
            #expect(response.status == 302, "\(path): \(response)")
            #expect(response.headers["location"] == "/admin/login", "\(path)")
        }
        let post = try client.post("/admin/districts/d/sync", fields: [("csrf", "guess")])
        #expect(post.status == 403)
        #expect(post.body.contains("You are not signed in, or your session has ended."))
        #expect(server.control.triggerCount == 0)

        let login = try client.get("/admin/login")
        #expect(login.status == 200)
        #expect(login.body.contains("<form method=\"post\" action=\"/admin/login\">"))
    }

    @Test("wrong password is rejected")
    func wrongPassword() throws {
        let harness = try start()
        let client = harness.client
        let wrong = try client.signIn(password: "tr0ub4dor")
        #expect(wrong.status == 401)
        #expect(wrong.body.contains("The name or password is wrong."))
        #expect(wrong.headers["set-cookie"] == nil)
        #expect(!wrong.body.contains("tr0ub4dor"), "the page repeats the password")
        #expect(try client.get("/admin").status == 302)

        let empty = try client.post("/admin/login", fields: [("name", "admin"), ("password", "")])
        #expect(empty.status == 400)
        #expect(empty.body.contains("Enter both your admin name and your password."))
    }

    @Test("failed sign-ins lock the name")
    func signInLockout() throws {
        let harness = try start()
        let client = harness.client
        for attempt in 1...5 {
            #expect(try client.signIn(password: "wrong-\(attempt)").status == 401)
        }
        let locked = try client.signIn()
        #expect(locked.status == 429, "\(locked)")
        #expect(locked.body.contains("Too many failed sign-ins for &#39;admin&#39;. Wait 15 minutes and try again."))
        #expect(locked.headers["set-cookie"] == nil)
    }

    @Test("sign-in sets a strict session cookie", arguments: [false, true])
    func sessionCookie(secure: Bool) throws {
        let harness = try start(secureCookies: secure)
        let client = harness.client
        let login = try client.signIn()
        #expect(login.status == 303)
        #expect(login.headers["location"] == "/admin")
        let cookie = try #require(login.headers["set-cookie"])
        let match = try #require(cookie.firstMatch(of: #/^rollbook_admin=([A-Za-z0-9_-]{43}); /#), "\(cookie)")
        #expect(!match.1.isEmpty)
        #expect(cookie.contains("; Path=/admin; HttpOnly; SameSite=Strict"))
        #expect(cookie.hasSuffix("; Secure") == secure, "\(cookie)")

        // curl keeps a Secure cookie only for https, so the plain-http dashboard is checked without it.
        guard !secure else { return }
        let page = try client.get("/admin")
        #expect(page.status == 200)
        #expect(
            page.headers["content-security-policy"]
                == "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
                + "frame-ancestors 'none'")
        #expect(page.headers["x-frame-options"] == "DENY")
        #expect(page.headers["cache-control"] == "no-store")
        #expect(page.headers["content-type"] == "text/html; charset=utf-8")
        #expect(page.body.contains("Signed in as admin"))
    }

    @Test("posts without CSRF token are rejected")
    func csrfRejected() throws {
        let harness = try start()
        let fixture = harness.fixture
        let server = harness.server
        let client = harness.client
        try client.signIn()
        let other = CurlClient(base: server.base, directory: fixture.directory)
        try other.signIn()
        let mine = try #require(try client.get("/admin").csrfToken)
        let theirs = try #require(try other.get("/admin").csrfToken)
        #expect(mine != theirs)

        let missing = try client.post("/admin/districts/d/sync")
        #expect(missing.status == 403)
        #expect(missing.body.contains("security token is missing or does not belong to your session"))
        let foreign = try client.post("/admin/districts/d/sync", fields: [("csrf", theirs)])
        #expect(foreign.status == 403)
        let crossSite = try client.post(
            "/admin/districts/d/sync", fields: [("csrf", mine)], headers: ["Origin: http://evil.example"])
        #expect(crossSite.status == 403)
        #expect(crossSite.body.contains("The request came from &#39;http://evil.example&#39;"))
        let approve = try client.post("/admin/runs/\(fixture.heldRun)/approve", fields: [("csrf", theirs)])
        #expect(approve.status == 403)
        #expect(server.control.triggerCount == 0)
        let store = try SnapshotStore(path: fixture.storePath)
        #expect(try store.run(fixture.heldRun)?.status == .held)

        let sameSite = try client.post(
            "/admin/districts/d/sync", fields: [("csrf", mine)], headers: ["Origin: \(server.base)"])
        #expect(sameSite.status == 303, "\(sameSite)")
        #expect(server.control.triggerCount == 1)
    }

    @Test("sync now starts once, rejects second")
    func syncNow() throws {
        let harness = try start()
        let server = harness.server
        let client = harness.client
        try client.signIn()
        let token = try #require(try client.get("/admin").csrfToken)

        let first = try client.post("/admin/districts/d/sync", fields: [("csrf", token)])
        #expect(first.status == 303)
        #expect(first.headers["location"] == "/admin")
        #expect(first.seconds < 1, "the sync request took \(first.seconds) s")
        let dashboard = try client.get("/admin")
        #expect(dashboard.body.contains("A sync of d started. Its progress shows below."))
        #expect(dashboard.body.contains("<span class=\"badge status-running\">running</span>"))
        #expect(dashboard.body.contains("reading <code>users.csv</code>: <span class=\"rows\">12,345</span> rows"))
        #expect(try client.get("/admin").body.contains("A sync of d started") == false, "the message shows twice")

        let second = try client.post("/admin/districts/d/sync", fields: [("csrf", token)])
        #expect(second.status == 409)
        #expect(second.body.contains("Nothing was started: a sync of d is already running."))
        #expect(server.control.triggerCount == 1)
        #expect(server.control.state.withLock { $0.triggers.first?.reason } == "admin page, signed in as admin")

        let unknown = try client.post("/admin/districts/nowhere/sync", fields: [("csrf", token)])
        #expect(unknown.status == 404)
        #expect(unknown.body.contains("There is no district &#39;nowhere&#39;; configured: d."))
        server.control.state.withLock { $0.stopping = true }
        #expect(try client.post("/admin/districts/d/sync", fields: [("csrf", token)]).status == 503)
        #expect(try client.get("/admin/districts/d/sync").status == 405)
    }

    @Test("approve publishes the held run")
    func approve() throws {
        let harness = try start()
        let fixture = harness.fixture
        let client = harness.client
        try client.signIn()
        let page = try client.get("/admin/runs/\(fixture.heldRun)")
        #expect(page.status == 200)
        #expect(page.body.contains("<span class=\"badge status-held\">held</span>"))
        #expect(page.body.contains("Approve and publish"))
        #expect(page.body.contains("<tr><td>users</td><td class=\"number\">0</td>"))
        #expect(page.body.contains("users removed: <code>s-2</code>, <code>s-3</code>"))
        let token = try #require(page.csrfToken)
        let before = try SnapshotStore(path: fixture.storePath).deliveries(app: "vendor").count

        let approved = try client.post("/admin/runs/\(fixture.heldRun)/approve", fields: [("csrf", token)])
        #expect(approved.status == 303, "\(approved)")
        #expect(approved.headers["location"] == "/admin/runs/\(fixture.heldRun)")
        let store = try SnapshotStore(path: fixture.storePath)
        #expect(try store.run(fixture.heldRun)?.status == .committed)
        #expect(try store.lastPublishedRun(district: "d") == fixture.heldRun)
        #expect(try store.liveCount(district: "d", entity: .users) == 5)
        #expect(try store.deliveries(app: "vendor").count == before + 1, "the app's export did not run")

        let after = try client.get("/admin/runs/\(fixture.heldRun)")
        #expect(after.body.contains("Run \(fixture.heldRun) of district d is approved and published."))
        #expect(after.body.contains("App vendor, district d: view updated"))
        #expect(!after.body.contains("Approve and publish"))

        let again = try client.post("/admin/runs/\(fixture.heldRun)/approve", fields: [("csrf", token)])
        #expect(again.status == 409)
        #expect(again.body.contains("Run \(fixture.heldRun) is committed; only held or blocked runs can be approved"))
    }

    @Test("discard keeps the snapshot")
    func discard() throws {
        let harness = try start()
        let fixture = harness.fixture
        let client = harness.client
        try client.signIn()
        let token = try #require(try client.get("/admin/runs/\(fixture.heldRun)").csrfToken)
        let discarded = try client.post("/admin/runs/\(fixture.heldRun)/discard", fields: [("csrf", token)])
        #expect(discarded.status == 303)
        let store = try SnapshotStore(path: fixture.storePath)
        #expect(try store.run(fixture.heldRun)?.status == .discarded)
        #expect(try store.lastPublishedRun(district: "d") == 1)
        #expect(try store.liveCount(district: "d", entity: .users) == 7)
        let page = try client.get("/admin/runs/\(fixture.heldRun)")
        #expect(page.body.contains("is discarded; the snapshot is unchanged."))
    }

    @Test("unknown runs are 404")
    func unknownRun() throws {
        let harness = try start()
        let client = harness.client
        try client.signIn()
        for id in ["999", "0", "abc", "-1"] {
            let page = try client.get("/admin/runs/\(id)")
            #expect(page.status == 404, "\(id)")
            #expect(page.body.contains("There is no run &#39;\(id)&#39;"), "\(id)")
            #expect(try client.get("/admin/runs/\(id)/report").status == 404)
        }
        let token = try #require(try client.get("/admin").csrfToken)
        #expect(try client.post("/admin/runs/999/approve", fields: [("csrf", token)]).status == 404)
        #expect(try client.get("/admin/apps/nobody/audit").status == 404)
    }

    @Test("district name is escaped")
    func escaping() throws {
        let harness = try start(districtName: "<script>alert(\"x\")</script> & Co")
        let client = harness.client
        try client.signIn()
        let page = try client.get("/admin")
        #expect(page.body.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co"))
        #expect(!page.body.contains("<script"))
        let apps = try client.get("/admin/apps")
        #expect(apps.body.contains("Vendor &lt;Apps&gt;"))
        #expect(!apps.body.contains("<Apps>"))
    }

    @Test("report and apps pages")
    func reportAndApps() throws {
        let harness = try start()
        let fixture = harness.fixture
        let client = harness.client
        try client.signIn()
        let report = try client.get("/admin/runs/\(fixture.heldRun)/report")
        #expect(report.status == 200)
        #expect(report.body.hasPrefix("<!DOCTYPE html>"))
        #expect(report.body.contains("Data-quality report"))
        #expect(report.headers["content-security-policy"]?.hasPrefix("default-src 'none'") == true)
        let dashboard = try client.get("/admin")
        #expect(dashboard.body.contains("<a href=\"/admin/runs/\(fixture.heldRun)/report\">report</a>"))
        #expect(dashboard.body.contains("Waiting for a decision"))

        let apps = try client.get("/admin/apps")
        #expect(apps.status == 200)
        #expect(apps.body.contains("<span class=\"badge status-committed\">delivered</span>"))
        #expect(apps.body.firstMatch(of: /vendor-d-bulk-\d+-[^<]*\.zip/) != nil, "no package file: \(apps.body)")
        let audit = try client.get("/admin/apps/vendor/audit")
        #expect(audit.status == 200)
        #expect(audit.body.contains("<td>csv:nightly</td>"))
    }

    @Test("sign-out ends the session")
    func signOut() throws {
        let harness = try start()
        let client = harness.client
        try client.signIn()
        let token = try #require(try client.get("/admin").csrfToken)
        let cookie = try #require(
            (try String(contentsOfFile: client.jar, encoding: .utf8)).firstMatch(of: /rollbook_admin\t(\S+)/))
        let out = try client.post("/admin/logout", fields: [("csrf", token)])
        #expect(out.status == 303)
        #expect(out.headers["location"] == "/admin/login")
        #expect(
            out.headers["set-cookie"]?.contains("rollbook_admin=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0")
                == true)
        // The old id is dead on the server even when a client keeps sending it.
        let replay = try client.get("/admin", headers: ["Cookie: rollbook_admin=\(cookie.1)"])
        #expect(replay.status == 302)
    }
}
