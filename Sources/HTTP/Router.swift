/// The route a request matched: its path template and the decoded values of the template's parameters.
public struct RouteMatch: Sendable {
    /// The template as registered, such as `/ims/oneroster/v1p1/users/{id}`; a bounded metrics label.
    public let template: String
    /// The decoded path segments captured by `{name}` parameters, keyed by name.
    public let parameters: [String: String]
}

/// A route's handler. An error it throws becomes a 500 response with a generic body.
public typealias RouteHandler = @Sendable (HTTPRequest, RouteMatch) throws -> HTTPResponse

/// Routes requests by method and path template to handlers.
///
/// Routes are added before the router is handed to a server. After that the router is an immutable value,
/// so matching needs no lock. Templates are split on `/`. A segment `{name}` matches any one non-empty
/// segment, and at the first position where two matching templates differ a literal segment wins.
/// A `HEAD` request uses the `GET` route of its path when no `HEAD` route is registered.
public struct Router: Sendable {
    private struct Route: Sendable {
        let method: String
        let template: String
        let segments: [Segment]
        let handler: RouteHandler
    }

    private enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    /// The routes grouped by their number of segments.
    private var routesBySegmentCount: [Int: [Route]] = [:]

    /// Called with the route template and the error when a handler throws, before the 500 response is sent.
    public var failureHandler: (@Sendable (String, any Error) -> Void)?

    /// Creates a router with no routes.
    public init() {}

    /// Adds a route for `method` (such as `GET`) and a template such as `/users/{id}`.
    public mutating func add(_ method: String, _ template: String, handler: @escaping RouteHandler) {
        let segments = Self.split(template).map { piece -> Segment in
            if piece.hasPrefix("{") && piece.hasSuffix("}") && piece.count > 2 {
                return .parameter(String(piece.dropFirst().dropLast()))
            }
            return .literal(PercentDecoding.decode(piece, plusAsSpace: false) ?? String(piece))
        }
        let route = Route(method: method, template: template, segments: segments, handler: handler)
        routesBySegmentCount[segments.count, default: []].append(route)
    }

    /// Calls the handler of the matching route, or returns 400, 404, 405 (with `Allow`) or 500.
    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        route(request).response
    }

    /// Handles a request and returns the response with the template of the matched route, or nil when none
    /// matched, so that callers can count requests per route without a label per distinct path.
    public func route(_ request: HTTPRequest) -> (response: HTTPResponse, template: String?) {
        var segments: [String] = []
        for piece in Self.split(request.path) {
            guard let segment = PercentDecoding.decode(piece, plusAsSpace: false) else {
                return (.text("Invalid percent-encoding in path '\(request.path)'.\n", status: 400), nil)
            }
            segments.append(segment)
        }

        let candidates = (routesBySegmentCount[segments.count] ?? []).filter { Self.matches($0.segments, segments) }
        guard !candidates.isEmpty else {
            return (.text("Not found.\n", status: 404), nil)
        }
        let method = request.method
        let route =
            Self.mostSpecific(candidates.filter { $0.method == method })
            ?? (method == "HEAD" ? Self.mostSpecific(candidates.filter { $0.method == "GET" }) : nil)
        guard let route else {
            var allowed = Set(candidates.map(\.method))
            if allowed.contains("GET") { allowed.insert("HEAD") }
            var response = HTTPResponse.text("Method '\(method)' is not allowed for this path.\n", status: 405)
            response.headers.add(name: "Allow", value: allowed.sorted().joined(separator: ", "))
            return (response, nil)
        }

        var parameters: [String: String] = [:]
        for (pattern, segment) in zip(route.segments, segments) {
            if case .parameter(let name) = pattern { parameters[name] = segment }
        }
        do {
            let response = try route.handler(request, RouteMatch(template: route.template, parameters: parameters))
            return (response, route.template)
        } catch {
            failureHandler?(route.template, error)
            return (.text("Internal server error.\n", status: 500), route.template)
        }
    }

    /// Splits a path after its leading `/`. `/` alone has no segments, and a trailing `/` gives an empty one.
    private static func split(_ path: String) -> [Substring] {
        let trimmed = path.hasPrefix("/") ? path.dropFirst() : Substring(path)
        if trimmed.isEmpty { return [] }
        return trimmed.split(separator: "/", omittingEmptySubsequences: false)
    }

    private static func matches(_ pattern: [Segment], _ segments: [String]) -> Bool {
        for (expected, segment) in zip(pattern, segments) {
            switch expected {
            case .literal(let text): if text != segment { return false }
            case .parameter: if segment.isEmpty { return false }
            }
        }
        return true
    }

    private static func mostSpecific(_ routes: [Route]) -> Route? {
        routes.min { lhs, rhs in
            for (left, right) in zip(lhs.segments, rhs.segments) {
                switch (left, right) {
                case (.literal, .parameter): return true
                case (.parameter, .literal): return false
                default: continue
                }
            }
            return false
        }
    }
}
