import Foundation
import Glibc
import HTTP
import Testing

@testable import SSO

/// Whether `python3` can import pyop, the OpenID provider that the upstream sign-in tests run.
let pyopAvailable: Bool = {
    guard let result = try? runTool("/usr/bin/env", ["python3", "-c", "import pyop"]) else { return false }
    return result.status == 0
}()

struct UpstreamFixtureError: Error, CustomStringConvertible {
    let description: String
}

/// The pyop provider of `Fixtures/upstream_op.py`, started on 127.0.0.1 for one test and stopped by `stop()`.
///
/// It stops by itself when its stdin closes, so it does not outlive a test process that crashes.
final class UpstreamOP {
    static let redirectURI = "http://127.0.0.1:9/upstream/callback"
    static let basicClient = (id: "rollbook-basic", secret: "basic-secret-1")
    static let postClient = (id: "rollbook-post", secret: "post-secret-2")
    static let users = """
        {
          "ada": {"sub": "ada-0001", "email": "ada@maple.example.org", "email_verified": true,
                  "hd": "maple.example.org", "preferred_username": "ada"},
          "grace": {"sub": "grace-0002", "email": "grace@example.net", "email_verified": false}
        }
        """

    let process = Process()
    let input = Pipe()
    let port: Int
    let directory: URL
    var issuer: String { "http://127.0.0.1:\(port)" }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("upstream-op-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let usersFile = directory.appendingPathComponent("users.json")
        try Self.users.write(to: usersFile, atomically: true, encoding: .utf8)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/upstream_op.py")

        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", script.path, usersFile.path,
            "--client", Self.basicClient.id, Self.basicClient.secret, "client_secret_basic",
            "--client", Self.postClient.id, Self.postClient.secret, "client_secret_post",
            "--redirect-uri", Self.redirectURI,
        ]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()

        let line = Self.readLine(output.fileHandleForReading, timeout: 20)
        guard let line, let port = Int(line) else {
            process.terminate()
            throw UpstreamFixtureError(
                description: "upstream_op.py printed no port within 20 s (output '\(line ?? "")')")
        }
        self.port = port
    }

    /// Reads one line from `handle`, waiting at most `timeout` seconds in total.
    private static func readLine(_ handle: FileHandle, timeout: Double) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        var bytes: [UInt8] = []
        // Bounded by the deadline and by a 64-byte line.
        while bytes.count < 64 {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { return nil }
            var descriptor = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, Int32(remaining * 1000)) > 0 else { return nil }
            var byte: UInt8 = 0
            guard read(handle.fileDescriptor, &byte, 1) == 1 else { return nil }
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
        return nil
    }

    /// Closes the provider's stdin, waits up to 5 s for it to exit, then sends SIGTERM.
    func stop() {
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline {
            usleep(20_000)
        }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Settings for one of the two registered clients.
    func settings(post: Bool = false, secret: String? = nil) -> UpstreamOIDCSettings {
        let client = post ? Self.postClient : Self.basicClient
        return UpstreamOIDCSettings(
            clientID: client.id, clientSecret: secret ?? client.secret,
            tokenEndpointAuthentication: post ? .post : .basic, googleIssuer: issuer, requestTimeout: 5)
    }
}

/// The values a relying party keeps in the browser session between redirect and callback.
struct SignInSession {
    var state = "state-" + UUID().uuidString
    var nonce = "nonce-" + UUID().uuidString
    var codeVerifier = "verifier-" + UUID().uuidString + "-" + UUID().uuidString
}

/// Plays the browser: sends the authorization request without following the redirect and returns the query
/// parameters of the `Location` it points to.
func authorize(_ url: String) throws -> [String: String] {
    let response = try HTTPClient.send(HTTPClientRequest(url: url, timeout: 5), policy: HTTPPolicy()).get()
    guard response.status == 302, let location = response.headers["location"] else {
        throw UpstreamFixtureError(
            description: "authorize returned \(response.status): \(String(decoding: response.body, as: UTF8.self))")
    }
    var parameters: [String: String] = [:]
    for item in URLComponents(string: location)?.queryItems ?? [] {
        parameters[item.name] = item.value
    }
    return parameters
}

/// Runs a whole sign-in for `loginHint` and returns the identity, or throws the client's error.
func signIn(
    _ client: UpstreamOIDCClient, loginHint: String, session: SignInSession = SignInSession(),
    finishNonce: String? = nil
) throws -> UpstreamIdentity {
    let url = try client.authorizationURL(
        redirectURI: UpstreamOP.redirectURI, state: session.state, nonce: session.nonce,
        codeVerifier: session.codeVerifier, loginHint: loginHint)
    let callback = try authorize(url)
    guard callback["state"] == session.state, let code = callback["code"] else {
        throw UpstreamFixtureError(description: "callback without code or with another state: \(callback)")
    }
    return try client.finish(
        code: code, redirectURI: UpstreamOP.redirectURI, nonce: finishNonce ?? session.nonce,
        codeVerifier: session.codeVerifier)
}
