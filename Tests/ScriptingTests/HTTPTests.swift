import Foundation
import HTTP
import Testing

@testable import Scripting

@Suite(.serialized) struct HTTPTests {
    let server: LocalHTTPServer
    let logger = RecordingLogger()

    init() throws {
        server = try LocalHTTPServer()
    }

    private func run(_ source: String, hook: (any HTTPExchangeHook)? = nil) throws -> [LuaValue] {
        let policy = HTTPPolicy(backoffBase: 0.01, backoffMaximum: 2)
        let runtime = try LuaRuntime(configuration: .init(logger: logger, http: policy, httpHook: hook))
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

    @Test func signRunsBeforeEveryAttempt() throws {
        let results = try run(
            """
            local calls = {}
            local response = rollbook.http.request{
                url = base .. "/fail-twice/sign", headers = { ["x-signature"] = "static" },
                sign = function(request)
                    calls[#calls + 1] = request.method .. " " .. request.attempt .. " " .. request.url
                    return { ["X-Signature"] = "signature-" .. request.attempt }
                end,
            }
            local echo = rollbook.json.decode(response.body)
            return response.status, table.concat(calls, "|"), table.concat(echo.seen, "|")
            """)
        let url = "\(server.base)/fail-twice/sign"
        #expect(results.count == 3)
        #expect(results.first == 200)
        #expect(results.dropFirst().first == .string("GET 1 \(url)|GET 2 \(url)|GET 3 \(url)"))
        // The header of the same name in `headers` is replaced, not sent a second time.
        #expect(results.last == "signature-1|signature-2|signature-3")
        #expect(logger.lines.filter { $0.message == "retrying HTTP request" }.count == 2)
    }

    @Test func signRunsAfterConnectionError() throws {
        let url = "http://127.0.0.1:\(server.closedPort)/x"
        let results = try run(
            """
            local attempts = {}
            local response, err = rollbook.http.request{
                url = "\(url)", retries = 1,
                sign = function(request)
                    attempts[#attempts + 1] = request.attempt
                    return { ["X-Signature"] = "signature-" .. request.attempt }
                end,
            }
            return response, table.concat(attempts, ",")
            """)
        #expect(results.first == .nil)
        #expect(results.last == "1,2")
    }

    @Test func signKeepsOtherHeaders() throws {
        let results = try run(
            """
            local response = rollbook.http.request{
                method = "POST", url = base .. "/echo", body = "x",
                headers = { ["X-Token"] = "abc", ["Content-Type"] = "text/plain" },
                sign = function(request) return { ["content-type"] = "application/json" } end,
            }
            local echo = rollbook.json.decode(response.body)
            return echo.headers["x-token"], echo.headers["content-type"], echo.body
            """)
        #expect(results == ["abc", "application/json", "x"])
    }

    @Test func signReturningEmptyTableSendsHeaders() throws {
        let results = try run(
            """
            local response = rollbook.http.request{
                url = base .. "/echo", headers = { ["X-Token"] = "abc" },
                sign = function(request) return {} end,
            }
            return rollbook.json.decode(response.body).headers["x-token"]
            """)
        #expect(results == ["abc"])
    }

    @Test func signErrorOnRetryRaises() throws {
        let error = #expect(throws: ScriptError.self) {
            _ = try run(
                """
                return rollbook.http.request{
                    url = base .. "/fail-twice/raise",
                    sign = function(request)
                        if request.attempt == 2 then error("the signing key is locked", 0) end
                        return { ["X-Signature"] = "one" }
                    end,
                }
                """)
        }
        #expect(
            error?.message
                == "rollbook.http.request: field 'sign' raised an error on attempt 2: http.lua:5: the signing key is locked"
        )
        #expect(error?.line == 2)
    }

    @Test func signReturningStringRaises() throws {
        let error = #expect(throws: ScriptError.self) {
            _ = try run("return rollbook.http.request{ url = base .. '/echo', sign = function() return 'token' end }")
        }
        #expect(
            error?.message
                == "rollbook.http.request: field 'sign' returned a string on attempt 1; "
                + "expected a table of header name = value strings")
    }

    @Test func signReturningBadHeaderRaises() throws {
        let error = #expect(throws: ScriptError.self) {
            _ = try run(
                "return rollbook.http.request{ url = base .. '/echo', sign = function() return { Date = 5 } end }")
        }
        #expect(
            error?.message
                == "rollbook.http.request: header 'Date' in the result of field 'sign' must map a name to a "
                + "one-line string")
    }

    @Test func signThatIsNotFunctionRaises() throws {
        let error = #expect(throws: ScriptError.self) {
            _ = try run("return rollbook.http.request{ url = base .. '/echo', sign = 'OAuth abc' }")
        }
        #expect(error?.message == "rollbook.http.request: field 'sign' must be a function, not a string")
    }

    @Test func hookSeesSignedRequests() throws {
        let hook = RequestCapturingHook()
        let results = try run(
            """
            local count = 0
            return rollbook.http.request{
                url = base .. "/fail-twice/hook",
                sign = function(request)
                    count = count + 1
                    return { ["X-Signature"] = "signature-" .. request.attempt }
                end,
            }.status, count
            """, hook: hook)
        // The first attempt is signed once, before the hook looks up a stored response.
        #expect(results == [200, 3])
        #expect(hook.lookups.map { $0.signature } == ["signature-1"])
        #expect(hook.received.map { $0.signature } == ["signature-3"])
    }

    @Test func nonStringFieldNameRaises() throws {
        let error = #expect(throws: ScriptError.self) {
            _ = try run("return rollbook.http.request{ base .. '/echo', sign = function() return {} end }")
        }
        #expect(error?.message.hasPrefix("rollbook.http.request: unknown field '1'; expected one of") == true)
    }
}

/// A hook that lets every request go to the network and keeps the requests passed to it.
private final class RequestCapturingHook: HTTPExchangeHook {
    var lookups: [HTTPClientRequest] = []
    var received: [HTTPClientRequest] = []

    func response(for request: HTTPClientRequest) throws -> HTTPClientResponse? {
        lookups.append(request)
        return nil
    }

    func didReceive(_ response: HTTPClientResponse, for request: HTTPClientRequest) throws {
        received.append(request)
    }
}

extension HTTPClientRequest {
    /// The value of the `X-Signature` header, or nil.
    fileprivate var signature: String? {
        headers.first { $0.name.lowercased() == "x-signature" }?.value
    }
}
