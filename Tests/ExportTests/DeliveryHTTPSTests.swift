import Foundation
import Testing

@testable import Export

/// HTTPS upload against a local TLS server with its own CA.
struct DeliveryHTTPSTests {
    let workspace: TemporaryFolder
    let package: String
    let packageText = "PK fake zip for the HTTPS drop\n"

    init() throws {
        workspace = try TemporaryFolder()
        package = try workspace.write("strict-vendor.zip", packageText)
    }

    private func destination(
        _ server: HTTPSServer, method: HTTPSDestination.Method = .put, body: HTTPSDestination.Body = .raw,
        caBundle: String? = nil, transferTimeout: Double = 10
    ) -> HTTPSDestination {
        HTTPSDestination(
            url: server.url, method: method, body: body,
            headers: [HTTPSDestination.Header(name: "Authorization", value: "Bearer secret-token-123")],
            caBundleFile: caBundle ?? server.caBundle, connectTimeout: 5, transferTimeout: transferTimeout)
    }

    private func send(_ destination: HTTPSDestination, retry: RetryPolicy) -> (DeliveryResult, [DeliveryLogEntry]) {
        var entries: [DeliveryLogEntry] = []
        let result = deliver(file: package, remoteName: "strict-vendor.zip", to: .https(destination), retry: retry) {
            entries.append($0)
        }
        return (result, entries)
    }

    @Test func retriesServiceUnavailableThenDelivers() throws {
        let server = try HTTPSServer(failCount: 2)
        let (result, entries) = send(
            destination(server), retry: RetryPolicy(maximumAttempts: 5, backoffBase: 0.05, backoffMaximum: 0.2))
        #expect(result.delivered, "\(result.attempts.map(\.message))")
        #expect(result.attempts.map(\.outcome) == [.failed, .failed, .delivered])
        #expect(result.attempts.first?.code == "http_status")
        #expect(result.attempts.first?.isTransient == true)
        #expect(result.attempts.first?.message.contains("HTTP 503") == true)
        #expect(result.bytes == Int64(packageText.utf8.count))
        #expect(server.requestCount == 3)
        for number in 1...3 {
            #expect(try server.body(number) == Data(packageText.utf8))
            #expect(try server.request(number)["method"] as? String == "PUT")
        }
        let headers = try server.request(3)["headers"] as? [String: String] ?? [:]
        #expect(headers["Authorization"] == "Bearer secret-token-123")
        #expect(headers["Content-Type"] == "application/zip")
        let logged = entries.flatMap { $0.metadata.values }.joined(separator: " ")
        #expect(!logged.contains("secret-token-123"))
    }

    @Test func forbiddenIsNotRetried() throws {
        let server = try HTTPSServer(failCount: 0, finalStatus: 403)
        let (result, _) = send(destination(server), retry: RetryPolicy(maximumAttempts: 5, backoffBase: 0.01))
        let attempt = try #require(result.attempts.first)
        #expect(!result.delivered)
        #expect(result.attempts.count == 1)
        #expect(server.requestCount == 1)
        #expect(!attempt.isTransient)
        #expect(attempt.message.contains("HTTP 403"))
        #expect(attempt.message.contains("check the credentials"))
    }

    @Test func retryAfterIsHonoured() throws {
        let server = try HTTPSServer(failCount: 1, retryAfter: "1")
        let started = Date()
        let (result, entries) = send(
            destination(server), retry: RetryPolicy(maximumAttempts: 3, backoffBase: 0.01, backoffMaximum: 5))
        #expect(result.delivered)
        #expect(Date().timeIntervalSince(started) >= 1)
        #expect(entries.first { $0.level == .warning }?.metadata["retry_in_seconds"] == "1.000")
    }

    @Test func retryAfterIsCappedByBackoffMaximum() throws {
        let server = try HTTPSServer(failCount: 1, retryAfter: "3600")
        let started = Date()
        let (result, _) = send(
            destination(server), retry: RetryPolicy(maximumAttempts: 3, backoffBase: 0.01, backoffMaximum: 0.2))
        #expect(result.delivered)
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func untrustedCertificateNamesTLSCause() throws {
        let server = try HTTPSServer()
        let (result, _) = send(
            destination(server, caBundle: "/etc/ssl/certs/ca-certificates.crt"), retry: RetryPolicy(maximumAttempts: 3))
        let attempt = try #require(result.attempts.first)
        #expect(!result.delivered)
        #expect(result.attempts.count == 1)
        #expect(attempt.code == "tls_failed")
        #expect(
            attempt.message.contains(
                "TLS verification of 'https://127.0.0.1:\(server.port)/upload/strict-vendor.zip' failed"))
        #expect(attempt.message.contains("certificate"))
        #expect(server.requestCount == 0)
    }

    @Test func multipartPostCarriesFileField() throws {
        let server = try HTTPSServer()
        let (result, _) = send(destination(server, method: .post, body: .multipart(field: "package")), retry: .once)
        #expect(result.delivered, "\(result.attempts.map(\.message))")
        let request = try server.request(1)
        let headers = request["headers"] as? [String: String] ?? [:]
        #expect(request["method"] as? String == "POST")
        #expect(headers["Content-Type"]?.hasPrefix("multipart/form-data; boundary=") == true)
        let body = String(decoding: try server.body(1), as: UTF8.self)
        #expect(body.contains("Content-Disposition: form-data; name=\"package\"; filename=\"strict-vendor.zip\""))
        #expect(body.contains(packageText))
    }

    @Test func rawPostSendsFileAsBody() throws {
        let server = try HTTPSServer()
        let (result, _) = send(destination(server, method: .post), retry: .once)
        #expect(result.delivered)
        #expect(try server.request(1)["method"] as? String == "POST")
        #expect(try server.body(1) == Data(packageText.utf8))
    }

    @Test func slowServerTimesOutWithinBound() throws {
        let server = try HTTPSServer(delay: 5)
        let started = Date()
        let (result, _) = send(
            destination(server, transferTimeout: 1),
            retry: RetryPolicy(maximumAttempts: 10, backoffBase: 0.1, backoffMaximum: 0.1, totalTimeLimit: 2.5))
        let elapsed = Date().timeIntervalSince(started)
        #expect(!result.delivered)
        #expect(result.attempts.first?.code == "timed_out")
        #expect(result.attempts.count >= 2)
        #expect(elapsed < 4, "elapsed \(elapsed) s")
    }

    @Test func plainHTTPIsRejected() throws {
        let target = HTTPSDestination(url: "http://vendor.example/upload?token=abc")
        let result = deliver(file: package, remoteName: "strict-vendor.zip", to: .https(target), retry: .once)
        let attempt = try #require(result.attempts.first)
        #expect(!result.delivered)
        #expect(attempt.code == "invalid_destination")
        #expect(
            attempt.message
                == "Delivery URL 'http://vendor.example/upload' must use https; plain http is allowed only to 127.0.0.1 for tests"
        )
    }

    @Test func credentialsInURLAreRejected() throws {
        let target = HTTPSDestination(url: "https://user:pass@vendor.example/upload")
        let result = deliver(file: package, remoteName: "strict-vendor.zip", to: .https(target), retry: .once)
        #expect(result.attempts.first?.code == "invalid_destination")
        #expect(result.attempts.first?.message.contains("pass") == false)
    }
}
