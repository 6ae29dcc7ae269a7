import Foundation
import Testing

private let generatorPresent = sharedCase("B31").map {
    FileManager.default.fileExists(atPath: $0 + "/make_big_district.py")
}
private let python = pythonWithModules(["csv"])

/// Reads the rows of a CSV file whose fields contain no quotes or commas, without its header row.
private func plainCSVRows(_ path: String) throws -> [[Substring]] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    return text.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
}

/// A full-size district (200,000 users, 8,000 classes, 1,008,000 enrollments) synced from the admin page of a
/// running service, then read through the REST API while the numbers are large.
///
/// The whole size is used because a debug build syncs it in about 35 s on a 2-core machine, within the
/// 120-second bound below.
@Suite(
    .serialized, .enabled(if: generatorPresent == true, "the shared big-district generator is absent"),
    .enabled(if: python != nil, "python3 is not installed"))
struct ServiceCaseBigDistrictTests {
    static let secret = "prairie-client-secret"

    @Test func adminSyncThenDeepPages() throws {
        let generator = try #require(sharedCase("B31")) + "/make_big_district.py"
        let setup = try APIServiceSetup(package: nil)
        let package = setup.directory.file("prairie")
        let generated = try runPython(
            try #require(python), script: "import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0])",
            arguments: [generator, package], timeout: 60)
        try #require(generated.status == 0, "the generator failed: \(generated)")
        let users = try plainCSVRows(package + "/users.csv").map { String($0[0]) }.sorted()
        let enrollmentRows = try plainCSVRows(package + "/enrollments.csv")
        let enrollments = enrollmentRows.map { String($0[0]) }.sorted()
        let classStudents = Set(
            enrollmentRows.filter { $0[3] == "cls-07999" && $0[6] == "student" }.map { String($0[5]) })
        try #require(users.count == 200_000 && enrollments.count == 1_008_000 && classStudents.count == 125)

        try setup.writeMapping(shareAllMapping, name: "all")
        let passwordHash = try hashSecret(FakeServiceControl.adminPassword)
        let client = APIClientSpec(id: "prairie-api", secretHash: try hashSecret(Self.secret))
        try setup.writeConfig(
            apps: [APIAppSpec(id: "vendor", mapping: "all", clients: [client])],
            server: "admins = { { name = \"admin\", password_hash = \(luaQuoted(passwordHash)) } }",
            districtID: "prairie", package: package)
        let service = try setup.start()
        let admin = CurlClient(base: service.baseURL, directory: setup.directory)
        #expect(try admin.signIn().status == 303)

        // Step 1: the sync button returns a redirect at once, while the sync goes on in the background.
        let dashboard = try admin.get("/admin")
        let csrf = try #require(dashboard.csrfToken, "the dashboard has no form")
        let started = try admin.post("/admin/districts/prairie/sync", fields: [("csrf", csrf)])
        #expect(started.status == 303, "\(started)")
        #expect(started.headers["location"] == "/admin")
        #expect(started.seconds < 10)
        print("big district step 1: POST sync responded \(started.status) in \(started.seconds) s")

        // Step 2: the dashboard shows the run, and its row count once it reads a file. It is polled for up to 20 s.
        var progress = try admin.get("/admin")
        #expect(progress.body.contains("running"))
        let progressDeadline = Date().addingTimeInterval(20)
        while !progress.body.contains("rows so far") && Date() < progressDeadline {
            usleep(200_000)
            progress = try admin.get("/admin")
        }
        #expect(progress.body.contains("rows so far"), "no progress on the dashboard: \(progress.body.prefix(2000))")

        // Step 3: a second press while the first sync runs is rejected and starts no run.
        let again = try admin.post("/admin/districts/prairie/sync", fields: [("csrf", csrf)])
        #expect(again.status == 409, "\(again)")
        #expect(again.body.contains("a sync of prairie is already running"))
        #expect(try sqlite(setup.store, "SELECT count(*) FROM runs") == "1")

        let finished = try service.waitForLog(message: "sync finished", timeout: 120)
        #expect(finished["outcome"] as? String == "committed", "\(finished)")
        #expect(try sqlite(setup.store, "SELECT count(*) FROM runs") == "1")
        #expect(try sqlite(setup.store, "SELECT status FROM runs") == "committed")

        // Step 4: deep pages of the committed view, through the app's client.
        let token = try accessToken(service.baseURL, client: "prairie-api", secret: Self.secret)
        let api = CurlClient(base: service.baseURL + "/ims/oneroster/v1p1", directory: setup.directory)
        let bearer = ["Authorization: Bearer \(token)"]

        let userPage = try api.get("/users?limit=1000&offset=199000", headers: bearer)
        #expect(userPage.status == 200)
        #expect(userPage.headers["x-total-count"] == "200000")
        #expect(userPage.sourcedIds("users") == Array(users[199_000..<200_000]))
        #expect(userPage.seconds < 10)

        let students = try api.get("/classes/cls-07999/students", headers: bearer)
        #expect(students.status == 200)
        #expect(students.headers["x-total-count"] == "125")
        let studentIds = students.sourcedIds("users") ?? []
        #expect(!studentIds.isEmpty)
        #expect(Set(studentIds).isSubset(of: classStudents))
        #expect(studentIds == Array(classStudents.sorted().prefix(studentIds.count)))
        #expect(students.seconds < 10)

        let enrollmentPage = try api.get("/enrollments?limit=10000&offset=1000000", headers: bearer)
        #expect(enrollmentPage.status == 200)
        #expect(enrollmentPage.headers["x-total-count"] == "1008000")
        let enrollmentIds = enrollmentPage.sourcedIds("enrollments") ?? []
        #expect(enrollmentIds.count == 8000)
        #expect(enrollmentIds.first == enrollments[1_000_000])
        #expect(enrollmentIds.last == enrollments[1_007_999])
        #expect(enrollmentPage.seconds < 10)
        print(
            "big district step 4: users \(userPage.seconds) s, class students \(students.seconds) s, "
                + "enrollments \(enrollmentPage.seconds) s")

        service.signal(SIGTERM)
        #expect(service.waitForExit(timeout: 10) == 0)
    }
}
