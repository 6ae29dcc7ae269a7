import Foundation

/// A Python `http.server` on 127.0.0.1 in a subprocess, for HTTP client tests.
///
/// Routes: `/echo` returns the method, path, headers and body as JSON; `/flaky/<id>` returns 503
/// on the first request and 200 after; `/limited/<id>` returns 429 with `Retry-After: 1` first;
/// `/slow` waits 3 seconds. `/fail-twice/<id>` returns 500 on the first two requests and 200 after, with
/// `{"seen": [...]}` listing the `X-Signature` value of every request to that path. Repeated fields of one
/// request are joined with `, `. The server exits on its own after 120 seconds.
final class LocalHTTPServer {
    private let process = Process()
    let port: Int
    /// A port that was free a moment ago and has no listener, for refused connections.
    let closedPort: Int

    private static let script = """
        import http.server, json, socket, sys, threading, time
        counts = {}
        signatures = {}
        lock = threading.Lock()
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *args): pass
            def reply(self, status, body, headers=()):
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in headers: self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            def first_time(self):
                with lock:
                    counts[self.path] = counts.get(self.path, 0) + 1
                    return counts[self.path] == 1
            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace")
                if self.path.startswith("/flaky/") and self.first_time():
                    return self.reply(503, {"error": "busy"})
                if self.path.startswith("/limited/") and self.first_time():
                    return self.reply(429, {"error": "slow down"}, [("Retry-After", "1")])
                if self.path.startswith("/fail-twice/"):
                    with lock:
                        seen = signatures.setdefault(self.path, [])
                        seen.append(", ".join(self.headers.get_all("X-Signature") or []))
                        seen = list(seen)
                    if len(seen) <= 2:
                        return self.reply(500, {"error": "fault"})
                    return self.reply(200, {"seen": seen})
                if self.path == "/slow":
                    time.sleep(3)
                headers = {k.lower(): v for k, v in self.headers.items()}
                self.reply(200, {"method": self.command, "path": self.path, "headers": headers, "body": body},
                    [("X-Served-By", "test")])
            do_GET = do_POST = do_PUT = do_DELETE = handle_any
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
        probe.close()
        print(server.server_address[1], closed, flush=True)
        threading.Timer(120, server.shutdown).start()
        server.serve_forever()
        """

    init() throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        let handle = output.fileHandleForReading
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let fields = String(decoding: line, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count >= 2, let port = Int(fields[0]), let closedPort = Int(fields[1]) else {
            process.terminate()
            throw CocoaError(.fileReadCorruptFile)
        }
        self.port = port
        self.closedPort = closedPort
    }

    deinit {
        // SIGTERM can arrive blocked in the child of a test process; SIGKILL cannot be blocked.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    var base: String { "http://127.0.0.1:\(port)" }
}
