import Export
import Foundation
import HTTP
import OneRoster
import Store

/// A store file in a temporary folder with district snapshots and app views written through the Store API.
final class RESTProviderFixture {
    let folder: URL
    let path: String
    let store: SnapshotStore

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("rollbook-rest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent("store.sqlite").path
        store = try SnapshotStore(path: path)
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Commits a snapshot of `district` that replaces every entity given in `records`.
    func load(district: String, _ records: [Record]) throws {
        let run = try store.beginRun(district: district, kind: .sync)
        let writer = try store.writeSnapshot(district: district, runId: run)
        for entity in Set(records.map(\.entity)).sorted() {
            try writer.replaceEntity(entity)
        }
        for record in records {
            try writer.upsert(record)
        }
        try writer.commit()
    }

    /// Commits an app run that shares every live record of `entities` with `app`.
    ///
    /// Entities in `whole` are read from the base table. For the others, a record in `mapped` replaces, in the
    /// app's view, the base record with the same sourcedId, and sourcedIds in `removed` are written and then
    /// marked removed.
    @discardableResult
    func publishView(
        app: String, district: String, entities: [Entity], whole: Set<Entity> = [], mapped: [Record] = [],
        removed: Set<String> = []
    ) throws -> Int64 {
        let number = try store.appNumber(app)
        let run = try store.beginAppRun(app: app, district: district, baseRun: 0, mapping: "test")
        var counts: [Entity: ViewCounts] = [:]
        try store.database.transaction {
            let writer = AppViewWriter(store: store, app: number, district: district, run: run)
            for entity in entities {
                if whole.contains(entity) {
                    counts[entity] = try store.wholeCounts(district: district, entity: entity, sinceBaseRun: 0)
                    continue
                }
                var shared = 0
                try writer.baseRange(entity, from: 1, to: try writer.baseEnd(entity)) { row, record, hash in
                    let replacement = mapped.first { $0.entity == entity && $0.sourcedId == record.sourcedId }
                    try writer.write(
                        row: row, record: replacement ?? record, hash: hash, input: nil, mapped: replacement != nil)
                    if removed.contains(record.sourcedId) {
                        try writer.remove(entity, row: row, input: nil)
                    } else {
                        shared += 1
                    }
                }
                counts[entity] = ViewCounts(shared: shared)
            }
        }
        try store.finishAppRun(id: run, state: .committed, counts: counts, whole: whole, errors: [])
        return run
    }
}

/// Builds a record from column names and values. Other columns stay blank.
func makeRecord(_ entity: Entity, _ values: [String: String]) -> Record {
    var record = Record(entity: entity)
    for (name, value) in values {
        record[name] = value
    }
    return record
}

/// Reads a simple CSV file (no quoted fields) into records of `entity`.
func readSimpleCSV(_ url: URL, entity: Entity) throws -> [Record] {
    let lines = try String(contentsOf: url, encoding: .utf8).split(whereSeparator: \.isNewline)
    guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map(String.init) else {
        return []
    }
    return lines.dropFirst().map { line in
        let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var values: [String: String] = [:]
        for (name, cell) in zip(header, cells) where !cell.isEmpty {
            values[name] = cell
        }
        return makeRecord(entity, values)
    }
}

/// A response as curl received it.
struct CurlResponse {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: Data

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The body parsed as a JSON object, or an empty one when it is not one.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
    }

    /// Returns the sourcedIds of the objects under `key`.
    func ids(_ key: String) -> [String] {
        (json[key] as? [[String: Any]] ?? []).compactMap { $0["sourcedId"] as? String }
    }

    /// The imsx code minor value of an error body of either version.
    var codeMinor: String? {
        var status = json
        if let set = json["statusInfoSet"] as? [[String: Any]], let first = set.first { status = first }
        let minor = status["imsx_CodeMinor"] as? [String: Any]
        let fields = minor?["imsx_codeMinorField"] as? [[String: Any]]
        return fields?.first?["imsx_codeMinorFieldValue"] as? String
    }

    /// The imsx description of an error body of either version.
    var statusDescription: String? {
        if let set = json["statusInfoSet"] as? [[String: Any]] { return set.first?["imsx_description"] as? String }
        return json["imsx_description"] as? String
    }
}

/// Runs curl once against the loopback server with a 10-second cap.
func curlGet(_ url: String, token: String?) throws -> CurlResponse {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    var arguments = ["--silent", "--max-time", "10", "--include", "--globoff"]
    if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
    process.arguments = arguments + [url]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()

    // The head ends at the first blank line, and the body follows it unchanged.
    let separator = Data("\r\n\r\n".utf8)
    guard let range = data.range(of: separator) else { return CurlResponse(status: 0, headers: [], body: data) }
    let head = String(decoding: data[..<range.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
    let statusLine = head.first?.split(separator: " ") ?? []
    let status = statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0
    let headers = head.dropFirst().compactMap { line -> (String, String)? in
        guard let colon = line.firstIndex(of: ":") else { return nil }
        return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
    }
    return CurlResponse(status: status, headers: headers, body: Data(data[range.upperBound...]))
}

/// A provider behind a real HTTP server on 127.0.0.1, with bearer tokens that stand for callers.
final class RESTProviderServer {
    let server: HTTPServer
    let provider: RESTProvider

    static let v1p1 = "https://purl.imsglobal.org/spec/or/v1p1/scope/"
    static let v1p2 = "https://purl.imsglobal.org/spec/or/v1p2/scope/"

    init(path: String, callers: [String: RESTCaller], limits: RESTQueryLimits = RESTQueryLimits()) throws {
        provider = try RESTProvider(
            databasePath: path, baseURL: "http://127.0.0.1", limits: limits, connections: 2)
        var router = Router()
        provider.register(into: &router) { request, version in
            let header = request.headers["authorization"] ?? ""
            guard header.hasPrefix("Bearer "), let caller = callers[String(header.dropFirst(7))] else {
                return .denied(.json(RESTStatus.unauthorized().json(version: version), status: 401))
            }
            return .caller(caller)
        }
        server = HTTPServer(port: 0, handler: router.handle)
        try server.start()
    }

    deinit {
        server.stop()
    }

    func get(_ path: String, token: String? = "a") throws -> CurlResponse {
        try curlGet("http://127.0.0.1:\(server.port)\(path)", token: token)
    }

    /// Every rostering scope of both versions, demographics included.
    static let allScopes: Set<String> = Set(
        [v1p1, v1p2].flatMap { prefix in
            ["roster.readonly", "roster-core.readonly", "roster-demographics.readonly"].map { prefix + $0 }
        })
}
