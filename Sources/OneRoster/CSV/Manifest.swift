/// The delivery mode of one file in a package, as its manifest states it.
public enum FileMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// The file is a complete snapshot: a record missing from it is gone.
    case bulk
    /// The file has only the records changed since the last exchange.
    case delta
    /// The package has no such file; existing records stay as they are.
    case absent
}

/// The contents of a package's `manifest.csv`: binding version, file modes and source system.
public struct Manifest: Sendable, Hashable {
    /// The binding version, or nil when `oneroster.version` is missing or not 1.1, 1.2 or 1.2.1.
    public let version: OneRosterVersion?
    /// The `source.systemName` value, if any.
    public let sourceSystemName: String?
    /// The `source.systemCode` value, if any.
    public let sourceSystemCode: String?
    /// Every property as read (names without a trailing `*`, values trimmed); the first of duplicates wins.
    public let properties: [String: String]
    let modes: [Entity: FileMode]

    /// Returns the mode of a rostering file.
    ///
    /// A missing or blank key reads as bulk when the file is in the package and absent otherwise.
    /// An invalid value reads as absent, so that a file of unknown meaning changes nothing.
    public func mode(for entity: Entity) -> FileMode {
        modes[entity] ?? .absent
    }

    /// Reads `manifest.csv` and reports what is wrong with it; nothing is thrown.
    ///
    /// `presentEntities` lists the rostering files that the package contains; it decides the mode of a missing key.
    /// A file that cannot be read as CSV gives an error diagnostic and a manifest of what came before the error.
    public static func parse(
        source: any ByteSource, fileName: String = "manifest.csv", presentEntities: Set<Entity> = [],
        encoding: TextEncoding = .utf8
    ) -> (Manifest, [Diagnostic]) {
        var parser = ManifestParser(fileName: fileName)
        parser.read(CSVReader(source: source, fileName: fileName, encoding: encoding))
        parser.resolveModes(presentEntities: presentEntities)
        let manifest = Manifest(
            version: parser.version, sourceSystemName: parser.property(named: "source.systemname")?.value,
            sourceSystemCode: parser.property(named: "source.systemcode")?.value, properties: parser.properties,
            modes: parser.modes)
        return (manifest, parser.diagnostics)
    }
}
