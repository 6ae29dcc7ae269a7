import Foundation
import HTTP
import Synchronization

/// The parts of an upstream IdP's discovery document (OpenID Connect Discovery 1.0 section 3) that sign-in uses.
public struct UpstreamDiscovery: Sendable, Equatable {
    /// The issuer, equal to the expected one.
    public let issuer: String
    /// The URL that the browser is sent to for sign-in.
    public let authorizationEndpoint: String
    /// The URL at which the code is exchanged for tokens.
    public let tokenEndpoint: String
    /// The URL of the IdP's JWKS document with its signing keys.
    public let jwksURI: String

    /// The largest discovery document accepted, in bytes.
    static let maximumDocumentLength = 256 * 1024

    /// Parses a discovery document and checks its issuer against `expectedIssuer`.
    init(json: [UInt8], expectedIssuer: String, url: String, origin: UpstreamError.Origin) throws(UpstreamError) {
        guard let document = JSONValue.parse(json)?.objectValue else {
            throw .invalidResponse(
                origin, url: url, what: "discovery document", problem: "the body is not a JSON object")
        }
        let issuer = document["issuer"]?.stringValue
        guard issuer == expectedIssuer else {
            throw .discoveryIssuerMismatch(origin, url: url, found: issuer, expected: expectedIssuer)
        }
        var endpoints: [String] = []
        for field in ["authorization_endpoint", "token_endpoint", "jwks_uri"] {
            guard let value = document[field]?.stringValue, UpstreamProvider.isAllowedURL(value) else {
                throw .invalidResponse(
                    origin, url: url, what: "discovery document",
                    problem: "field '\(field)' is missing or not an https URL (http only for 127.0.0.1 and localhost)")
            }
            endpoints.append(value)
        }
        self.issuer = expectedIssuer
        authorizationEndpoint = endpoints[0]
        tokenEndpoint = endpoints[1]
        jwksURI = endpoints[2]
    }
}

/// The discovery document of one provider, fetched on first use and again after `maxAge` seconds.
///
/// When a refetch fails, the document already held stays in use, so a short IdP outage does not stop sign-ins.
/// Two threads that find the document stale at once may both fetch it, which is harmless.
final class UpstreamDiscoveryStore: Sendable {
    let target: UpstreamOIDCTarget
    let origin: UpstreamError.Origin
    let timeout: Double
    let maxAge: Double
    private let clock: @Sendable () -> Date
    private let cached = Mutex<(document: UpstreamDiscovery, fetchedAt: Date)?>(nil)

    init(
        target: UpstreamOIDCTarget, origin: UpstreamError.Origin, timeout: Double, maxAge: Double,
        clock: @escaping @Sendable () -> Date
    ) {
        self.target = target
        self.origin = origin
        self.timeout = timeout
        self.maxAge = maxAge
        self.clock = clock
    }

    /// Returns the cached document while it is younger than `maxAge`, else fetches it.
    func document() throws(UpstreamError) -> UpstreamDiscovery {
        let now = clock()
        let current = cached.withLock { $0 }
        if let current, now.timeIntervalSince(current.fetchedAt) < maxAge {
            return current.document
        }
        do {
            let fetched = try fetch()
            cached.withLock { $0 = (fetched, now) }
            return fetched
        } catch {
            guard let current else { throw error }
            return current.document
        }
    }

    private func fetch() throws(UpstreamError) -> UpstreamDiscovery {
        let body = try UpstreamHTTP.get(
            target.discoveryURL, what: "discovery document", origin: origin, timeout: timeout,
            maximumBodySize: UpstreamDiscovery.maximumDocumentLength)
        return try UpstreamDiscovery(
            json: body, expectedIssuer: target.issuer, url: target.discoveryURL, origin: origin)
    }
}

/// The requests that the upstream client sends, with its time limits and size limits.
enum UpstreamHTTP {
    /// Sends a GET with one retry on 429, 5xx and connection errors and returns the body of a 200 response.
    static func get(
        _ url: String, what: String, origin: UpstreamError.Origin, timeout: Double, maximumBodySize: Int
    ) throws(UpstreamError) -> [UInt8] {
        let request = HTTPClientRequest(
            url: url, headers: [(name: "Accept", value: "application/json")], timeout: timeout,
            connectTimeout: min(timeout, 5), retries: 1)
        let response = try send(request, what: what, origin: origin, maximumBodySize: maximumBodySize)
        guard response.status == 200 else {
            throw .unexpectedStatus(origin, method: "GET", url: url, status: response.status, body: response.body)
        }
        return response.body
    }

    /// Sends `request` within twice its time limit and maps a failure to an `UpstreamError` about the `what` it fetches.
    static func send(
        _ request: HTTPClientRequest, what: String, origin: UpstreamError.Origin, maximumBodySize: Int
    ) throws(UpstreamError) -> HTTPClientResponse {
        let policy = HTTPPolicy(
            totalTimeLimit: request.timeout * 2, backoffBase: 0.2, backoffMaximum: 1, maximumBodySize: maximumBodySize)
        switch HTTPClient.send(request, policy: policy) {
        case .success(let response):
            return response
        case .failure(let failure) where failure.code == "http.body_too_large":
            throw .invalidResponse(origin, url: request.url, what: what, problem: failure.description)
        case .failure(let failure):
            throw .transportFailed(
                origin, method: request.method, url: request.url, failure: failure, timeout: request.timeout)
        }
    }
}
