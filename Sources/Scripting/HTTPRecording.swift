import Foundation
import HTTP

/// A failure to write or read a folder of recorded HTTP exchanges or LDAP searches.
public struct RecordingError: Error, CustomStringConvertible {
    private enum Code: String {
        case folder = "recording.folder"
        case notEmpty = "recording.not_empty"
        case write = "recording.write"
        case invalidFile = "recording.invalid_file"
        case noRecording = "recording.missing"
        case noLDAPRecording = "recording.ldap_missing"
    }

    private let kind: Code
    public let description: String

    /// A short stable code such as `recording.missing`.
    public var code: String { kind.rawValue }

    static func folder(_ path: String, reason: String) -> RecordingError {
        RecordingError(kind: .folder, description: "The recording folder '\(path)' \(reason).")
    }

    static func notEmpty(_ path: String) -> RecordingError {
        RecordingError(
            kind: .notEmpty,
            description: "The recording folder '\(path)' already contains recorded exchanges; "
                + "choose an empty folder or delete its .json files.")
    }

    static func write(_ path: String, reason: String) -> RecordingError {
        RecordingError(kind: .write, description: "Writing the recorded exchange '\(path)' failed: \(reason).")
    }

    static func invalidFile(_ path: String, reason: String) -> RecordingError {
        RecordingError(
            kind: .invalidFile,
            description: "The recorded exchange '\(path)' is invalid: \(reason); record it again with --record.")
    }

    static func noRecording(method: String, url: String, used: Int?) -> RecordingError {
        let detail =
            used.map { "its \($0) recorded response(s) were already used" } ?? "no exchange with that method and URL"
            + " (and request body) was recorded"
        return RecordingError(
            kind: .noRecording,
            description: "No recording for \(method) '\(HTTPExchangeFile.sanitized(url))': \(detail); "
                + "record the source again with --record.")
    }
}

extension RecordingError {
    static func noLDAPRecording(_ search: LDAPRecordedSearch, used: Int?) -> RecordingError {
        let detail =
            used.map { "its \($0) recorded result(s) were already used" }
            ?? "no search with that URL, bind DN, base DN, filter and attributes was recorded"
        return RecordingError(
            kind: .noLDAPRecording,
            description: "No recording for the LDAP search of '\(search.baseDN)' with filter '\(search.filter)' at "
                + "'\(search.url)': \(detail); record the source again with --record.")
    }
}

/// Writes every live exchange of `rollbook.http.request` into a folder, one JSON file each, without secrets.
///
/// Files are named by sequence (`0001.json`, ...), so a replay reads them in the order they were sent. The folder
/// is created at the first exchange, so a run with no request leaves none behind.
public final class HTTPRecorder: HTTPExchangeHook {
    public let folder: String
    private var count = 0

    /// Throws when `folder` is a file or already contains recordings.
    public init(folder: String) throws {
        self.folder = folder
        try RecordingFolder.ensureUnused(folder)
    }

    public func response(for request: HTTPClientRequest) throws -> HTTPClientResponse? { nil }

    public func didReceive(_ response: HTTPClientResponse, for request: HTTPClientRequest) throws {
        count += 1
        try RecordingFolder.write(HTTPExchangeFile(request: request, response: response), number: count, in: folder)
    }
}

/// Responds to `rollbook.http.request` from a folder written by `HTTPRecorder`, never using the network.
///
/// Requests are matched by method, URL without secrets and request body hash. Requests with the same key get
/// the recorded responses in file order, and a request with no unused recording fails.
public final class HTTPReplay: HTTPExchangeHook {
    public let folder: String
    private var queues: [String: [HTTPExchangeFile]] = [:]
    private var used: [String: Int] = [:]

    /// Reads every `.json` file of `folder`; throws naming the file when one is not a recorded exchange.
    ///
    /// With `requireRecordings` false, a missing folder replays nothing, so every request fails.
    public init(folder: String, requireRecordings: Bool = true) throws {
        self.folder = folder
        for file in try RecordingFolder.read(folder, requireFiles: requireRecordings) {
            let exchange: HTTPExchangeFile
            do {
                exchange = try JSONDecoder().decode(HTTPExchangeFile.self, from: file.data)
            } catch {
                throw RecordingError.invalidFile(file.path, reason: "\(error)")
            }
            queues[exchange.matchKey, default: []].append(exchange)
        }
    }

    public func response(for request: HTTPClientRequest) throws -> HTTPClientResponse? {
        let key = HTTPExchangeFile.matchKey(of: request)
        guard let queue = queues[key] else {
            throw RecordingError.noRecording(method: request.method, url: request.url, used: nil)
        }
        let position = used[key, default: 0]
        guard position < queue.count else {
            throw RecordingError.noRecording(method: request.method, url: request.url, used: queue.count)
        }
        used[key] = position + 1
        return try queue[position].response()
    }

    public func didReceive(_ response: HTTPClientResponse, for request: HTTPClientRequest) throws {}
}
