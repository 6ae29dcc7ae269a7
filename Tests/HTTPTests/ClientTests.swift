import Foundation
import Synchronization
import Testing

@testable import HTTP

/// A request counter; `next()` returns 1 for the first request.
private final class Counter: Sendable {
    let value = Atomic<Int>(0)

    func next() -> Int { value.add(1, ordering: .relaxed).newValue }
}

/// Starts a server on 127.0.0.1 with the routes that the client tests call.
private func startClientServer(flakyCount: Counter) throws -> HTTPServer {
    var router = Router()
    router.add("GET", "/hello") { request, _ in
        var response = HTTPResponse.text("hello \(request.headers["x-name"] ?? "nobody")")
        response.headers.add(name: "X-Served-By", value: "test")
        return response
    }
    router.add("POST", "/echo") { request, _ in
        .text("\(request.headers["content-type"] ?? "")|\(String(decoding: request.body, as: UTF8.self))")
    }
    router.add("GET", "/moved") { _, _ in
        var response = HTTPResponse(status: 302)
        response.headers.add(name: "Location", value: "/hello")
        return response
    }
    router.add("GET", "/flaky") { _, _ in
        flakyCount.next() <= 3 ? HTTPResponse.text("busy", status: 503) : .text("ok")
    }
    router.add("GET", "/large") { _, _ in
        HTTPResponse(status: 200, body: [UInt8](repeating: UInt8(ascii: "x"), count: 64 * 1024))
    }
    let server = HTTPServer(port: 0, handler: router.handle)
    try server.start()
    return server
}

/// Returns a port on 127.0.0.1 that nothing listens on, found by starting a server on port 0 and stopping it.
private func closedPort() throws -> UInt16 {
    let server = HTTPServer(port: 0, handler: { _ in HTTPResponse(status: 204) })
    try server.start()
    let port = server.port
    server.stop()
    return port
}

@Suite(.serialized) struct ClientTests {
    private let fastRetries = HTTPPolicy(backoffBase: 0.01, backoffMaximum: 0.05)

    @Test func getReturnsStatusHeadersBody() throws {
        let server = try startClientServer(flakyCount: Counter())
        defer { server.stop() }
        let request = HTTPClientRequest(
            url: "http://127.0.0.1:\(server.port)/hello", headers: [(name: "X-Name", value: "ada")], timeout: 5)

        let response = try HTTPClient.send(request, policy: fastRetries).get()

        #expect(response.status == 200)
        #expect(response.headers["x-served-by"] == "test")
        #expect(String(decoding: response.body, as: UTF8.self) == "hello ada")
    }

    @Test func postSendsBody() throws {
        let server = try startClientServer(flakyCount: Counter())
        defer { server.stop() }
        let request = HTTPClientRequest(
            method: "POST", url: "http://127.0.0.1:\(server.port)/echo",
            headers: [(name: "Content-Type", value: "application/x-www-form-urlencoded")], body: Array("a=1&b=2".utf8),
            timeout: 5)

        let response = try HTTPClient.send(request, policy: fastRetries).get()

        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "application/x-www-form-urlencoded|a=1&b=2")
    }

    @Test func redirectReturnedByDefault() throws {
        let server = try startClientServer(flakyCount: Counter())
        defer { server.stop() }
        let url = "http://127.0.0.1:\(server.port)/moved"

        let unfollowed = try HTTPClient.send(HTTPClientRequest(url: url, timeout: 5), policy: fastRetries).get()
        let followed = try HTTPClient.send(
            HTTPClientRequest(url: url, timeout: 5, followsRedirects: true), policy: fastRetries
        ).get()

        #expect(unfollowed.status == 302)
        #expect(unfollowed.headers["location"] == "/hello")
        #expect(followed.status == 200)
        #expect(String(decoding: followed.body, as: UTF8.self) == "hello nobody")
    }

    @Test func retriesReportedThroughClosure() throws {
        let counter = Counter()
        let server = try startClientServer(flakyCount: counter)
        defer { server.stop() }
        let request = HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/flaky", timeout: 5, retries: 5)
        var retries: [HTTPClient.Retry] = []

        let response = try HTTPClient.send(request, policy: fastRetries) { retries.append($0) }.get()

        #expect(response.status == 200)
        #expect(retries.map(\.attempt) == [1, 2, 3])
        #expect(retries.allSatisfy { $0.reason == "status 503" })
        #expect(retries.allSatisfy { $0.delay <= 0.05 })
    }

    @Test func retriesStopAtLimit() throws {
        let server = try startClientServer(flakyCount: Counter())
        defer { server.stop() }
        let request = HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/flaky", timeout: 5, retries: 1)

        let response = try HTTPClient.send(request, policy: fastRetries).get()

        #expect(response.status == 503)
    }

    @Test func closedPortFailsAsConnection() throws {
        let port = try closedPort()
        let request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/", timeout: 2, connectTimeout: 1)

        let result = HTTPClient.send(request, policy: fastRetries)

        guard case .failure(let failure) = result else {
            Issue.record("expected a failure, got \(result)")
            return
        }
        #expect(failure.code == "http.connection_failed")
        #expect(failure.isTransient)
        #expect(failure.description.contains("127.0.0.1"))
    }

    @Test func bodyOverLimitFails() throws {
        let server = try startClientServer(flakyCount: Counter())
        defer { server.stop() }
        let policy = HTTPPolicy(maximumBodySize: 16 * 1024)
        let request = HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/large", timeout: 5)

        let result = HTTPClient.send(request, policy: policy)

        guard case .failure(let failure) = result else {
            Issue.record("expected a failure, got \(result)")
            return
        }
        #expect(failure.code == "http.body_too_large")
        #expect(failure.description == "the response body is larger than the limit of 16 KiB")
        #expect(!failure.isTransient)
    }

    @Test func unsupportedSchemeRejected() throws {
        let request = HTTPClientRequest(url: "ftp://127.0.0.1/file", timeout: 2)

        let result = HTTPClient.send(request, policy: fastRetries)

        guard case .failure(let failure) = result else {
            Issue.record("expected a failure, got \(result)")
            return
        }
        #expect(failure.code == "http.invalid_request")
    }

    @Test func redactedDropsQueryAndFragment() {
        #expect(HTTPClient.redacted("https://idp.example.net/token?code=abc#frag") == "https://idp.example.net/token")
        #expect(HTTPClient.redacted("https://idp.example.net/#x") == "https://idp.example.net/")
    }
}
