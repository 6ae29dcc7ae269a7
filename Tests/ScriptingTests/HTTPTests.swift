import Foundation
import Testing

@testable import Scripting

@Suite(.serialized) struct HTTPTests {
    let server: LocalHTTPServer
    let logger = RecordingLogger()

    init() throws {
        server = try LocalHTTPServer()
    }

    private func run(_ source: String) throws -> [LuaValue] {
        let policy = HTTPPolicy(backoffBase: 0.01, backoffMaximum: 2)
        let runtime = try LuaRuntime(configuration: .init(logger: logger, http: policy))
        return try runtime.run(source: "local base = '\(server.base)'\n" + source, name: "http.lua")
    }

    @Test func getSendsHeaders() throws {
        let results = try run(
            """
            local response = rollbook.http.request{ url = base .. "/echo?x=1", headers = { ["X-Token"] = "abc" } }
            local echo = rollbook.json.decode(response.body)
            return response.status, echo.method, echo.path, echo.headers["x-token"], response.headers["x-served-by"]
            """)
        #expect(results == [200, "GET", "/echo?x=1", "abc", "test"])
    }

    @Test func postSendsBody() throws {
        let results = try run(
            """
            local response = rollbook.http.request{ method = "POST", url = base .. "/echo",
                headers = { ["Content-Type"] = "application/json" }, body = '{"a":1}' }
            local echo = rollbook.json.decode(response.body)
            return response.status, echo.method, echo.body, echo.headers["content-type"]
            """)
        #expect(results == [200, "POST", #"{"a":1}"#, "application/json"])
    }

    @Test func serviceUnavailableIsRetried() throws {
        let results = try run(
            """
            local response = rollbook.http.request{ url = base .. "/flaky/one" }
            return response.status
            """)
        #expect(results == [200])
        #expect(logger.lines.contains { $0.message == "retrying HTTP request" && $0.fields["reason"] == "status 503" })
    }

    @Test func noRetriesReturnsLastResponse() throws {
        let results = try run("return rollbook.http.request{ url = base .. '/flaky/two', retries = 0 }.status")
        #expect(results == [503])
    }

    @Test func retryAfterIsHonoured() throws {
        let start = Date()
        let results = try run("return rollbook.http.request{ url = base .. '/limited/one' }.status")
        #expect(results == [200])
        #expect(Date().timeIntervalSince(start) >= 0.9)
        #expect(logger.lines.last?.fields["delay_seconds"] == "1.0")
    }

    @Test func timeoutReturnsNilAndMessage() throws {
        let start = Date()
        let results = try run("return rollbook.http.request{ url = base .. '/slow', timeout = 0.5, retries = 0 }")
        #expect(results.first == .nil)
        #expect(
            results.last?.stringValue?.hasPrefix("HTTP GET \(server.base)/slow failed: Timeout was reached") == true)
        #expect(Date().timeIntervalSince(start) < 2.5)
    }

    @Test func refusedConnectionReturnsNilAndMessage() throws {
        let url = "http://127.0.0.1:\(server.closedPort)/x"
        let results = try run("return rollbook.http.request{ url = '\(url)', retries = 1 }")
        #expect(results.first == .nil)
        #expect(results.last?.stringValue?.hasPrefix("HTTP GET \(url) failed: Couldn't connect to server") == true)
        #expect(logger.lines.filter { $0.message == "retrying HTTP request" }.count == 1)
    }

    @Test func otherSchemesRaise() throws {
        #expect {
            _ = try run("return rollbook.http.request{ url = 'file:///etc/passwd' }")
        } throws: { error in
            (error as? ScriptError)?.message
                == "rollbook.http.request: url 'file:///etc/passwd' must start with http:// or https://"
        }
    }

    @Test func unknownFieldRaises() throws {
        #expect {
            _ = try run("return rollbook.http.request{ url = base, verify = false }")
        } throws: { error in
            (error as? ScriptError)?.message.hasPrefix("rollbook.http.request: unknown field 'verify'") == true
        }
    }
}
