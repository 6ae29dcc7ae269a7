import Foundation
import Store
import Testing

/// The admin pages in headless Chromium: a real browser signs in through the form, follows the redirects with
/// its cookie, sends its own Origin header and clicks the approve button.
@Suite(
    .enabled(if: HeadlessChromium.path != nil, "chromium is not installed; .ci/install installs it"),
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "/usr/bin/python3 is missing"))
struct AdminChromiumTests {
    @Test("browser signs in and approves")
    func browserFlow() throws {
        let fixture = try AdminStoreFixture()
        let server = try AdminServer(control: FakeServiceControl(config: fixture.config), storePath: fixture.storePath)
        let output = fixture.directory.file("chromium")
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let chromium = try #require(HeadlessChromium.path)
        let driver = try ChromiumDriverProcess.run(
            AdminChromiumDriver.script, name: "drive_admin.py",
            arguments: [
                server.base, output, chromium, FakeServiceControl.adminName, FakeServiceControl.adminPassword,
                String(fixture.heldRun),
            ], in: fixture.directory, timeout: 150)
        try #require(driver.status == 0, "the driver failed: \(driver.errors)")

        for page in ["login", "dashboard", "run", "approved", "apps"] {
            let png = try Data(contentsOf: URL(fileURLWithPath: "\(output)/\(page).png"))
            let size = try #require(pngSize(png), "\(page).png is not a PNG")
            #expect(size.width == 1280, "\(page)")
            #expect(size.height == 900, "\(page)")
            #expect(png.count > 10_000, "\(page).png has only \(png.count) bytes; the page may be blank")
        }
        let dom = { (page: String) in (try? String(contentsOfFile: "\(output)/\(page).html", encoding: .utf8)) ?? "" }
        #expect(dom("login").contains("Sign in to Rollbook"))
        #expect(dom("dashboard").contains("Signed in as admin"))
        #expect(dom("dashboard").contains("<h2>Recent runs</h2>"))
        #expect(dom("run").contains("Approve and publish"))
        #expect(dom("approved").contains("Run \(fixture.heldRun) of district d is approved and published."))
        #expect(dom("apps").contains("Vendor &lt;Apps&gt;"))
        let store = try SnapshotStore(path: fixture.storePath)
        #expect(try store.run(fixture.heldRun)?.status == .committed)

        if let keep = ProcessInfo.processInfo.environment["ROLLBOOK_ADMIN_SCREENSHOTS"] {
            try? FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
            for page in ["login", "dashboard", "run", "approved", "apps"] {
                try? FileManager.default.removeItem(atPath: "\(keep)/\(page).png")
                try FileManager.default.copyItem(atPath: "\(output)/\(page).png", toPath: "\(keep)/\(page).png")
            }
        }
    }
}
