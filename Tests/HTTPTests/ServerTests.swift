import Foundation
import Synchronization
import Testing

@testable import HTTP

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Runs curl to completion with a 10-second cap and returns its standard output and exit status.
private func curl(_ arguments: [String]) throws -> (output: String, status: Int32) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    process.arguments = ["--silent", "--max-time", "10"] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (String(decoding: data, as: UTF8.self), process.terminationStatus)
}

private func startServer(
    configuration: HTTPServerConfiguration = HTTPServerConfiguration(), router: Router
) throws -> HTTPServer {
    let server = HTTPServer(port: 0, handler: router.handle, configuration: configuration)
    try server.start()
    return server
}

private func echoRouter() -> Router {
    var router = Router()
    router.add("GET", "/echo/{name}") { request, match in
        let items = request.queryItems.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
        return .json(
            "{\"name\":\"\(match.parameters["name"] ?? "")\",\"query\":\"\(items)\","
                + "\"agent\":\"\(request.headers["user-agent"] ?? "")\",\"remote\":\"\(request.remoteAddress)\"}")
    }
    router.add("POST", "/echo/{name}") { request, _ in
        .text("\(request.headers["content-type"] ?? "")|\(String(decoding: request.body, as: UTF8.self))")
    }
    return router
}

/// A flag a handler sets and a test reads.
private final class Flag: Sendable {
    let value = Atomic<Bool>(false)
}

@Suite(.serialized) struct ServerTests {
    @Test func getWithQueryAndEncodedPath() throws {
        let server = try startServer(router: echoRouter())
        defer { server.stop() }
        #expect(server.port != 0)

        let result = try curl(["-A", "probe/1", "http://127.0.0.1:\(server.port)/echo/a%2Fb%20c?x=1&y=two+words"])
        #expect(result.status == 0)
        #expect(
            result.output
                == "{\"name\":\"a/b c\",\"query\":\"x=1,y=two words\",\"agent\":\"probe/1\",\"remote\":\"127.0.0.1\"}")
    }

    @Test func postBodyReachesHandler() throws {
        let server = try startServer(router: echoRouter())
        defer { server.stop() }

        let result = try curl([
            "-H", "Content-Type: application/x-www-form-urlencoded", "--data", "grant_type=client_credentials",
            "http://127.0.0.1:\(server.port)/echo/token",
        ])
        #expect(result.output == "application/x-www-form-urlencoded|grant_type=client_credentials")
    }

    @Test func headSendsNoBody() throws {
        let server = try startServer(router: echoRouter())
        defer { server.stop() }

        let result = try curl(["--head", "http://127.0.0.1:\(server.port)/echo/x"])
        #expect(result.output.hasPrefix("HTTP/1.1 200"))
        #expect(result.output.contains("Content-Type: application/json"))
        #expect(!result.output.contains("{"))
    }

    @Test func statusCodesFor404And405() throws {
        let server = try startServer(router: echoRouter())
        defer { server.stop() }

        let missing = try curl(["-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(server.port)/nope"])
        #expect(missing.output == "404")
        let wrongMethod = try curl(["-i", "-X", "DELETE", "http://127.0.0.1:\(server.port)/echo/x"])
        #expect(wrongMethod.output.hasPrefix("HTTP/1.1 405"))
        #expect(wrongMethod.output.contains("Allow: GET, HEAD, POST"))
    }

    @Test func oversizedBodyIs413() throws {
        var configuration = HTTPServerConfiguration()
        configuration.maxBodyBytes = 1000
        let server = try startServer(configuration: configuration, router: echoRouter())
        defer { server.stop() }

        let url = "http://127.0.0.1:\(server.port)/echo/big"
        let large = try curl([
            "-o", "/dev/null", "-w", "%{http_code}", "--data", String(repeating: "a", count: 5000), url,
        ])
        #expect(large.output == "413")
        let fitting = try curl(["--data", String(repeating: "b", count: 1000), url])
        #expect(fitting.output.hasSuffix(String(repeating: "b", count: 1000)))
        // A chunked body declares no length, so the limit applies while it is read.
        let chunked = try curl([
            "-o", "/dev/null", "-w", "%{http_code}", "-H", "Transfer-Encoding: chunked", "--data",
            String(repeating: "c", count: 5000), url,
        ])
        #expect(chunked.output == "413")
    }

    @Test func keepAliveReusesConnection() throws {
        let server = try startServer(router: echoRouter())
        defer { server.stop() }

        let url = "http://127.0.0.1:\(server.port)/echo/k"
        let result = try curl([
            "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null", "-w", "%{num_connects}\n", url, url, url,
        ])
        // curl prints how many new connections each transfer opened: one for the first, none after.
        #expect(result.output == "1\n0\n0\n")
    }

    @Test func concurrentRequestsAllSucceed() async throws {
        var configuration = HTTPServerConfiguration()
        configuration.threadCount = 4
        let server = try startServer(configuration: configuration, router: echoRouter())
        defer { server.stop() }

        let port = server.port
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<50 {
                group.addTask {
                    let url = try #require(URL(string: "http://127.0.0.1:\(port)/echo/n\(index)"))
                    let (data, response) = try await URLSession.shared.data(from: url)
                    let text = String(decoding: data, as: UTF8.self)
                    return text.contains("\"n\(index)\"") ? (response as? HTTPURLResponse)?.statusCode ?? 0 : -1
                }
            }
            var collected: [Int] = []
            for try await status in group { collected.append(status) }
            return collected
        }
        #expect(statuses.count == 50)
        #expect(statuses.allSatisfy { $0 == 200 })
    }

    @Test func stopLetsSlowRequestFinish() async throws {
        let entered = Flag()
        var router = Router()
        router.add("GET", "/slow") { _, _ in
            entered.value.store(true, ordering: .releasing)
            usleep(400_000)
            return .text("done")
        }
        let server = try startServer(router: router)
        let port = server.port
        let url = try #require(URL(string: "http://127.0.0.1:\(port)/slow"))
        let pending = Task { try await URLSession.shared.data(from: url) }

        for _ in 0..<200 where !entered.value.load(ordering: .acquiring) {
            try await Task.sleep(for: .milliseconds(10))
        }
        let handlerEntered = entered.value.load(ordering: .acquiring)
        #expect(handlerEntered)
        server.stop()

        let (data, response) = try await pending.value
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: data, as: UTF8.self) == "done")
        #expect(server.port == 0)
        let refused = try curl(["-o", "/dev/null", "http://127.0.0.1:\(port)/slow"])
        #expect(refused.status == 7)
    }

    @Test func invalidHostIsRejected() {
        let server = HTTPServer(host: "localhost", port: 0) { _ in .text("") }
        #expect(throws: HTTPServerError.self) { try server.start() }
        do {
            try server.start()
        } catch {
            #expect(error.identifier == "invalid_address")
            #expect(error.description.contains("'localhost'"))
        }
    }

    @Test func secondStartIsRejected() throws {
        let server = try startServer(router: echoRouter())
        defer { server.stop() }
        do {
            try server.start()
            Issue.record("second start() returned without an error")
        } catch {
            #expect(error.identifier == "already_started")
        }
    }
}
