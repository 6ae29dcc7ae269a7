import Foundation
import Testing

@testable import Scripting

/// A temporary directory removed when the value is released.
final class TemporaryDirectory {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.path
        path = base + "/rollbook-scripting-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes `text` to `name` inside the directory and returns the full path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let full = path + "/" + name
        let folder = (full as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
        return full
    }
}

/// A sink that stores what it receives and rejects `rejectedKind` when set.
final class RecordingSink: ConnectorSink {
    struct Rejection: Error, CustomStringConvertible {
        let description: String
    }

    var records: [(kind: String, record: LuaValue)] = []
    var files: [(kind: String, path: String, options: LuaValue)] = []
    var rejectedKind: String?

    func emit(kind: String, record: LuaValue) throws {
        if kind == rejectedKind { throw Rejection(description: "kind '\(kind)' is not accepted here") }
        records.append((kind, record))
    }

    func emitFile(kind: String, path: String, options: LuaValue) throws {
        files.append((kind, path, options))
    }
}

/// A logger that keeps every line.
final class RecordingLogger: ScriptLogger {
    var lines: [(level: LogLevel, message: String, fields: [String: String])] = []

    func log(level: LogLevel, message: String, fields: [String: String]) {
        lines.append((level, message, fields))
    }
}

/// Runs `source` in a fresh runtime and returns its results.
func evaluate(_ source: String, configuration: LuaRuntime.Configuration = .init()) throws -> [LuaValue] {
    let runtime = try LuaRuntime(configuration: configuration)
    return try runtime.run(source: source, name: "test.lua")
}

/// Runs `source` and returns the ScriptError it throws, or nil.
func scriptError(_ source: String, configuration: LuaRuntime.Configuration = .init()) -> ScriptError? {
    do {
        _ = try evaluate(source, configuration: configuration)
        return nil
    } catch let error as ScriptError {
        return error
    } catch {
        return nil
    }
}
