import Foundation
import OneRoster
import Scripting
import Validation

/// A CSV file a connector handed over with `ctx.emit_file`, read natively after the connector returns.
struct FileJob {
    var entity: Entity
    /// A folder or zip package, or a single CSV file.
    var path: String
    /// The file inside the package at `path`, or nil when `path` is the CSV file itself.
    var entry: String?
    var mode: FileMode
    var version: OneRosterVersion
    var encoding: TextEncoding
}

/// A source record a connector left out and reported with `ctx.report{entity=}`: a rejected record of its entity.
struct LeftOutRecord {
    /// The record's sourcedId when the report names one. The stored version of that record is then kept.
    var sourcedId: String?
    var origin: Origin
}

/// Receives what a connector emits during `sync` and keeps it for the pipeline, which validates and stores
/// everything in dependency order once the connector has returned.
///
/// Records emitted one by one go to a temporary file per entity (see `EmittedSpool`) in `spoolFolder`, so a run
/// of millions of records takes disk space there rather than memory.
final class Intake: ConnectorSink {
    private(set) var files: [Entity: [FileJob]] = [:]
    /// The records emitted with `ctx.emit`, by entity. An entity has a spool only once a record of it was emitted.
    private(set) var emitted: [Entity: EmittedSpool] = [:]
    /// The folder of the emitted records' temporary files: the system temporary folder unless a caller sets one.
    var spoolFolder = EmittedSpool.temporaryFolder()
    /// The first failure to create or write a temporary file of emitted records. The run must fail with it even
    /// when the script caught the error its emit call raised.
    private(set) var spoolError: EmittedSpoolError?
    /// The mode in which the emitted records of each entity apply: `bulk` replaces the stored set, `delta` changes part of it.
    private(set) var emittedModes: [Entity: FileMode] = [:]
    /// Records the connector left out, by entity, counted as rejected when the entity is processed.
    private(set) var leftOut: [Entity: [LeftOutRecord]] = [:]
    /// Names of emitted fields that are not OneRoster fields (nor `metadata`), kept as extension columns.
    private(set) var extensionFields: [Entity: Set<String>] = [:]
    let defaultVersion: OneRosterVersion

    /// The binding emitted records follow: 1.2 when the connector emits roles or user profiles, which only 1.2
    /// has, and `defaultVersion` otherwise.
    var emittedVersion: OneRosterVersion {
        hasEmitted(.roles) || hasEmitted(.userProfiles) ? .v1p2 : defaultVersion
    }
    private let collector: DiagnosticCollector
    private let resolvePath: (String) -> String

    /// Returns whether the connector emitted at least one record of `entity` with `ctx.emit`.
    func hasEmitted(_ entity: Entity) -> Bool {
        emitted[entity] != nil
    }

    init(defaultVersion: OneRosterVersion, collector: DiagnosticCollector, resolvePath: @escaping (String) -> String) {
        self.defaultVersion = defaultVersion
        self.collector = collector
        self.resolvePath = resolvePath
    }

    func report(_ diagnostics: [Diagnostic]) {
        collector.add(contentsOf: diagnostics)
    }

    func reportRejected(_ diagnostic: Diagnostic, entity: Entity) {
        collector.add(diagnostic)
        // A report without a file is placed in its own pseudo-file, named like the `emit:KIND` file of records.
        let origin = Origin(file: diagnostic.file ?? "report:\(entity.rawValue)", row: diagnostic.row ?? 0)
        leftOut[entity, default: []].append(LeftOutRecord(sourcedId: diagnostic.sourcedId, origin: origin))
    }

    func emitFile(kind: String, path: String, options: LuaValue) throws {
        let entity = try Intake.entity(for: kind)
        var job = FileJob(
            entity: entity, path: resolvePath(path), entry: nil, mode: .bulk, version: defaultVersion, encoding: .utf8)
        if let entry = options["entry"] {
            guard let name = entry.stringValue else { throw IntakeError("option 'entry' must be a string") }
            job.entry = name
        }
        if let mode = options["mode"] { job.mode = try Intake.mode(mode) }
        if let recordMode = emittedModes[entity], recordMode != job.mode {
            throw Intake.mixedModes(entity, earlier: recordMode, now: job.mode)
        }
        if let version = options["version"] {
            guard let name = version.stringValue, let value = OneRosterVersion(manifestValue: name) else {
                throw IntakeError("option 'version' is \(version); expected \"1.1\" or \"1.2\"")
            }
            job.version = value
        }
        if let encoding = options["encoding"] {
            guard let name = encoding.stringValue, let value = TextEncoding(name: name) else {
                throw IntakeError("option 'encoding' is \(encoding); expected \"utf-8\" or \"windows-1252\"")
            }
            job.encoding = value
        }
        files[entity, default: []].append(job)
    }

