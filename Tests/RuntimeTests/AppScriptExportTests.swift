import Foundation
import Testing

/// The example webhook export script against a local HTTP server that records what it receives.
@Suite(.serialized) struct AppScriptExportTests {
    /// A Python HTTP server on 127.0.0.1 that appends each POST's headers and body to a file as one JSON line,
    /// and responds with `status`.
    final class WebhookServer {
        let port: Int
        /// The server's process id, read once, because the test's folder may be gone when the server stops. It is
        /// stopped with SIGKILL, because it inherits the test process's signal mask, which blocks SIGTERM.
        private var pid: Int32?
        let log: String

        init(directory: TemporaryDirectory, status: Int = 200) throws {
            log = directory.file("received.jsonl")
            let script = directory.file("server.py")
            try """
            import http.server, json, os, sys
            # Descriptors inherited from the test process (other tests' pipes) would keep those pipes open.
            os.closerange(3, 4096)
            log, status = sys.argv[1], int(sys.argv[2])
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                    with open(log, "a") as out:
                        out.write(json.dumps({"auth": self.headers.get("Authorization"),
                                              "body": json.loads(body)}) + "\\n")
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                def log_message(self, *args):
                    pass
            server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
            with open(sys.argv[3] + ".partial", "w") as out:
                out.write(str(server.server_address[1]))
            os.rename(sys.argv[3] + ".partial", sys.argv[3])
            server.serve_forever()
            """.write(toFile: script, atomically: true, encoding: .utf8)
            let portFile = directory.file("port")
            let pidFile = directory.file("server.pid")
            // A shell starts the server in the background and exits at once. Foundation's Process would otherwise
            // wait for the long-lived server before it reaps the rollbook processes the test starts later.
            let launcher = Process()
            launcher.executableURL = URL(fileURLWithPath: "/bin/sh")
            launcher.arguments = [
                "-c", "python3 \"$0\" \"$1\" \"$2\" \"$3\" >/dev/null 2>&1 & echo $! > \"$4\"",
                script, log, String(status), portFile, pidFile,
            ]
            try launcher.run()
            launcher.waitUntilExit()
            let pidText = (try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? ""
            pid = Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines))
            var number: Int?
            let deadline = Date().addingTimeInterval(10)
            while number == nil, Date() < deadline {
                number = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0) }
                if number == nil { usleep(20_000) }
            }
            guard let number else {
                if let pid { kill(pid, SIGKILL) }
                throw CocoaError(.fileReadCorruptFile)
            }
            port = number
        }

        deinit {
            stop()
        }

        private func stop() {
            if let pid { kill(pid, SIGKILL) }
        }

        /// Returns the requests received so far.
        func received() -> [[String: Any]] {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }
    }

    private func exports(port: Int) -> String {
        """
        { { name = "hook", type = "lua", script = "webhook", mode = "delta",
            settings = { url = "http://127.0.0.1:\(port)/users", token = "t0ken" } } }
        """
    }

    private func linkExports(_ setup: AppTestSetup) throws {
        try FileManager.default.createSymbolicLink(
            atPath: setup.connectors + "/exports", withDestinationPath: Paths.root + "/connectors/exports")
    }

    @Test func webhookReceivesChangedUsers() throws {
        let setup = try AppTestSetup()
        try linkExports(setup)
        let server = try WebhookServer(directory: setup.directory)
        try setup.writeMapping("return { name = \"all\", share = { roles = { \"student\" } } }")
        try setup.writeConfig(exports: exports(port: server.port))

        let first = try setup.sync()
        #expect(first.status == 0, "\(first)")
        let initial = server.received()
        #expect(initial.count == 3)
        #expect(initial.allSatisfy { $0["auth"] as? String == "Bearer t0ken" })
        let ids = initial.compactMap { (($0["body"] as? [String: Any])?["user"] as? [String: Any])?["sourcedId"] }
        #expect(Set(ids.compactMap { $0 as? String }) == ["s-1", "s-2", "s-3"])
        #expect((initial.first?["body"] as? [String: Any])?["kind"] as? String == "bulk")

        setup.district.users[1] = "s-2,,,true,high,student,mlee,Maria,Lee-Park,mlee@example.org,,11,"
        setup.district.users.remove(at: 2)
        setup.district.enrollments.removeAll { $0.hasPrefix("e-4,") }
        try setup.rewritePackage()
        let second = try setup.sync()
        #expect(second.status == 0, "\(second)")
        let later = Array(server.received().dropFirst(3))
        #expect(later.count == 2)
        let users = later.compactMap { ($0["body"] as? [String: Any])?["user"] as? [String: Any] }
        let renamed = try #require(users.first { $0["sourcedId"] as? String == "s-2" })
        #expect(renamed["familyName"] as? String == "Lee-Park")
        let removed = try #require(users.first { $0["sourcedId"] as? String == "s-3" })
        #expect(removed["status"] as? String == "tobedeleted")

        let audit = try runRollbook(["audit", "vendor", "--config", setup.config, "--json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [String: Any])
        let entries = try #require(document["disclosures"] as? [[String: Any]])
        #expect(entries.first?["channel"] as? String == "lua:hook")
        #expect(entries.first?["entity"] as? String == "users")
        #expect(entries.first?["records"] as? Int == 2)
    }

    @Test func webhookErrorFailsTheDelivery() throws {
        let setup = try AppTestSetup()
        try linkExports(setup)
        let server = try WebhookServer(directory: setup.directory, status: 403)
        try setup.writeMapping("return { name = \"all\" }")
        try setup.writeConfig(exports: exports(port: server.port))
        let output = try setup.sync()
        #expect(output.status == 4, "\(output)")
        let delivery = try #require((AppTestSetup.app(output)?["deliveries"] as? [[String: Any]])?.first)
        #expect(delivery["state"] as? String == "failed")
        let message = try #require(delivery["message"] as? String)
        #expect(message.contains("the webhook answered HTTP 403"), "\(message)")
        #expect(server.received().count == 1)
    }
}
