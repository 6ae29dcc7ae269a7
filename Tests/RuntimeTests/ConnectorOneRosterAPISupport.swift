import Foundation
import Testing

/// A OneRoster REST provider on 127.0.0.1, run as a Python `http.server` subprocess for connector tests.
///
/// The scenario file is JSON. `client_id` and `client_secret` are the credentials that `POST /token` accepts,
/// over HTTP Basic or in the form body as Ed-Fi clients send them. `data_dir` is a folder of `<entity>.json`
/// collections, and `collections` inline adds to or replaces them. `bare` makes pages bare JSON arrays, as
/// Ed-Fi sends them, rather than `{"<entity>": [...]}` objects. `cap` is the largest page it returns whatever
/// the limit. `total_count` and `link` set whether it sends `X-Total-Count` and a `rel="next"` `Link`.
/// `prefix` is the path before each collection name (`/ims/oneroster/v1p1/` by default). With
/// `"filter_changed": true` a `filter` query parameter is applied: it must be `dateLastModified>'<ISO time>'`,
/// which keeps the records modified later than that time, and any other filter gets a 400. Each entry of
/// `faults` applies to the `request`-th GET of one collection, and with `"repeat": true` to every later GET of it
/// too. Fault kinds:
/// `status` (reply `status`), `retry_after` (429 with `Retry-After: 1`), `hang` (no response for 30 seconds),
/// `truncate` (JSON cut in half), `no_key` (`{}`), and `expire_token` (the token on that request stops working).
/// With `"oauth1": true` every GET must carry an OAuth 1.0a HMAC-SHA256 signature made with `client_id` as the
/// consumer key and `client_secret` as the consumer secret, checked by oauthlib, with a timestamp within 300
/// seconds and a nonce not seen before; any other GET gets a 401.
/// Each request is logged as a `METHOD PATH AUTHORIZATION` line, and its arrival time on the monotonic clock as a
/// line of a second log. The server exits on its own after 120 seconds.
///
/// With `"paging": "page"` it serves PowerSchool-style resources instead: `data_dir` holds one response
/// document per path, the file name being the path with dots for slashes (`ws.v1.district.school.json` is
/// `/ws/v1/district/school`), and faults name that path in `entity`. A document of the form
/// `{"outer": {"inner": [...]}}` is paged with `page` (from 1) and `pagesize`, and `PATH/count` returns
/// `{"resource": {"count": N}}` unless `count` is false. `token_path` moves `POST /token`.
/// NOTE: a page of one record is sent as a bare object and an empty page without the inner key, which is how
/// this server models PowerSchool's XML-derived JSON; no live PowerSchool server was checked.
final class OneRosterAPIServer {
    private let process = Process()
    let port: Int
    let logPath: String
    private let timesPath: String

