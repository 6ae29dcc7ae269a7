import Foundation
import OneRoster

/// Writes a OneRoster CSV package folder (CSV files plus `manifest.csv`) in version 1.1 or 1.2, one file at a time.
///
/// Call `beginFile(_:mode:)` for each entity, `append(_:)` for its records, then `finish()`. Records keep their
/// values in the union layout `Schema.columns(of:)`, and each file gets exactly the columns of the package version
/// in the order the binding sets.
///
/// The `status` and `dateLastModified` columns follow the bulk and delta rules of the binding:
/// - In a bulk file both are blank. A record whose status is `tobedeleted` is left out, because a record missing
///   from a bulk file is deleted; `PackageFileSummary.skippedDeletedRows` counts them.
/// - In a delta file both are filled. A blank status is written as `active`, and any other status, `tobedeleted`
///   included, as the record has it. A blank `dateLastModified` is written as the writer's `deltaTimestamp`.
///
/// A file that gets no rows is removed and stated `absent` in the manifest, because the 1.2 binding forbids a file
/// with only a header. Receivers then keep what they had for that entity, even after a bulk file with no records.
public final class CSVPackageWriter {
    /// The package folder.
    public let directory: String
    public let version: OneRosterVersion
    public let sourceSystem: SourceSystem
    public let lineEnding: CSVWriter.LineEnding
    /// The `dateLastModified` written for delta records that have none, in ISO 8601 UTC with milliseconds.
    public let deltaTimestamp: String

    var summaries: [Entity: PackageFileSummary] = [:]
    var finishedSummary: PackageSummary?

    // The open file. These are plain fields rather than one optional struct so the per-record path reads them
    // without copying.
    var output: CSVFileOutput?
    /// The zip being written while the files are produced, when `streamZip` started one.
    var stream: StreamingZip?
    var openEntity: Entity = .orgs
    var openMode: FileMode = .bulk
    /// Indexes into `Schema.columns(of:)` of the version's columns after `sourcedId`, `status` and
    /// `dateLastModified`.
    private var trailingColumns: [Int] = []
    var rowCount = 0
    var skippedDeletedRows = 0
    private let deltaTimestampBytes: [UInt8]

