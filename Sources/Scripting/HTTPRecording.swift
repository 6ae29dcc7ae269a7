import Foundation
import HTTP

/// A failure to write or read a folder of recorded HTTP exchanges.
public struct HTTPRecordingError: Error, CustomStringConvertible {
    private enum Code: String {
        case folder = "recording.folder"
        case notEmpty = "recording.not_empty"
        case write = "recording.write"
        case invalidFile = "recording.invalid_file"
        case noRecording = "recording.missing"
    }

    private let kind: Code
    public let description: String

    /// A short stable code such as `recording.missing`.
    public var code: String { kind.rawValue }

    static func folder(_ path: String, reason: String) -> HTTPRecordingError {
        HTTPRecordingError(kind: .folder, description: "The recording folder '\(path)' \(reason).")
    }

    static func notEmpty(_ path: String) -> HTTPRecordingError {
        HTTPRecordingError(
            kind: .notEmpty,
            description: "The recording folder '\(path)' already contains recorded exchanges; "
                + "choose an empty folder or delete its .json files.")
    }

    static func write(_ path: String, reason: String) -> HTTPRecordingError {
        HTTPRecordingError(kind: .write, description: "Writing the recorded exchange '\(path)' failed: \(reason).")
    }

    static func invalidFile(_ path: String, reason: String) -> HTTPRecordingError {
        HTTPRecordingError(
            kind: .invalidFile,
            description: "The recorded exchange '\(path)' is invalid: \(reason); record it again with --record.")
    }

    static func noRecording(method: String, url: String, used: Int?) -> HTTPRecordingError {
        let detail =
            used.map { "its \($0) recorded response(s) were already used" } ?? "no exchange with that method and URL"
            + " (and request body) was recorded"
        return HTTPRecordingError(
            kind: .noRecording,
            description: "No recording for \(method) '\(HTTPExchangeFile.sanitized(url))': \(detail); "
                + "record the source again with --record.")
    }
}

/// Writes every live exchange of `rollbook.http.request` into a folder, one JSON file each, without secrets.
///
/// Files are named by sequence (`0001.json`, ...), so a replay reads them in the order they were sent.
public final class HTTPRecorder: HTTPExchangeHook {
    public let folder: String
    private var count = 0

    /// Creates `folder` when missing; throws when it cannot be created or already contains recordings.
    public init(folder: String) throws {
        self.folder = folder
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        if files.fileExists(atPath: folder, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw HTTPRecordingError.folder(folder, reason: "is not a folder") }
            let names = (try? files.contentsOfDirectory(atPath: folder)) ?? []
            guard !names.contains(where: { $0.hasSuffix(".json") }) else { throw HTTPRecordingError.notEmpty(folder) }
        } else {
            do {
                try files.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw HTTPRecordingError.folder(folder, reason: "could not be created (\(error.localizedDescription))")
            }
        }
    }

    public func response(for request: HTTPClientRequest) throws -> HTTPClientResponse? { nil }

    public func didReceive(_ response: HTTPClientResponse, for request: HTTPClientRequest) throws {
        count += 1
        let path = (folder as NSString).appendingPathComponent(String(format: "%04d.json", count))
        let exchange = HTTPExchangeFile(request: request, response: response)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try encoder.encode(exchange).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw HTTPRecordingError.write(path, reason: error.localizedDescription)
        }
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
    public init(folder: String) throws {
        self.folder = folder
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json") }
                .sorted()
        } catch {
            throw HTTPRecordingError.folder(folder, reason: "could not be read (\(error.localizedDescription))")
        }
        guard !names.isEmpty else {
            throw HTTPRecordingError.folder(folder, reason: "contains no recorded exchanges (.json files)")
        }
        for name in names {
            let path = (folder as NSString).appendingPathComponent(name)
            let exchange: HTTPExchangeFile
            do {
                exchange = try JSONDecoder().decode(
                    HTTPExchangeFile.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            } catch {
                throw HTTPRecordingError.invalidFile(path, reason: "\(error)")
            }
            queues[exchange.matchKey, default: []].append(exchange)
        }
    }

    public func response(for request: HTTPClientRequest) throws -> HTTPClientResponse? {
        let key = HTTPExchangeFile.matchKey(of: request)
        guard let queue = queues[key] else {
            throw HTTPRecordingError.noRecording(method: request.method, url: request.url, used: nil)
        }
        let position = used[key, default: 0]
        guard position < queue.count else {
            throw HTTPRecordingError.noRecording(method: request.method, url: request.url, used: queue.count)
        }
        used[key] = position + 1
        return try queue[position].response()
    }

    public func didReceive(_ response: HTTPClientResponse, for request: HTTPClientRequest) throws {}
}