    private static let script = """
        import base64, datetime, http.server, json, os, re, sys, threading, time, urllib.parse
        from oauthlib.common import Request
        from oauthlib.oauth1.rfc5849 import signature as oauth_signature
        scenario = json.load(open(sys.argv[1]))
        log_path = sys.argv[2]
        times_path = sys.argv[3]
        collections = dict(scenario.get("collections") or {})
        data_dir = scenario.get("data_dir")
        paging = scenario.get("paging", "offset")
        documents = {}
        if data_dir and paging == "page":
            for name in os.listdir(data_dir):
                if name.endswith(".json"):
                    documents["/" + name[:-5].replace(".", "/")] = json.load(open(os.path.join(data_dir, name)))
        elif data_dir:
            for name in os.listdir(data_dir):
                if name.endswith(".json"):
                    entity = name[:-5]
                    # expected.json is check-connectors' file of counts, not provider data.
                    if entity in collections or entity == "expected": continue
                    data = json.load(open(os.path.join(data_dir, name)))
                    collections[entity] = data if isinstance(data, list) else data[entity]
        expected = "Basic " + base64.b64encode(
            (scenario["client_id"] + ":" + scenario["client_secret"]).encode()).decode()
        lock = threading.Lock()
        state = {"tokens": [], "revoked": set(), "counts": {}, "nonces": set()}
        prefix = scenario.get("prefix", "/ims/oneroster/v1p1/")
        token_path = scenario.get("token_path", "/token")
        def paged_list(document):
            if len(document) != 1: return None
            outer, body = next(iter(document.items()))
            if not isinstance(body, dict): return None
            inner = next((key for key, value in body.items() if isinstance(value, list)), None)
            return (outer, body, inner) if inner else None
        def resource_key(path):
            if path in documents: return path
            if path.endswith("/count") and scenario.get("count", True):
                base = path[:-len("/count")]
                if base in documents and paged_list(documents[base]): return path
            return None
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *args): pass
            def send(self, status, data, headers=()):
                self.send_response(status)
                for name, value in headers: self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            def reply(self, status, body, headers=()):
                self.send(status, json.dumps(body).encode(), headers)
            def record(self):
                with lock, open(log_path, "a") as log, open(times_path, "a") as times:
                    log.write("%s %s %s\\n" % (self.command, self.path, self.headers.get("Authorization", "-")))
                    times.write("%.6f\\n" % time.monotonic())
            def oauth1_error(self):
                header = self.headers.get("Authorization") or ""
                if not header.startswith("OAuth "):
                    return "missing OAuth Authorization header"
                query = urllib.parse.urlsplit(self.path).query
                params = oauth_signature.collect_parameters(
                    uri_query=query, headers={"Authorization": header}, exclude_oauth_signature=False)
                values = dict(params)
                if values.get("oauth_consumer_key") != scenario["client_id"]:
                    return "unknown consumer key"
                if values.get("oauth_signature_method") != "HMAC-SHA256":
                    return "signature method is not HMAC-SHA256"
                if abs(time.time() - int(values.get("oauth_timestamp") or 0)) > 300:
                    return "stale timestamp"
                request = Request("http://127.0.0.1:%d%s" % (self.server.server_address[1], self.path), "GET")
                request.signature = values.get("oauth_signature")
                request.params = [(name, value) for name, value in params if name != "oauth_signature"]
                if not oauth_signature.verify_hmac_sha256(request, scenario["client_secret"]):
                    return "invalid signature"
                with lock:
                    nonce = values.get("oauth_nonce") or ""
                    if not nonce or nonce in state["nonces"]:
                        return "missing or replayed nonce"
                    state["nonces"].add(nonce)
                return None
            def do_POST(self):
                self.record()
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                form = urllib.parse.parse_qs(body)
                in_form = form.get("client_id") == [scenario["client_id"]] and \\
                    form.get("client_secret") == [scenario["client_secret"]]
                if self.path != token_path or (self.headers.get("Authorization") != expected and not in_form):
                    return self.reply(401, {"error": "invalid_client"})
                if form.get("grant_type") != ["client_credentials"]:
                    return self.reply(400, {"error": "unsupported_grant_type"})
                with lock:
                    token = "token-%d" % (len(state["tokens"]) + 1)
                    state["tokens"].append(token)
                self.reply(200, {"access_token": token, "token_type": "bearer", "expires_in": 3600})
            def do_GET(self):
                self.record()
                url = urllib.parse.urlsplit(self.path)
                if paging == "page":
                    entity = resource_key(url.path)
                else:
                    entity = url.path[len(prefix):] if url.path.startswith(prefix) else None
                    entity = entity if entity in collections else None
                if entity is None:
                    return self.reply(404, {"error": "not found"})
                token = (self.headers.get("Authorization") or "")[len("Bearer "):]
                with lock:
                    count = state["counts"].get(entity, 0) + 1
                    state["counts"][entity] = count
                    fault = next((f for f in scenario.get("faults", []) if f["entity"] == entity and (
                        f["request"] == count or (f.get("repeat") and f["request"] < count))), None)
                    if fault and fault["kind"] == "expire_token":
                        state["revoked"].add(token)
                    valid = token in state["tokens"] and token not in state["revoked"]
                if scenario.get("oauth1"):
                    problem = self.oauth1_error()
                    if problem:
                        return self.reply(401, {"error": "invalid_signature", "error_description": problem})
                elif not valid:
                    return self.reply(401, {"error": "invalid_token"})
                kind = fault["kind"] if fault else None
                if kind == "status":
                    return self.reply(fault["status"], {"error": "fault"})
                if kind == "retry_after":
                    return self.reply(429, {"error": "slow down"}, [("Retry-After", "1")])
                if kind == "hang":
                    time.sleep(30)
                if kind == "no_key":
                    return self.reply(200, {})
                query = urllib.parse.parse_qs(url.query)
                if paging == "page":
                    return self.send_resource(entity, query, kind)
                try:
                    limit = int(query.get("limit", ["100"])[0])
                    offset = int(query.get("offset", ["0"])[0])
                except ValueError:
                    return self.reply(400, {"error": "limit and offset must be integers"})
                if limit < 1 or offset < 0:
                    return self.reply(400, {"error": "limit must be at least 1 and offset at least 0"})
                records = collections[entity]
                expression = query.get("filter", [None])[0]
                if scenario.get("filter_changed") and expression is not None:
                    match = re.fullmatch(r"dateLastModified>'([^']+)'", expression)
                    if not match:
                        return self.reply(400, {"error": "unsupported filter: %s" % expression})
                    try:
                        since = datetime.datetime.fromisoformat(match.group(1))
                    except ValueError:
                        return self.reply(400, {"error": "invalid time in filter: %s" % expression})
                    records = [record for record in records
                               if datetime.datetime.fromisoformat(record["dateLastModified"]) > since]
                size = min(limit, scenario.get("cap") or limit)
                page = records[offset:offset + size]
                headers = []
                if scenario.get("total_count"):
                    headers.append(("X-Total-Count", str(len(records))))
                if scenario.get("link") and offset + len(page) < len(records):
                    target = "%s%s?limit=%d&offset=%d" % (prefix, entity, limit, offset + len(page))
                    headers.append(("Link", '<%s>; rel="next"' % target))
                data = json.dumps(page if scenario.get("bare") else {entity: page}).encode()
                if kind == "truncate":
                    data = data[:len(data) // 2]
                self.send(200, data, headers)
            def send_resource(self, path, query, kind):
                if path not in documents:
                    outer, body, inner = paged_list(documents[path[:-len("/count")]])
                    return self.reply(200, {"resource": {"count": len(body[inner])}})
                document = documents[path]
                shape = paged_list(document)
                if shape:
                    try:
                        page = int(query.get("page", ["1"])[0])
                        size = int(query.get("pagesize", ["100"])[0])
                    except ValueError:
                        return self.reply(400, {"error": "page and pagesize must be integers"})
                    if page < 1 or size < 1:
                        return self.reply(400, {"error": "page and pagesize must be at least 1"})
                    outer, body, inner = shape
                    size = min(size, scenario.get("cap") or size)
                    records = body[inner][(page - 1) * size:page * size]
                    body = {key: value for key, value in body.items() if key != inner}
                    if len(records) == 1:
                        body[inner] = records[0]
                    elif records:
                        body[inner] = records
                    document = {outer: body}
                data = json.dumps(document).encode()
                if kind == "truncate":
                    data = data[:len(data) // 2]
                self.send(200, data)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        print(server.server_address[1], flush=True)
        threading.Timer(120, server.shutdown).start()
        server.serve_forever()
        """

