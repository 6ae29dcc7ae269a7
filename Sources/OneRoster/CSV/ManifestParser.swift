/// The steps of `Manifest.parse`.
struct ManifestParser {
    /// Manifest keys of OneRoster gradebook and resource files, which Rollbook does not import.
    static let otherFileKeys: Set<String> = [
        "categories", "classresources", "courseresources", "lineitems", "resources", "results",
        "lineitemlearningobjectiveids", "lineitemscorescales", "resultlearningobjectiveids", "resultscorescales",
        "scorescales", "userresources",
    ]

    let fileName: String
    var properties: [String: String] = [:]
    var version: OneRosterVersion?
    var modes: [Entity: FileMode] = [:]
    var diagnostics: [Diagnostic] = []
    /// Rostering entities whose key is present with an invalid value.
    private var invalidModes: Set<Entity> = []
    /// Rostering entities whose key is present with a blank value, and the row of that key.
    private var blankModes: [Entity: Int] = [:]
    /// The row of each property, by name as written.
    private var propertyRows: [String: Int] = [:]

    init(fileName: String) {
        self.fileName = fileName
    }

    mutating func read(_ reader: CSVReader) {
        var fields: [String] = []
        do {
            while try reader.readRow(into: &fields) {
                readRow(fields, row: reader.rowNumber)
            }
        } catch {
            diagnostics.append(error.diagnostic)
        }
        readVersion()
    }

    private mutating func readRow(_ fields: [String], row: Int) {
        let name = fields[0].trimmingSpaces()
        if row == 1 && name.lowercased() == "propertyname" { return }
        if row == 1 {
            warn(
                "manifest.header", row: row,
                "\(fileName) has no header row 'propertyName,value'; its first row is read as a property")
        }
        guard fields.count >= 2 else {
            warn("manifest.row", row: row, "row has 1 field, '\(fields[0])'; expected propertyName,value")
            return
        }
        var key = name
        // One 1.2 exporter writes the keys of files new in 1.2 with the star that marks them in the spec tables.
        if key.hasSuffix("*") { key.removeLast() }
        let value = fields[1].trimmingSpaces()

        if let first = propertyRows[key] {
            warn(
                "manifest.duplicate", row: row, field: key,
                "property '\(key)' appears again (first at row \(first)); only the first value is used")
            return
        }
        propertyRows[key] = row
        properties[key] = value

        let lowered = key.lowercased()
        if lowered.hasPrefix("file.") {
            readFileMode(key: key, name: String(lowered.dropFirst(5)), value: value, row: row)
        } else if !["manifest.version", "oneroster.version", "source.systemname", "source.systemcode"].contains(lowered)
        {
            note(
                "manifest.unknown-property", row: row, field: key,
                "property '\(key)' is not a OneRoster manifest property; it is ignored")
        }
    }

    private mutating func readFileMode(key: String, name: String, value: String, row: Int) {
        guard let entity = Entity(fileName: name + ".csv") else {
            if !Self.otherFileKeys.contains(name) {
                note(
                    "manifest.unknown-property", row: row, field: key,
                    "property '\(key)' names no OneRoster file; it is ignored")
            } else if value == FileMode.bulk.rawValue || value == FileMode.delta.rawValue {
                note(
                    "manifest.unsupported-file", row: row, field: key,
                    "\(key) is '\(value)', but only rostering files are imported; the file is ignored")
            }
            return
        }
        if value.isEmpty {
            blankModes[entity] = row
            return
        }
        guard let mode = FileMode(rawValue: value) else {
            invalidModes.insert(entity)
            modes[entity] = .absent
            diagnostics.append(
                Diagnostic(
                    .error, rule: "manifest.mode", file: fileName, row: row, field: key, value: value,
                    message: "\(key) is '\(value)'; expected bulk, delta or absent"))
            return
        }
        modes[entity] = mode
    }

    private mutating func readVersion() {
        guard let (key, text) = property(named: "oneroster.version") else {
            diagnostics.append(
                Diagnostic(
                    .error, rule: "manifest.version", file: fileName, field: "oneroster.version",
                    message: "\(fileName) has no oneroster.version row; add one with the value 1.1 or 1.2"))
            return
        }
        version = OneRosterVersion(manifestValue: text)
        if version == nil {
            diagnostics.append(
                Diagnostic(
                    .error, rule: "manifest.version", file: fileName, row: propertyRows[key],
                    field: "oneroster.version", value: text,
                    message: "oneroster.version is '\(text)'; expected 1.1, 1.2 or 1.2.1"))
        }
    }

    /// Returns a property whose name matches `name` ignoring letter case, with the name as written.
    func property(named name: String) -> (key: String, value: String)? {
        if let value = properties[name] { return (name, value) }
        return properties.first { $0.key.lowercased() == name }.map { ($0.key, $0.value) }
    }

    /// Sets the mode of every rostering file whose key is missing or blank, with a warning for each.
    mutating func resolveModes(presentEntities: Set<Entity>) {
        let expected = Set(Entity.all(in: version ?? .v1p1))
        for entity in Entity.allCases where modes[entity] == nil && !invalidModes.contains(entity) {
            let present = presentEntities.contains(entity)
            modes[entity] = present ? .bulk : .absent
            guard expected.contains(entity) || present else { continue }
            let row = blankModes[entity]
            let problem = row == nil ? "has no \(entity.manifestKey) row" : "has a blank \(entity.manifestKey)"
            let outcome =
                present
                ? "\(entity.fileName) is in the package, so it is read as bulk"
                : "\(entity.fileName) is not in the package, so it is treated as absent"
            warn("manifest.missing-key", row: row, field: entity.manifestKey, "\(fileName) \(problem); \(outcome)")
        }
    }

    private mutating func warn(_ rule: String, row: Int?, field: String? = nil, _ message: String) {
        diagnostics.append(Diagnostic(.warning, rule: rule, file: fileName, row: row, field: field, message: message))
    }

    private mutating func note(_ rule: String, row: Int?, field: String? = nil, _ message: String) {
        diagnostics.append(Diagnostic(.info, rule: rule, file: fileName, row: row, field: field, message: message))
    }
}
