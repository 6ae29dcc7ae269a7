import Foundation
import HTTP

/// A hook between `rollbook.ldap.search` and the directory, used to record searches or replay recorded ones.
///
/// A runtime calls its hook from the one thread that runs the script, so implementations need no locking.
public protocol LDAPSearchHook: AnyObject {
    /// Returns a stored result for `search`, or nil to search the directory.
    ///
    /// A thrown error fails the search, and the script gets it raised with the error's description.
    func result(for search: LDAPRecordedSearch) throws -> LDAPRecordedResult?

    /// Stores the result of a search that went to the directory.
    func didSearch(_ search: LDAPRecordedSearch, result: LDAPRecordedResult) throws
}

/// The parts of a `rollbook.ldap.search` call that decide its result: no password, TLS or page size.
public struct LDAPRecordedSearch: Codable, Equatable, Sendable {
    /// The server URL without user information.
    public var url: String
    public var bindDN: String
    public var baseDN: String
    public var filter: String
    public var attributes: [String]

    /// The key a replay matches searches by.
    var matchKey: String {
        [url, bindDN, baseDN, filter, attributes.joined(separator: ",")].joined(separator: "\u{1F}")
    }
}

/// One entry as the script receives it: attribute values are text, or base64 for binary values.
public struct LDAPRecordedEntry: Codable, Equatable, Sendable {
    public var dn: String
    public var attributes: [String: [String]]
}

/// The entries and skipped search references of one search.
public struct LDAPRecordedResult: Codable, Equatable, Sendable {
    public var entries: [LDAPRecordedEntry]
    public var skippedReferences: [String]
}

/// One recorded search, stored as one JSON file in a recording folder.
struct LDAPSearchFile: Codable {
    var search: LDAPRecordedSearch
    var result: LDAPRecordedResult
}

/// A recorder that writes every live `rollbook.ldap.search` into a folder, one JSON file each, without the bind
/// password.
///
/// Files are named by sequence (`0001.json`, ...). The folder is created at the first search, so a run with no
/// search leaves none behind.
public final class LDAPRecorder: LDAPSearchHook {
    public let folder: String
    private var count = 0

    /// Throws when `folder` is a file or already contains recordings.
    public init(folder: String) throws {
        self.folder = folder
        try RecordingFolder.ensureUnused(folder)
    }

    public func result(for search: LDAPRecordedSearch) throws -> LDAPRecordedResult? { nil }

    public func didSearch(_ search: LDAPRecordedSearch, result: LDAPRecordedResult) throws {
        count += 1
        try RecordingFolder.write(LDAPSearchFile(search: search, result: result), number: count, in: folder)
    }
}

/// A replay source that serves `rollbook.ldap.search` from a folder written by `LDAPRecorder`, never contacting a
/// directory.
///
/// Searches with the same URL, bind DN, base DN, filter and attributes get the recorded results in file order,
/// and a search with no unused recording fails.
public final class LDAPReplay: LDAPSearchHook {
    public let folder: String
    private var queues: [String: [LDAPRecordedResult]] = [:]
    private var used: [String: Int] = [:]

    /// Reads every `.json` file of `folder`; a missing folder replays nothing, so every search fails.
    public init(folder: String) throws {
        self.folder = folder
        for file in try RecordingFolder.read(folder, requireFiles: false) {
            let recorded: LDAPSearchFile
            do {
                recorded = try JSONDecoder().decode(LDAPSearchFile.self, from: file.data)
            } catch {
                throw RecordingError.invalidFile(file.path, reason: "\(error)")
            }
            queues[recorded.search.matchKey, default: []].append(recorded.result)
        }
    }

    public func result(for search: LDAPRecordedSearch) throws -> LDAPRecordedResult? {
        let key = search.matchKey
        let position = used[key, default: 0]
        guard let queue = queues[key], position < queue.count else {
            throw RecordingError.noLDAPRecording(search, used: queues[key]?.count)
        }
        used[key] = position + 1
        return queue[position]
    }

    public func didSearch(_ search: LDAPRecordedSearch, result: LDAPRecordedResult) throws {}
}

/// File handling that the HTTP and LDAP recorders share.
enum RecordingFolder {
    /// Throws when `folder` exists but is not a folder, or already contains `.json` files.
    static func ensureUnused(_ folder: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else { throw RecordingError.folder(folder, reason: "is not a folder") }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        guard !names.contains(where: { $0.hasSuffix(".json") }) else { throw RecordingError.notEmpty(folder) }
    }

    /// Writes `value` as pretty JSON to `folder/NNNN.json`, creating the folder when missing.
    static func write(_ value: some Encodable, number: Int, in folder: String) throws {
        let path = (folder as NSString).appendingPathComponent(String(format: "%04d.json", number))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try encoder.encode(value).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw RecordingError.write(path, reason: error.localizedDescription)
        }
    }

    /// Returns the `.json` files of `folder` in name order with their contents.
    ///
    /// With `requireFiles`, a missing or empty folder throws; without it, a missing folder gives no files.
    static func read(_ folder: String, requireFiles: Bool) throws -> [(path: String, data: Data)] {
        if !FileManager.default.fileExists(atPath: folder) {
            guard requireFiles else { return [] }
            throw RecordingError.folder(folder, reason: "does not exist; expected a folder written by --record")
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json") }
                .sorted()
        } catch {
            throw RecordingError.folder(folder, reason: "could not be read (\(error.localizedDescription))")
        }
        if requireFiles && names.isEmpty {
            throw RecordingError.folder(folder, reason: "contains no recorded exchanges (.json files)")
        }
        return try names.map { name in
            let path = (folder as NSString).appendingPathComponent(name)
            do {
                return (path, try Data(contentsOf: URL(fileURLWithPath: path)))
            } catch {
                throw RecordingError.folder(path, reason: "could not be read (\(error.localizedDescription))")
            }
        }
    }
}