    /// Starts the server with `scenario` written to `directory`.
    init(scenario: [String: Any], directory: TemporaryDirectory) throws {
        let scenarioPath = directory.file("provider.json")
        try JSONSerialization.data(withJSONObject: scenario).write(to: URL(fileURLWithPath: scenarioPath))
        logPath = directory.file("requests.log")
        timesPath = directory.file("request-times.log")
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        _ = FileManager.default.createFile(atPath: timesPath, contents: nil)

        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script, scenarioPath, logPath, timesPath]
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
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let port = Int(text) else {
            process.terminate()
            throw CocoaError(.fileReadCorruptFile)
        }
        self.port = port
    }

    deinit {
        // SIGTERM can arrive blocked in the child of a test process; SIGKILL cannot be blocked.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    var base: String { "http://127.0.0.1:\(port)" }

    /// The requests served so far, one `METHOD PATH AUTHORIZATION` line each.
    var requests: [String] {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    /// The requests served so far with their arrival times, in the order of `requests`.
    var loggedRequests: [LoggedRequest] {
        let text = (try? String(contentsOfFile: timesPath, encoding: .utf8)) ?? ""
        let times = text.split(separator: "\n").map { Double($0) ?? 0 }
        return zip(requests, times).map { line, time in
            let parts = line.split(separator: " ", maxSplits: 2).map(String.init)
            return LoggedRequest(
                method: parts.first ?? "", path: parts.count > 1 ? parts[1] : "",
                authorization: parts.count > 2 ? parts[2] : "-", time: time)
        }
    }
}

/// One request that `OneRosterAPIServer` served.
struct LoggedRequest: Equatable {
    /// The HTTP method, such as `GET`.
    let method: String
    /// The path with its query.
    let path: String
    /// The `Authorization` header, or `-` when there was none.
    let authorization: String
    /// The arrival time in seconds on the server's monotonic clock.
    let time: Double
}

/// Writes a config.lua for district `d1` read with `connector` and the given settings lines.
@discardableResult
func writeAPIDistrictConfig(_ directory: TemporaryDirectory, connector: String, settings: String) throws -> String {
    let connectors = (Paths.root as NSString).appendingPathComponent("connectors")
    let text = """
        store = "\(directory.file("rollbook.sqlite"))"
        connectors_dir = "\(connectors)"
        districts = {
          { id = "d1", connector = "\(connector)", settings = {
              \(settings)
          } },
        }
        """
    let path = directory.file("config.lua")
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// Writes a config.lua for district `d1` read from `server` with `connector` (oneroster_api by default).
@discardableResult
func writeOneRosterAPIConfig(
    _ directory: TemporaryDirectory, server: OneRosterAPIServer, clientSecret: String = "s3cret",
    root: String = "/ims/oneroster/v1p1", settings: String = "", connector: String = "oneroster_api"
) throws -> String {
    try writeAPIDistrictConfig(
        directory, connector: connector,
        settings: """
            base_url = "\(server.base)\(root)",
              token_url = "\(server.base)/token",
              client_id = "rollbook-test",
              client_secret = "\(clientSecret)",
              \(settings)
            """)
}

/// Writes a config.lua for district `d1` read with the powerschool connector from `server`.
@discardableResult
func writePowerSchoolConfig(
    _ directory: TemporaryDirectory, server: OneRosterAPIServer, clientSecret: String = "s3cret",
    settings: String
) throws -> String {
    try writeAPIDistrictConfig(
        directory, connector: "powerschool",
        settings: """
            base_url = "\(server.base)",
              client_id = "rollbook-test",
              client_secret = "\(clientSecret)",
              \(settings)
            """)
}

/// One of the HTTP connectors, with its fixture district and the collection that the fault tests disturb.
///
/// The faulted collection contains three records, so with `page_size = 2` it is read in two pages. No connector
/// reads it during `check`, so the server's request count for it starts with the first page of `sync`.
enum HTTPConnector: String, CaseIterable, Sendable {
    case oneRosterAPI = "oneroster_api"
    case powerSchool = "powerschool"
    case edFi = "edfi"

    /// Returns a provider scenario that serves the connector's fixture district with `faults` added.
    func scenario(faults: [[String: Any]] = []) -> [String: Any] {
        var scenario: [String: Any] = ["client_id": "rollbook-test", "client_secret": "s3cret", "faults": faults]
        let fixtures = (Paths.root as NSString).appendingPathComponent("connectors/sis/fixtures")
        switch self {
        case .oneRosterAPI:
            scenario["data_dir"] = (fixtures as NSString).appendingPathComponent("oneroster-api-district")
            scenario["total_count"] = true
            scenario["link"] = true
        case .powerSchool:
            scenario["data_dir"] = (fixtures as NSString).appendingPathComponent("powerschool-district")
            scenario["paging"] = "page"
            scenario["token_path"] = tokenPath
        case .edFi:
            scenario["data_dir"] = (fixtures as NSString).appendingPathComponent("edfi-district")
            scenario["bare"] = true
            scenario["prefix"] = "/data/v3/ed-fi/"
        }
        return scenario
    }

    /// The settings of every fault run, before the fault's own.
    var settings: String {
        self == .powerSchool ? "page_size = 2, school_year = 2026" : "page_size = 2"
    }

    /// The faulted collection as the `entity` of a server fault names it.
    var faultedCollection: String {
        switch self {
        case .oneRosterAPI: "users"
        case .powerSchool: "/ws/v1/school/110/student"
        case .edFi: "students"
        }
    }

    /// The path and query of the faulted collection's first and second page.
    var pagePaths: [String] {
        switch self {
        case .oneRosterAPI:
            ["/ims/oneroster/v1p1/users?limit=2&offset=0", "/ims/oneroster/v1p1/users?limit=2&offset=2"]
        case .powerSchool:
            [
                "/ws/v1/school/110/student?expansions=school_enrollment&pagesize=2&page=1",
                "/ws/v1/school/110/student?expansions=school_enrollment&pagesize=2&page=2",
            ]
        case .edFi: ["/data/v3/ed-fi/students?limit=2&offset=0", "/data/v3/ed-fi/students?limit=2&offset=2"]
        }
    }

    /// The path of the OAuth 2.0 token endpoint.
    var tokenPath: String {
        self == .powerSchool ? "/oauth/access_token" : "/token"
    }

    /// The text of the run error after the page URL when a page has no collection.
    var missingCollectionMessage: String {
        switch self {
        case .oneRosterAPI: "has no 'users' collection"
        case .powerSchool: "has no 'students' key"
        case .edFi: "is not a JSON array of students"
        }
    }

    /// Starts a provider with `faults` and runs `rollbook sync --json` with `settings` added, logging warnings.
    func sync(
        _ directory: TemporaryDirectory, faults: [[String: Any]] = [], settings extra: String = ""
    ) throws -> (ProcessOutput, OneRosterAPIServer) {
        let server = try OneRosterAPIServer(scenario: scenario(faults: faults), directory: directory)
        let settings = extra.isEmpty ? self.settings : "\(self.settings), \(extra)"
        let config: String
        switch self {
        case .oneRosterAPI: config = try writeOneRosterAPIConfig(directory, server: server, settings: settings)
        case .powerSchool: config = try writePowerSchoolConfig(directory, server: server, settings: settings)
        case .edFi:
            config = try writeOneRosterAPIConfig(
                directory, server: server, root: "/data/v3", settings: settings, connector: "edfi")
        }
        // Warnings go to standard error so that a test can see the retries.
        let arguments = ["ROLLBOOK_LOG_LEVEL=warning", Paths.executable, "sync", "--config", config, "--json"]
        return (try runProgram("/usr/bin/env", arguments, timeout: 60), server)
    }

    /// Returns the logged GET requests of the faulted collection's pages.
    func pageRequests(_ server: OneRosterAPIServer) -> [LoggedRequest] {
        server.loggedRequests.filter { $0.method == "GET" && pagePaths.contains($0.path) }
    }

    /// Returns the logged token requests.
    func tokenRequests(_ server: OneRosterAPIServer) -> [LoggedRequest] {
        server.loggedRequests.filter { $0.method == "POST" && $0.path == tokenPath }
    }
}

/// Returns the `retrying HTTP request` warnings that a run logged for a response with `status`.
func retryWarnings(_ output: ProcessOutput, status: Int) -> [String] {
    output.stderr.split(separator: "\n").map(String.init).filter {
        $0.contains(" warning retrying HTTP request ") && $0.contains("reason=\"status \(status)\"")
    }
}

/// Retries of a failed request in the fault runs. One retry is enough to show it, and it keeps a fault that never
/// clears short.
private let faultRetries = 1

/// A fault on the second page of a connector's faulted collection that the run recovers from.
enum RecoveredFault: String, CaseIterable, Sendable {
    /// HTTP 500 once, then the page.
    case serverError
    /// HTTP 429 with `Retry-After: 1` once, then the page.
    case rateLimit
    /// The access token stops working, so the page gets a 401 that a new token clears.
    case expiredToken

    /// Returns the server faults for `collection`.
    func faults(on collection: String) -> [[String: Any]] {
        switch self {
        case .serverError: [["entity": collection, "request": 2, "kind": "status", "status": 500]]
        case .rateLimit: [["entity": collection, "request": 2, "kind": "retry_after"]]
        case .expiredToken: [["entity": collection, "request": 2, "kind": "expire_token"]]
        }
    }
}

/// A fault on the second page of a connector's faulted collection that fails the run.
enum FailingFault: String, CaseIterable, Sendable {
    /// HTTP 500 on every attempt.
    case serverErrorForever
    /// HTTP 403, which is not retried.
    case clientError
    /// No response within the one-second timeout, with retries off to keep the test short.
    case silentServer
    /// A 200 whose JSON body is cut in half.
    case truncatedJSON
    /// A 200 with `{}` in place of the page.
    case missingCollection
    /// A 401, and another 401 with the renewed token.
    case tokenRejectedAfterRenewal

    /// Returns the server faults for `collection`.
    func faults(on collection: String) -> [[String: Any]] {
        switch self {
        case .serverErrorForever:
            [["entity": collection, "request": 2, "kind": "status", "status": 500, "repeat": true]]
        case .clientError: [["entity": collection, "request": 2, "kind": "status", "status": 403]]
        case .silentServer: [["entity": collection, "request": 2, "kind": "hang", "repeat": true]]
        case .truncatedJSON: [["entity": collection, "request": 2, "kind": "truncate"]]
        case .missingCollection: [["entity": collection, "request": 2, "kind": "no_key"]]
        case .tokenRejectedAfterRenewal:
            [["entity": collection, "request": 2, "kind": "expire_token", "repeat": true]]
        }
    }

    /// The settings of the faulted run.
    var settings: String {
        self == .silentServer ? "timeout = 1, retries = 0" : "retries = \(faultRetries)"
    }

    /// The number of times the second page is requested before the run gives up.
    var attempts: Int {
        switch self {
        case .serverErrorForever: 1 + faultRetries
        case .tokenRejectedAfterRenewal: 2
        case .silentServer, .clientError, .truncatedJSON, .missingCollection: 1
        }
    }

    /// Returns the text that the run error must contain, given the second page's URL.
    func message(_ connector: HTTPConnector, url: String) -> String {
        switch self {
        case .serverErrorForever: "\(url) returned HTTP 500"
        case .clientError: "\(url) returned HTTP 403"
        case .silentServer: "reading \(url) failed"
        case .truncatedJSON: "\(url) is not valid JSON"
        case .missingCollection: "\(url) \(connector.missingCollectionMessage)"
        case .tokenRejectedAfterRenewal: "\(url) returned HTTP 401 again with a new token"
        }
    }
}

/// Checks that `connector` recovers from `fault` and stores what a run without the fault stores.
func expectRecovery(
    _ connector: HTTPConnector, from fault: RecoveredFault, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let reference = try TemporaryDirectory()
    let (clean, cleanServer) = try connector.sync(reference, settings: "retries = \(faultRetries)")
    try #require(clean.status == 0, "run without fault: \(clean)", sourceLocation: sourceLocation)
    let expected = try snapshotHashes(reference)

    let directory = try TemporaryDirectory()
    let (output, server) = try connector.sync(
        directory, faults: fault.faults(on: connector.faultedCollection), settings: "retries = \(faultRetries)")
    #expect(output.status == 0, "\(output)", sourceLocation: sourceLocation)
    #expect(output.firstRun?["status"] as? String == "committed", sourceLocation: sourceLocation)
    #expect(!expected.isEmpty, sourceLocation: sourceLocation)
    #expect(try snapshotHashes(directory) == expected, sourceLocation: sourceLocation)

    // The second page is repeated, and paging goes on from there rather than from the first page.
    let pages = connector.pageRequests(server)
    let first = connector.pagePaths[0]
    let second = connector.pagePaths[1]
    try #require(pages.map(\.path) == [first, second, second], "\(pages)", sourceLocation: sourceLocation)

    switch fault {
    case .serverError:
        #expect(retryWarnings(output, status: 500).count == 1, "\(output.stderr)", sourceLocation: sourceLocation)
    case .rateLimit:
        let warnings = retryWarnings(output, status: 429)
        #expect(warnings.count == 1, "\(output.stderr)", sourceLocation: sourceLocation)
        #expect(warnings.first?.contains("delay_seconds=1.0") == true, "\(warnings)", sourceLocation: sourceLocation)
        let wait = pages[2].time - pages[1].time
        #expect(wait >= 1, "repeated after \(wait) s", sourceLocation: sourceLocation)
        #expect(wait < 5, "repeated after \(wait) s", sourceLocation: sourceLocation)
    case .expiredToken:
        #expect(pages[1].authorization == pages[0].authorization, sourceLocation: sourceLocation)
        #expect(pages[2].authorization != pages[1].authorization, sourceLocation: sourceLocation)
        let renewal = connector.tokenRequests(server).count - connector.tokenRequests(cleanServer).count
        #expect(renewal == 1, "one renewal", sourceLocation: sourceLocation)
        let later = server.loggedRequests.filter { $0.method == "GET" && $0.time > pages[2].time }
        #expect(!later.isEmpty, sourceLocation: sourceLocation)
        #expect(
            later.allSatisfy { $0.authorization == pages[2].authorization }, "\(later)",
            sourceLocation: sourceLocation)
    }
}

/// Checks that `fault` fails the run of `connector` with a message naming the page, and that the snapshot stored
/// by an earlier good run is unchanged.
func expectFailureKeepsSnapshot(
    _ connector: HTTPConnector, on fault: FailingFault, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let directory = try TemporaryDirectory()
    let (good, _) = try connector.sync(directory)
    try #require(good.status == 0, "first run: \(good)", sourceLocation: sourceLocation)
    let before = try snapshotHashes(directory)
    #expect(!before.isEmpty, sourceLocation: sourceLocation)

    let started = Date()
    let (output, server) = try connector.sync(
        directory, faults: fault.faults(on: connector.faultedCollection), settings: fault.settings)
    let elapsed = Date().timeIntervalSince(started)
    #expect(output.status == 2, "\(output)", sourceLocation: sourceLocation)
    #expect(output.firstRun?["status"] as? String == "failed", "\(output)", sourceLocation: sourceLocation)
    let error = output.firstRun?["error"] as? String ?? output.stderr
    let url = server.base + connector.pagePaths[1]
    #expect(error.hasPrefix("\(connector.rawValue): "), "\(error)", sourceLocation: sourceLocation)
    #expect(error.contains(fault.message(connector, url: url)), "\(error)", sourceLocation: sourceLocation)
    #expect(try snapshotHashes(directory) == before, sourceLocation: sourceLocation)

    // The run gives up on the second page after its attempts, without going back to the first page.
    let pages = connector.pageRequests(server).map(\.path)
    let expected = [connector.pagePaths[0]] + Array(repeating: connector.pagePaths[1], count: fault.attempts)
    #expect(pages == expected, sourceLocation: sourceLocation)

    switch fault {
    case .serverErrorForever:
        let warnings = retryWarnings(output, status: 500)
        #expect(warnings.count == faultRetries, "\(output.stderr)", sourceLocation: sourceLocation)
    case .silentServer:
        #expect(error.contains("timed out"), "\(error)", sourceLocation: sourceLocation)
        // One attempt of one second plus start-up, far below the server's 30-second stall.
        #expect(elapsed < 10, "took \(elapsed) s", sourceLocation: sourceLocation)
    case .tokenRejectedAfterRenewal:
        #expect(
            connector.tokenRequests(server).count == 3, "check, sync and one renewal", sourceLocation: sourceLocation)
    case .clientError, .truncatedJSON, .missingCollection:
        break
    }
}