    /// Creates the package folder, which must be missing or empty.
    ///
    /// `deltaTimestamp` defaults to the current time, and tests pass a fixed one.
    public init(
        directory: String, version: OneRosterVersion, sourceSystem: SourceSystem,
        lineEnding: CSVWriter.LineEnding = .crlf, deltaTimestamp: Date = Date()
    ) throws(PackageWriterError) {
        try Self.prepareFolder(directory)
        self.directory = directory
        self.version = version
        self.sourceSystem = sourceSystem
        self.lineEnding = lineEnding
        let timestamp = deltaTimestamp.formatted(
            Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(secondsFromGMT: 0) ?? .gmt))
        self.deltaTimestamp = timestamp
        self.deltaTimestampBytes = Array(timestamp.utf8)
    }

    deinit {
        // A writer dropped without finish() flushes its open file and writes no manifest. Errors here have no caller.
        try? output?.close()
    }

    /// Starts `<entity>.csv` with the version's header, closing the file begun before it.
    ///
    /// Each entity can be begun once. The mode must be bulk or delta, and an entity that is never begun is
    /// absent.
    public func beginFile(_ entity: Entity, mode: FileMode) throws(PackageWriterError) {
        try checkNotFinished()
        guard Entity.all(in: version).contains(entity) else {
            throw PackageWriterError(
                .entityNotInVersion, path: directory,
                message:
                    "entity '\(entity.rawValue)' is not part of OneRoster \(version.rawValue); write it only in a "
                    + "1.2 package, or derive the 1.1 user fields from it with fillV1p1Fields(of:from:)")
        }
        guard mode != .absent else {
            throw PackageWriterError(
                .invalidMode, path: directory,
                message: "mode 'absent' cannot begin \(entity.fileName); leave the entity out to make it absent")
        }
        guard summaries[entity] == nil, output == nil || openEntity != entity else {
            throw PackageWriterError(
                .fileWrittenTwice, path: directory,
                message: "\(entity.fileName) was already begun in this package; write each entity once")
        }
        try closeOpenFile()

        let columns = Schema.columns(of: entity)
        let versionColumns = Schema.columns(of: entity, version: version)
        let file: CSVFileOutput
        if let descriptor = stream?.takeDescriptor(for: entity.fileName) {
            file = CSVFileOutput(descriptor: descriptor, name: path(of: entity.fileName), lineEnding: lineEnding)
        } else {
            file = try CSVFileOutput(path: path(of: entity.fileName), lineEnding: lineEnding)
        }
        for column in versionColumns { try file.writeField(column.name) }
        try file.endRow()

        output = file
        openEntity = entity
        openMode = mode
        trailingColumns = versionColumns.dropFirst(3).compactMap { column in
            columns.firstIndex { $0.name == column.name }
        }
        rowCount = 0
        skippedDeletedRows = 0
    }

    /// Writes one record of the open file's entity, with the version's columns and the mode's status rule.
    public func append(_ record: Record) throws(PackageWriterError) {
        guard let output else {
            throw PackageWriterError(
                .noOpenFile, path: directory,
                message:
                    "no file is open for the \(record.entity.singular) '\(record.sourcedId)'; call beginFile("
                    + "\(record.entity.rawValue), mode:) first")
        }
        guard record.entity == openEntity else {
            throw PackageWriterError(
                .wrongEntity, path: output.path,
                message:
                    "the \(record.entity.singular) '\(record.sourcedId)' cannot go into \(openEntity.fileName); "
                    + "begin \(record.entity.fileName) for it")
        }
        let isDelta = openMode == .delta
        let failure = record.withValueBytes { values -> PackageWriterError? in
            do throws(PackageWriterError) {
                let status = values[1]
                if !isDelta {
                    if let status, Self.isToBeDeleted(status) {
                        skippedDeletedRows += 1
                        return nil
                    }
                    try output.writeField(values[0])
                    try output.writeField(nil)
                    try output.writeField(nil)
                } else {
                    try output.writeField(values[0])
                    try output.writeField(Self.isBlank(status) ? nil : status, default: Self.activeBytes)
                    try output.writeField(Self.isBlank(values[2]) ? nil : values[2], default: deltaTimestampBytes)
                }
                for index in trailingColumns { try output.writeField(values[index]) }
                try output.endRow()
                rowCount += 1
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    /// Returns the path of a file inside the package folder.
    func path(of fileName: String) -> String {
        (directory as NSString).appendingPathComponent(fileName)
    }

    func checkNotFinished() throws(PackageWriterError) {
        guard finishedSummary == nil else {
            throw PackageWriterError(
                .alreadyFinished, path: directory,
                message: "the package in '\(directory)' is finished; start a new CSVPackageWriter to write another")
        }
    }

    private static let activeBytes = Array("active".utf8)
    private static let toBeDeletedBytes = Array("tobedeleted".utf8)

    @inline(__always)
    private static func isBlank(_ value: UnsafeBufferPointer<UInt8>?) -> Bool {
        value.map { $0.isEmpty } ?? true
    }

    @inline(__always)
    private static func isToBeDeleted(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        value.count == 11 && value.elementsEqual(toBeDeletedBytes)
    }

    /// Creates the package folder, or checks that an existing one is an empty folder.
    private static func prepareFolder(_ directory: String) throws(PackageWriterError) {
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        if manager.fileExists(atPath: directory, isDirectory: &isFolder) {
            guard isFolder.boolValue else {
                throw PackageWriterError(
                    .folderNotEmpty, path: directory,
                    message: "'\(directory)' is a file; expected a missing or empty folder for the package")
            }
            let contents = (try? manager.contentsOfDirectory(atPath: directory)) ?? []
            guard contents.isEmpty else {
                let examples = contents.sorted().prefix(3).map { "'\($0)'" }.joined(separator: ", ")
                throw PackageWriterError(
                    .folderNotEmpty, path: directory,
                    message:
                        "package folder '\(directory)' is not empty (it contains \(examples)); "
                        + "write each package to a new or empty folder")
            }
            return
        }
        do {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw PackageWriterError(
                .folderCreateFailed, path: directory,
                message: "failed to create package folder '\(directory)': \(error.localizedDescription)")
        }
    }
}
