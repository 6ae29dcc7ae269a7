import Foundation
import HTTP
import Runtime
import Synchronization
import Testing

/// A service as the admin pages see it, with a sync queue the test controls and one admin account.
final class FakeServiceControl: ServiceControl {
    static let adminName = "admin"
    static let adminPassword = "correct horse battery"

    struct State {
        var running: [String: Date] = [:]
        var triggers: [(district: String, reason: String)] = []
        var stopping = false
    }

    let config: Config
    let logger = Logger(sink: LogSink(minimum: .error, format: .text))
    let state = Mutex(State())

    init(config: Config) {
        self.config = config
    }

    func triggerSync(district: String, reason: String) -> SyncTrigger {
        state.withLock { state in
            if state.stopping { return .stopping }
            guard config.districts.contains(where: { $0.id == district }) else { return .unknownDistrict(district) }
            if state.running[district] != nil { return .alreadyRunning(district: district) }
            state.running[district] = Date()
            state.triggers.append((district, reason))
            return .started(district: district)
        }
    }

    func activity() -> [DistrictActivity] {
        let running = state.withLock { $0.running }
        return config.districts.map { district in
            guard let started = running[district.id] else { return DistrictActivity(district: district.id) }
            return DistrictActivity(
                district: district.id, running: true, step: "sync", startedAt: started, file: "users.csv", rows: 12_345)
        }
    }

    func verifyAdmin(name: String, password: String) -> Bool {
        name == Self.adminName && password == Self.adminPassword
    }

    var triggerCount: Int { state.withLock { $0.triggers.count } }
}

/// The admin pages on a real HTTP server on 127.0.0.1, stopped when the value is released.
final class AdminServer {
    let server: HTTPServer
    let control: FakeServiceControl

    init(control: FakeServiceControl, storePath: String, secureCookies: Bool = false, baseURL: String? = nil) throws {
        self.control = control
        var router = Router()
        AdminPages(control: control, storePath: storePath, baseURL: baseURL, secureCookies: secureCookies)
            .register(into: &router)
        let routes = router
        server = HTTPServer(port: 0, handler: { routes.handle($0) })
        try server.start()
    }

    deinit {
        server.stop()
    }

    var base: String { "http://127.0.0.1:\(server.port)" }
}

/// One response as curl received it.
struct CurlResponse: CustomStringConvertible {
    var status: Int
    /// Header fields with lower-cased names. A repeated field keeps its last value, except `set-cookie`, whose values
    /// are joined with line feeds.
    var headers: [String: String]
    var body: String
    /// Seconds from the start of curl to the end of the response, as curl measured it.
    var seconds: Double

    var description: String { "HTTP \(status) \(headers["location"] ?? ""): \(body.prefix(600))" }

    /// The CSRF token of the first form on the page.
    var csrfToken: String? {
        guard let match = body.firstMatch(of: /name="csrf" value="([^"]+)"/) else { return nil }
        return String(match.1)
    }
}

/// Runs curl against the admin server with a cookie jar, as a browser user would, bounded in time.
struct CurlClient {
    static let path: String? = ["/usr/bin/curl", "/bin/curl"].first { FileManager.default.isExecutableFile(atPath: $0) }

    let base: String
    let jar: String
    let directory: String

    init(base: String, directory: TemporaryDirectory) {
        self.base = base
        self.directory = directory.path
        jar = directory.file("cookies-\(UUID().uuidString).txt")
    }

    func get(_ path: String, headers: [String] = []) throws -> CurlResponse {
        try run(path, arguments: headers.flatMap { ["-H", $0] })
    }

    /// Posts form fields, encoded by curl, with extra request header lines such as `Origin: http://evil.example`.
    func post(_ path: String, fields: [(String, String)] = [], headers: [String] = []) throws -> CurlResponse {
        var arguments = ["-X", "POST", "-H", "Content-Type: application/x-www-form-urlencoded"]
        arguments += fields.isEmpty ? ["--data-raw", ""] : fields.flatMap { ["--data-urlencode", "\($0.0)=\($0.1)"] }
        return try run(path, arguments: arguments + headers.flatMap { ["-H", $0] })
    }