    func emit(kind: String, record: LuaValue) throws {
        try emit(kind: kind, record: record, options: .map([:]))
    }

    func emit(kind: String, record: LuaValue, options: LuaValue) throws {
        let entity = try Intake.entity(for: kind)
        let mode = try options["mode"].map(Intake.mode) ?? .bulk
        if let earlier = emittedModes[entity] ?? files[entity]?.first(where: { $0.mode != mode })?.mode,
            earlier != mode
        {
            throw Intake.mixedModes(entity, earlier: earlier, now: mode)
        }
        emittedModes[entity] = mode
        guard case .map(let fields) = record else {
            throw IntakeError("a record must be a table of fields, got a \(record.typeName)")
        }
        var values = [String?](repeating: nil, count: Schema.columns(of: entity).count)
        var extensions: [Extension] = []
        for (key, value) in fields {
            guard case .string(let name) = key else {
                throw IntakeError("record field names must be strings, got \(key.value)")
            }
            if name == "metadata", case .map(let metadata) = value {
                for (metadataKey, metadataValue) in metadata {
                    guard case .string(let metadataName) = metadataKey else { continue }
                    extensions.append(
                        Extension(name: "metadata." + metadataName, value: try Intake.text(metadataValue)))
                }
                continue
            }
            let text: String
            do {
                text = try Intake.text(value)
            } catch let error as IntakeError {
                throw IntakeError("field '\(name)': \(error.description)")
            }
            if let index = Schema.index(of: name, in: entity) {
                values[index] = text
            } else {
                extensions.append(Extension(name: name, value: text))
                if !name.hasPrefix("metadata.") { extensionFields[entity, default: []].insert(name) }
            }
        }
        extensions.sort { $0.name < $1.name }
        do {
            try spool(for: entity).append(values, extensions: extensions)
        } catch let error as EmittedSpoolError {
            if spoolError == nil { spoolError = error }
            throw error
        }
    }

    /// Returns the spool of an entity's emitted records, creating it for the entity's first record.
    private func spool(for entity: Entity) throws -> EmittedSpool {
        if let spool = emitted[entity] { return spool }
        let spool = try EmittedSpool(entity: entity, folder: spoolFolder)
        emitted[entity] = spool
        return spool
    }

    /// Returns the mode an `options.mode` value names; only `"bulk"` and `"delta"` are valid.
    static func mode(_ value: LuaValue) throws -> FileMode {
        guard let name = value.stringValue, let mode = FileMode(rawValue: name), mode != .absent else {
            throw IntakeError("option 'mode' is \(value); expected \"bulk\" or \"delta\"")
        }
        return mode
    }

    /// Returns the error for a run that hands over one entity in both modes, which cannot both apply.
    static func mixedModes(_ entity: Entity, earlier: FileMode, now: FileMode) -> IntakeError {
        IntakeError(
            "'\(entity.rawValue)' is emitted in \(now.rawValue) mode after \(earlier.rawValue) records or files "
                + "of the same kind; emit every '\(entity.rawValue)' record and file of a run in one mode")
    }

    /// Returns the entity a connector names; a singular or miscased name only gets the right name suggested.
    static func entity(for kind: String) throws -> Entity {
        if let entity = Entity(rawValue: kind) { return entity }
        let names = Entity.allCases.map(\.rawValue)
        if let close = names.first(where: { $0.lowercased() == kind.lowercased() || $0 == kind + "s" }) {
            throw IntakeError("unknown record kind '\(kind)'; did you mean '\(close)'?")
        }
        throw IntakeError("unknown record kind '\(kind)'; expected one of \(names.joined(separator: ", "))")
    }

    /// Returns the text form of an emitted value: lists join with commas, `{type=, identifier=}` tables become
    /// `{type:identifier}`, and a `{sourcedId=}` reference becomes its sourcedId.
    static func text(_ value: LuaValue) throws -> String {
        switch value {
        case .nil, .null: return ""
        case .boolean(let flag): return flag ? "true" : "false"
        case .integer(let number): return String(number)
        case .number(let number):
            if number.rounded() == number, abs(number) < 1e15 { return String(Int64(number)) }
            return String(number)
        case .string(let text): return text
        case .bytes: throw IntakeError("a field value is not valid UTF-8")
        case .array(let items): return try items.map(text).joined(separator: ",")
        case .map:
            if let type = value["type"]?.stringValue, let identifier = value["identifier"]?.stringValue {
                return "{\(type):\(identifier)}"
            }
            if let sourcedId = value["sourcedId"]?.stringValue { return sourcedId }
            throw IntakeError(
                "a field value is a table that is neither a list, a {type=, identifier=} pair nor a {sourcedId=} reference"
            )
        }
    }
}

/// A connector's mistake in an emit call, raised in the script as a Lua error at the calling line.
struct IntakeError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
