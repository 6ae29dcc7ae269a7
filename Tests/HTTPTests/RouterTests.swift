import Testing

@testable import HTTP

struct RouterTests {
    private func makeRouter() -> Router {
        var router = Router()
        router.add("GET", "/users/{id}") { _, match in
            .text("user \(match.parameters["id"] ?? "-") via \(match.template)")
        }
        router.add("GET", "/users/me") { _, _ in .text("me") }
        router.add("POST", "/users/{id}") { _, _ in .text("posted") }
        router.add("GET", "/") { _, _ in .text("root") }
        router.add("GET", "/fail") { _, _ in throw TestFailure() }
        return router
    }

    private struct TestFailure: Error {}

    private func body(_ response: HTTPResponse) -> String {
        String(decoding: response.body, as: UTF8.self)
    }

    @Test func parameterIsDecoded() {
        let response = makeRouter().handle(HTTPRequest(method: "GET", target: "/users/a%2Fb%20c?x=1"))
        #expect(response.status == 200)
        #expect(body(response) == "user a/b c via /users/{id}")
    }

    @Test func literalSegmentWins() {
        let response = makeRouter().handle(HTTPRequest(method: "GET", target: "/users/me"))
        #expect(body(response) == "me")
    }

    @Test func rootPathMatches() {
        #expect(body(makeRouter().handle(HTTPRequest(method: "GET", target: "/"))) == "root")
    }

    @Test func unknownPathIs404() {
        #expect(makeRouter().handle(HTTPRequest(method: "GET", target: "/users")).status == 404)
        #expect(makeRouter().handle(HTTPRequest(method: "GET", target: "/users/1/x")).status == 404)
        #expect(makeRouter().handle(HTTPRequest(method: "GET", target: "/users/")).status == 404)
    }

    @Test func wrongMethodIs405WithAllow() {
        let response = makeRouter().handle(HTTPRequest(method: "DELETE", target: "/users/7"))
        #expect(response.status == 405)
        #expect(response.headers["allow"] == "GET, HEAD, POST")
    }

    @Test func headUsesGetRoute() {
        #expect(body(makeRouter().handle(HTTPRequest(method: "HEAD", target: "/users/me"))) == "me")
    }

    @Test func badPercentEncodingIs400() {
        #expect(makeRouter().handle(HTTPRequest(method: "GET", target: "/users/%zz")).status == 400)
    }

    @Test func throwingHandlerIs500() {
        #expect(makeRouter().handle(HTTPRequest(method: "GET", target: "/fail")).status == 500)
    }

    @Test func queryItemsKeepOrder() {
        let request = HTTPRequest(method: "GET", target: "/p?b=2&a=x+y&a=%C3%A9&flag&bad=%G1")
        #expect(request.path == "/p")
        #expect(request.query == "b=2&a=x+y&a=%C3%A9&flag&bad=%G1")
        let expected = [
            QueryItem(name: "b", value: "2"), QueryItem(name: "a", value: "x y"), QueryItem(name: "a", value: "é"),
            QueryItem(name: "flag", value: ""), QueryItem(name: "bad", value: "%G1"),
        ]
        #expect(request.queryItems == expected)
        #expect(request.queryValue("a") == "x y")
    }

    @Test func headerLookupIgnoresCase() {
        let headers = HTTPHeaders([("Content-Type", "text/plain"), ("X-One", "1")])
        #expect(headers["content-type"] == "text/plain")
        #expect(headers["X-ONE"] == "1")
        #expect(headers["missing"] == nil)
    }
}
