import Foundation
import HTTP
import OneRoster
import Store

/// The OneRoster REST rostering service, 1.1 under `/ims/oneroster/v1p1` and 1.2 under
/// `/ims/oneroster/rostering/v1p2`, reading each caller's app view from the store.
///
/// Every endpoint is a GET. A caller sees only the view of its own app and district as the last committed app
/// run left it. Requests run on the HTTP server's threads and read through a pool of SQLite connections, so a
/// sync may commit while pages are served.
public final class RESTProvider: Sendable {
    /// The authenticator a router calls before each request. It returns a caller, or the response to send (401).
    public typealias Authenticator = @Sendable (HTTPRequest, OneRosterVersion) -> RESTAuthentication

    /// The scheme and host that `Link` headers and GUIDRef hrefs start with, such as `https://roster.example.org`.
    public let baseURL: String
    public let limits: RESTQueryLimits
    let pool: RESTConnectionPool
    let cache = RESTViewCache()
    let responses: RESTResponseCache
    let versions: [RESTVersion]
    private let routes: [(version: OneRosterVersion, endpoint: RESTEndpoint, segments: [Substring])]

    /// Creates a provider over the store file at `databasePath` with up to `connections` read connections, keeping
    /// up to `cacheBytes` of responses for requests that come again against the same app run.
    ///
    /// The file must be a store that a `SnapshotStore` created. A missing or foreign file throws here, so that
    /// the error shows at start rather than on every request.
    public init(
        databasePath: String, baseURL: String, limits: RESTQueryLimits = RESTQueryLimits(), connections: Int = 4,
        cacheBytes: Int = 256 << 20
    )
        throws
    {
        var base = Substring(baseURL)
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = String(base)
        self.limits = limits
        pool = RESTConnectionPool(path: databasePath, capacity: connections)
        responses = RESTResponseCache(capacityBytes: cacheBytes)
        versions = OneRosterVersion.allCases.map { RESTVersion(version: $0, baseURL: String(base), limits: limits) }
        routes = OneRosterVersion.allCases.flatMap { version in
            RESTEndpoint.catalogue.map { endpoint in
                (version, endpoint, (RESTEndpoint.basePath(version) + endpoint.path).split(separator: "/"))
            }
        }
        guard FileManager.default.fileExists(atPath: databasePath) else {
            throw RESTProviderError.missingStore(databasePath)
        }
        _ = try pool.withConnection { connection in
            guard try connection.database.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'app_runs'") == 1
            else {
                throw RESTProviderError.notAStore(databasePath)
            }
        }
    }

    /// Adds every rostering GET route of both versions to `router`, plus a 404 status payload for any other path
    /// under the two base paths.
    ///
    /// `authenticate` runs before each request. When it denies a request, its response is sent as it is.
    public func register(into router: inout Router, authenticate: @escaping Authenticator) {
        for version in OneRosterVersion.allCases {
            let base = RESTEndpoint.basePath(version)
            for endpoint in RESTEndpoint.catalogue {
                router.add("GET", base + endpoint.path) { [self] request, match in
                    switch authenticate(request, version) {
                    case .denied(let response):
                        return response
                    case .caller(let caller):
                        return serve(
                            request, version: version, endpoint: endpoint, parameters: match.parameters, caller: caller)
                    }
                }
            }
            // A literal segment beats a parameter, so these match only paths that no endpoint has.
            for depth in 1...6 {
                let template = base + (1...depth).map { "/{unknown\($0)}" }.joined()
                router.add("GET", template) { request, _ in
                    Self.response(.unknownEndpoint(request.path), version: version)
                }
            }
        }
    }

    /// Returns the response to a request of an authenticated caller, routing by path without a `Router`.
    public func respond(to request: HTTPRequest, caller: RESTCaller) -> HTTPResponse {
        let segments = request.path.split(separator: "/")
        for route in routes where route.segments.count == segments.count {
            var parameters: [String: String] = [:]
            var matches = true
            for (pattern, segment) in zip(route.segments, segments) {
                if pattern.hasPrefix("{") {
                    guard let decoded = String(segment).removingPercentEncoding else {
                        matches = false
                        break
                    }
                    parameters[String(pattern.dropFirst().dropLast())] = decoded
                } else if pattern != segment {
                    matches = false
                    break
                }
            }
            if matches {
                return serve(
                    request, version: route.version, endpoint: route.endpoint, parameters: parameters, caller: caller)
            }
        }
        let version: OneRosterVersion = request.path.hasPrefix(RESTEndpoint.basePath(.v1p1)) ? .v1p1 : .v1p2
        return Self.response(.unknownEndpoint(request.path), version: version)
    }

    /// Returns the JSON response of a failure status in the form of `version`.
    static func response(_ status: RESTStatus, version: OneRosterVersion) -> HTTPResponse {
        .json(status.json(version: version), status: status.httpStatus)
    }
}

/// The outcome of authenticating a request: the caller it comes from, or the response that denies it.
public enum RESTAuthentication: Sendable {
    case caller(RESTCaller)
    /// The response to send instead, such as a 401 with its `WWW-Authenticate` header.
    case denied(HTTPResponse)
}

/// A store file the provider cannot serve from.
public struct RESTProviderError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: String, Sendable, Hashable {
        case missingStore = "missing_store"
        case notAStore = "not_a_store"
    }

    private let kind: Code
    /// The path of the database file.
    public let path: String

    /// The short stable code, such as `missing_store`.
    public var code: String { kind.rawValue }

    public var description: String {
        switch kind {
        case .missingStore:
            return "REST provider: store file '\(path)' does not exist; run a sync first or fix the path"
        case .notAStore:
            return "REST provider: file '\(path)' has no app_runs table; expected a Rollbook store"
        }
    }

    static func missingStore(_ path: String) -> Self { Self(kind: .missingStore, path: path) }
    static func notAStore(_ path: String) -> Self { Self(kind: .notAStore, path: path) }
}

/// The per-version state of the provider: the encoder and the query fields of each entity.
struct RESTVersion: Sendable {
    let version: OneRosterVersion
    let encoder: RESTRecordEncoder
    /// Query fields per entity, indexed by `Entity.order`.
    let fields: [RESTFields]
    /// Parsers per entity, indexed by `Entity.order`.
    let parsers: [RESTQueryParser]

    init(version: OneRosterVersion, baseURL: String, limits: RESTQueryLimits) {
        self.version = version
        encoder = RESTRecordEncoder(version: version, baseURL: baseURL + RESTEndpoint.basePath(version))
        let layout = encoder.layout
        fields = Entity.allCases.map { RESTFields(entity: $0, layout: layout) }
        parsers = fields.map {
            RESTQueryParser(knownFields: $0.filterable, selectableFields: $0.selectable, limits: limits)
        }
    }
}