    /// Signs in as the fake service's admin and returns the sign-in response.
    @discardableResult
    func signIn(password: String = FakeServiceControl.adminPassword) throws -> CurlResponse {
        try post("/admin/login", fields: [("name", FakeServiceControl.adminName), ("password", password)])
    }

    private func run(_ path: String, arguments: [String]) throws -> CurlResponse {
        let executable = try #require(Self.path, "curl is not installed")
        let id = UUID().uuidString
        let headerFile = (directory as NSString).appendingPathComponent("headers-\(id)")
        let bodyFile = (directory as NSString).appendingPathComponent("body-\(id)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments =
            [
                "--silent", "--show-error", "--max-time", "20", "--cookie", jar, "--cookie-jar", jar, "--dump-header",
                headerFile, "--output", bodyFile, "--write-out", "%{http_code} %{time_total}",
            ] + arguments + [base + path]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let written = output.fileHandleForReading.readDataToEndOfFile()
        let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("curl \(path) did not finish within 30 s")
        }
        process.waitUntilExit()

        if process.terminationStatus != 0 {
            let reason = process.terminationReason == .uncaughtSignal ? "signal" : "status"
            Issue.record("curl \(path) ended with \(reason) \(process.terminationStatus): \(problem)")
        }
        let parts = String(decoding: written, as: UTF8.self).split(separator: " ")
        var headers: [String: String] = [:]
        let headerText = (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? ""
        for line in headerText.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { name == "set-cookie" ? $0 + "\n" + value : value } ?? value
        }
        return CurlResponse(
            status: parts.first.flatMap { Int($0) } ?? 0, headers: headers,
            body: (try? String(contentsOfFile: bodyFile, encoding: .utf8)) ?? "",
            seconds: parts.count > 1 ? Double(parts[1]) ?? 0 : 0)
    }
}

/// A store with one district `d` and one app `vendor` with a folder export: run 1 committed, run 2 held because
/// it removes two of seven users.
final class AdminStoreFixture {
    let setup: AppTestSetup
    let config: Config
    let heldRun: Int64

    /// `districtName` is written into config.lua as the district's display name.
    init(districtName: String = "Brookfield District") throws {
        setup = try AppTestSetup()
        try setup.writeMapping(#"return { name = "all", share = { roles = { "student", "teacher" } } }"#)
        let luaName = districtName.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
            of: "\"", with: "\\\"")
        let text = """
            store = "\(setup.storePath)"
            connectors_dir = "\(setup.connectors)"
            safety = { removed = 0.1 }
            districts = { { id = "d", name = "\(luaName)", connector = "oneroster_csv",
                settings = { path = "\(setup.package)" } } }
            apps = { { id = "vendor", name = "Vendor <Apps>", districts = { "d" }, mapping = "vendor",
                exports = { { name = "nightly", type = "csv", version = "1.1", mode = "delta",
                    destination = { type = "folder", path = "out" } } } } }
            """
        try text.write(toFile: setup.config, atomically: true, encoding: .utf8)
        let first = try setup.sync()
        try #require(first.status == 0, "the first sync failed: \(first)")

        setup.district.users.removeAll { $0.hasPrefix("s-2,") || $0.hasPrefix("s-3,") }
        setup.district.enrollments.removeAll { $0.contains(",s-2,") || $0.contains(",s-3,") }
        try setup.rewritePackage()
        let second = try setup.sync()
        try #require(second.firstRun?["status"] as? String == "held", "the second sync was not held: \(second)")
        let run = try #require(second.firstRun?["run"] as? Int, "the held sync names no run: \(second)")
        heldRun = Int64(run)
        config = try Config.load(path: setup.config)
    }

    var storePath: String { setup.storePath }
    var directory: TemporaryDirectory { setup.directory }
}
