import Foundation
import TestFixtures

/// Python's http.server behind TLS on 127.0.0.1, with a throwaway CA and server certificate made by openssl.
///
/// It responds with `failStatus` to the first `failCount` requests (with `Retry-After` when set), then
/// `finalStatus`, and stores each request as `request-<n>.json` (method, path, headers, body length) and
/// `request-<n>.body`. `delay` seconds of sleep before each answer make timeouts testable.
final class HTTPSServer {
    let port: Int
    let folder: TemporaryFolder
    /// PEM file of the CA that signed the server certificate.
    let caBundle: String
    private let process: ServerProcess

    init(
        failCount: Int = 0, failStatus: Int = 503, finalStatus: Int = 201, retryAfter: String? = nil, delay: Double = 0
    ) throws {
        folder = try TemporaryFolder()
        port = try freeLoopbackPort()
        caBundle = folder.file("ca.pem")
        try Self.makeCertificates(in: folder)
        let script = try folder.write("server.py", Self.script)
        process = try ServerProcess(
            executable: "/usr/bin/env",
            arguments: [
                "python3", script, String(port), folder.path, String(failCount), String(failStatus),
                String(finalStatus),
                retryAfter ?? "", String(delay),
            ], logFile: folder.file("server.log"))
        guard waitForListener(port: port, timeout: 10) else {
            process.stop()
            let log = (try? String(contentsOfFile: folder.file("server.log"), encoding: .utf8)) ?? ""
            throw FixtureError("HTTPS test server did not listen on 127.0.0.1:\(port): \(log)")
        }
    }

    deinit {
        process.stop()
    }

    var url: String { "https://127.0.0.1:\(port)/upload/strict-vendor.zip" }

    /// Number of requests the server has received.
    var requestCount: Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".json") }
            .count
    }

    /// Returns the stored description of request `number` (from 1).
    func request(_ number: Int) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder.file("request-\(number).json")))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    /// Returns the stored body of request `number` (from 1).
    func body(_ number: Int) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: folder.file("request-\(number).body")))
    }

    private static func makeCertificates(in folder: TemporaryFolder) throws {
        let openssl = "/usr/bin/openssl"
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try runTool(
            openssl,
            ["req", "-x509"] + curve + [
                "-keyout", folder.file("ca.key"), "-out", folder.file("ca.pem"), "-days", "2", "-subj",
                "/CN=Rollbook test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ])
        try runTool(
            openssl,
            ["req"] + curve + [
                "-keyout", folder.file("server.key"), "-out", folder.file("server.csr"), "-subj", "/CN=127.0.0.1",
            ])
        try folder.write("server.ext", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
        try runTool(
            openssl,
            [
                "x509", "-req", "-in", folder.file("server.csr"), "-CA", folder.file("ca.pem"), "-CAkey",
                folder.file("ca.key"), "-CAcreateserial", "-out", folder.file("server.pem"), "-days", "2", "-extfile",
                folder.file("server.ext"),
            ])
    }

    private static let script = """
        import http.server, json, os, ssl, sys, threading, time

        port, folder = int(sys.argv[1]), sys.argv[2]
        fail_count, fail_status, final_status = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
        retry_after, delay = sys.argv[6], float(sys.argv[7])
        lock = threading.Lock()
        count = [0]

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def receive(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length) if length else b""
                with lock:
                    count[0] += 1
                    number = count[0]
                with open(os.path.join(folder, "request-%d.body" % number), "wb") as f:
                    f.write(body)
                record = {"method": self.command, "path": self.path, "headers": dict(self.headers), "length": len(body)}
                with open(os.path.join(folder, "request-%d.json" % number), "w") as f:
                    json.dump(record, f)
                time.sleep(delay)
                status = fail_status if number <= fail_count else final_status
                self.send_response(status)
                if status == fail_status and retry_after:
                    self.send_header("Retry-After", retry_after)
                answer = b'{"status": %d}' % status
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_PUT = receive
            do_POST = receive

            def log_message(self, *args):
                pass

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(os.path.join(folder, "server.pem"), os.path.join(folder, "server.key"))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        server.serve_forever()
        """
}
