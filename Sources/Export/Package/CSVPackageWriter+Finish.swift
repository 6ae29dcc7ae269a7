import Foundation
import OneRoster

extension CSVPackageWriter {
    /// Closes the open file, writes `manifest.csv` and returns what the package holds.
    ///
    /// The manifest states every file key of the version, rostering or not, so receivers see a complete manifest:
    /// `bulk` or `delta` for the files written and `absent` for all others. Calling it again returns the same
    /// summary.
    public func finish() throws(PackageWriterError) -> PackageSummary {
        if let finishedSummary { return finishedSummary }
        try closeOpenFile()

        let files = Entity.all(in: version).map { entity in
            summaries[entity]
                ?? PackageFileSummary(
                    entity: entity, mode: .absent, rowCount: 0, fileName: nil, byteCount: 0, skippedDeletedRows: 0,
                    replacedLineBreaks: 0)
        }
        let manifestPath = path(of: "manifest.csv")
        do {
            let manifest = try CSVWriter(path: manifestPath, lineEnding: lineEnding)
            for row in manifestRows(files: files) { try manifest.writeRow(row) }
            try manifest.close()
        } catch {
            throw PackageWriterError(.writeFailed, path: manifestPath, message: error.description)
        }
        let attributes = try? FileManager.default.attributesOfItem(atPath: manifestPath)
        let manifestSize = attributes?[.size] as? Int ?? 0
        let summary = PackageSummary(
            directory: directory, version: version, files: files, manifestByteCount: manifestSize)
        finishedSummary = summary
        return summary
    }

    /// Closes the open file and records its summary; a file with no rows is removed and becomes absent.
    func closeOpenFile() throws(PackageWriterError) {
        guard let file = output else { return }
        output = nil
        try file.close()
        if rowCount == 0 {
            guard unlink(file.path) == 0 else {
                throw PackageWriterError(
                    .writeFailed, path: file.path,
                    message: "failed to remove '\(file.path)', which has no rows: \(errorText())")
            }
        }
        summaries[openEntity] = PackageFileSummary(
            entity: openEntity, mode: rowCount == 0 ? .absent : openMode, rowCount: rowCount,
            fileName: rowCount == 0 ? nil : openEntity.fileName, byteCount: rowCount == 0 ? 0 : file.byteCount,
            skippedDeletedRows: skippedDeletedRows, replacedLineBreaks: file.replacedLineBreaks)
    }

    /// Returns the manifest rows: header, versions, one mode per file key, then the source system.
    private func manifestRows(files: [PackageFileSummary]) -> [[String]] {
        var modes: [String: FileMode] = [:]
        for file in files { modes[file.entity.manifestKey] = file.mode }
        var rows: [[String]] = [
            ["propertyName", "value"],
            ["manifest.version", "1.0"],
            ["oneroster.version", version.rawValue],
        ]
        for key in Self.manifestFileKeys(version) {
            rows.append([key, (modes[key] ?? .absent).rawValue])
        }
        rows.append(["source.systemName", sourceSystem.name])
        rows.append(["source.systemCode", sourceSystem.code])
        return rows
    }

    /// Every `file.*` manifest key of a version, in the order of the binding's manifest table.
    ///
    /// Gradebook and resource files are listed too so that receivers see a complete manifest; Rollbook writes them
    /// as absent.
    static func manifestFileKeys(_ version: OneRosterVersion) -> [String] {
        let v1p1 = [
            "academicSessions", "categories", "classes", "classResources", "courses", "courseResources",
            "demographics", "enrollments", "lineItems", "orgs", "resources", "results", "users",
        ]
        let addedInV1p2 = [
            "lineItemLearningObjectiveIds", "lineItemScoreScales", "resultLearningObjectiveIds", "resultScoreScales",
            "roles", "scoreScales", "userProfiles", "userResources",
        ]
        let names = version == .v1p1 ? v1p1 : v1p1 + addedInV1p2
        return names.map { "file." + $0 }
    }
}
