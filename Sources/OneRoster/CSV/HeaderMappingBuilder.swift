/// The steps of `HeaderMapping.map`, collecting targets and diagnostics as it goes.
struct HeaderMappingBuilder {
    let entity: Entity
    let version: OneRosterVersion
    let fileName: String
    let columns: [Column]
    var targets: [HeaderMapping.Target] = []
    var positions: [Int?]
    var diagnostics: [Diagnostic] = []
    /// Unknown columns that look like a OneRoster column: input position and the suggested column index.
    private var suggestions: [(position: Int, column: Int)] = []

    init(entity: Entity, version: OneRosterVersion, fileName: String) {
        self.entity = entity
        self.version = version
        self.fileName = fileName
        self.columns = Schema.columns(of: entity)
        self.positions = Array(repeating: nil, count: columns.count)
    }

    mutating func map(_ header: [String]) {
        let names = header.map { $0.trimmingSpaces() }
        var firstPosition: [String: Int] = [:]
        var unnamedPositions: [Int] = []

        for (position, name) in names.enumerated() {
            if name.isEmpty {
                targets.append(.unnamed("column\(position + 1)"))
                unnamedPositions.append(position)
                continue
            }
            if name != header[position] {
                warn(
                    "header.whitespace", field: header[position],
                    "column \(position + 1) '\(header[position])' has spaces around its name; it is read as '\(name)'")
            }
            if let first = firstPosition[name] {
                targets.append(.ignored)
                diagnostics.append(
                    Diagnostic(
                        .error, rule: "header.duplicate", file: fileName, row: 1, field: name,
                        message: "column '\(name)' appears twice (columns \(first + 1) and \(position + 1)); "
                            + "remove one of them, only column \(first + 1) is read"))
                continue
            }
            firstPosition[name] = position
            targets.append(target(for: name, at: position, header: names))
        }

        if !unnamedPositions.isEmpty { reportUnnamed(unnamedPositions) }
        reportMissingColumns(header: names)
        reportOrder(header: names)
    }

    /// Finds the target of a non-empty, first-seen column name.
    private mutating func target(for name: String, at position: Int, header: [String]) -> HeaderMapping.Target {
        if let index = Schema.index(of: name, in: entity) {
            positions[index] = position
            if !columns[index].versions.contains(version) {
                let other = version == .v1p1 ? "1.2" : "1.1"
                warn(
                    "header.version", field: name,
                    "column '\(name)' is a OneRoster \(other) column, not a \(version.rawValue) one; "
                        + "it is still read")
            }
            return .column(index)
        }
        if name.hasPrefix("metadata.") { return .extensionColumn(name) }

        if let suggested = suggestion(for: name, header: header) {
            suggestions.append((position, suggested))
            warn(
                "header.unknown", field: name,
                "column '\(name)' is not a OneRoster column; did you mean '\(columns[suggested].name)'? "
                    + "It is kept as an extension column")
        } else {
            diagnostics.append(
                Diagnostic(
                    .info, rule: "header.extension", file: fileName, row: 1, field: name,
                    message: "column '\(name)' is not a OneRoster column; it is kept as an extension column"))
        }
        return .extensionColumn(name)
    }

    /// Returns the OneRoster column that `name` most likely misspells, unless the header already has that column.
    ///
    /// A column matches when it differs only in letter case or is at most two edits away. The nearest wins, then
    /// a column of the file's own version, then the earlier column.
    private func suggestion(for name: String, header: [String]) -> Int? {
        let lowered = name.lowercased()
        var best: (distance: Int, otherVersion: Int, index: Int)?
        for (index, column) in columns.enumerated() {
            let distance = column.name.lowercased() == lowered ? 0 : editDistance(name, column.name)
            guard distance <= 2 else { continue }
            let candidate = (distance, column.versions.contains(version) ? 0 : 1, index)
            if let current = best, current <= candidate { continue }
            best = candidate
        }
        guard let best, !header.contains(columns[best.index].name) else { return nil }
        return best.index
    }

    private mutating func reportUnnamed(_ unnamed: [Int]) {
        let numbers = unnamed.map { String($0 + 1) }
        let subject = unnamed.count == 1 ? "column \(numbers[0]) has" : "columns \(listed(numbers)) have"
        let names = listed(unnamed.map { "'column\($0 + 1)'" })
        warn(
            "header.empty", field: "",
            "\(subject) no name; values found there are kept as extension columns named \(names)")
    }

    private mutating func reportMissingColumns(header: [String]) {
        for (index, column) in columns.enumerated()
        where column.requirement == .required && column.versions.contains(version) && positions[index] == nil {
            var message = "\(fileName) is missing the required column '\(column.name)'"
            if let near = suggestions.first(where: { $0.column == index }) {
                message += "; column \(near.position + 1) is '\(header[near.position])', rename it to '\(column.name)'"
            }
            diagnostics.append(
                Diagnostic(
                    .error, rule: "header.missing-column", file: fileName, row: 1, field: column.name,
                    message: message))
        }
    }

    /// Warns once when OneRoster columns are out of spec order or an extension column comes before one of them.
    private mutating func reportOrder(header: [String]) {
        var previous: (index: Int, position: Int)?
        for (position, target) in targets.enumerated() {
            guard case .column(let index) = target else { continue }
            if let previous, index < previous.index {
                let expected = columns.filter { $0.versions.contains(version) }.map(\.name).joined(separator: ", ")
                warn(
                    "header.order", field: header[position],
                    "columns are not in OneRoster order: '\(header[position])' comes after "
                        + "'\(header[previous.position])'; they are read by name, but the expected order is "
                        + expected)
                return
            }
            previous = (index, position)
        }

        guard let lastColumn = targets.lastIndex(where: { if case .column = $0 { true } else { false } }) else {
            return
        }
        // A misspelled OneRoster column already has its own warning, so only true extension columns count here.
        let misspelled = Set(suggestions.map(\.position))
        for position in 0..<lastColumn where !misspelled.contains(position) {
            guard case .extensionColumn(let name) = targets[position] else { continue }
            warn(
                "header.order", field: name,
                "extension column '\(name)' comes before the OneRoster column '\(header[lastColumn])'; "
                    + "extension columns belong after all OneRoster columns")
            return
        }
    }

    private mutating func warn(_ rule: String, field: String, _ message: String) {
        diagnostics.append(Diagnostic(.warning, rule: rule, file: fileName, row: 1, field: field, message: message))
    }

    /// Joins items as "a, b and c".
    private func listed(_ items: [String]) -> String {
        guard let last = items.last, items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " and " + last
    }
}
