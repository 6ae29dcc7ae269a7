import OneRoster

/// The system that produced a package, written to the manifest as `source.systemName` and `source.systemCode`.
public struct SourceSystem: Sendable, Hashable {
    /// A free-text name such as "Rollbook".
    public var name: String
    /// A free-text code, such as the application's id in Rollbook.
    public var code: String

    public init(name: String, code: String) {
        self.name = name
        self.code = code
    }
}

/// The contents of a package for one entity.
public struct PackageFileSummary: Sendable, Hashable {
    public let entity: Entity
    /// The mode stated in the manifest; `absent` when the file was not begun or got no rows.
    public let mode: FileMode
    /// The data rows written, not counting the header.
    public let rowCount: Int
    /// The file name inside the package, such as `users.csv`, or nil when no file was written.
    public let fileName: String?
    /// The size of the file in bytes, 0 when no file was written.
    public let byteCount: Int
    /// Records with status `tobedeleted` left out of a bulk file, where a missing record already means deleted.
    public let skippedDeletedRows: Int
    /// CR and LF bytes inside values that were written as spaces, because the binding forbids line breaks in a field.
    public let replacedLineBreaks: Int
}

/// The outcome of `CSVPackageWriter.finish()`.
public struct PackageSummary: Sendable, Hashable {
    /// The package folder.
    public let directory: String
    public let version: OneRosterVersion
    /// One summary for every entity of the version, in `Entity` order.
    public let files: [PackageFileSummary]
    /// The size of `manifest.csv` in bytes.
    public let manifestByteCount: Int

    /// Returns the summary of one entity, or nil when the version does not have it.
    public func file(for entity: Entity) -> PackageFileSummary? {
        files.first { $0.entity == entity }
    }

    /// The names of the files in the folder: `manifest.csv` first, then the data files in `Entity` order.
    public var fileNames: [String] {
        ["manifest.csv"] + files.compactMap(\.fileName)
    }
}
