import OneRoster

/// Settings that change how records are read.
public struct ParseOptions: Sendable {
    public var version: OneRosterVersion
    public var mode: FileMode
    /// Replacements for non-standard grade codes, such as `K` to `KG`, configured per district.
    public var gradeMap: [String: String]

    public init(version: OneRosterVersion, mode: FileMode = .bulk, gradeMap: [String: String] = [:]) {
        self.version = version
        self.mode = mode
        self.gradeMap = gradeMap
    }
}

/// Turns the raw text of one row into a canonical `Record`, checking every field on its own.
///
/// Cross-record rules (references, duplicates) are `RosterChecker`'s job.
public struct RecordParser: Sendable {
    public let entity: Entity
    public let options: ParseOptions
    private let columns: [Column]
    private let inVersion: [Bool]

    public init(entity: Entity, options: ParseOptions) {
        self.entity = entity
        self.options = options
        self.columns = Schema.columns(of: entity)
        self.inVersion = columns.map { $0.versions.contains(options.version) }
    }

    /// Checks and canonicalizes `values` (aligned with `Schema.columns(of: entity)`); returns nil when an error rejects the record.
    public func parse(
        values: [String?], extensions: [Extension] = [], origin: Origin, into diagnostics: DiagnosticCollector
    ) -> Record? {
        var values = values
        var rejected = false
        let sourcedId = values[0].flatMap { $0.isEmpty ? nil : $0 }

        for index in columns.indices {
            let column = columns[index]
            guard let value = values[index], !value.isEmpty else {
                values[index] = nil
                if isRequired(column, index: index) {
                    diagnostics.add(
                        Rule.required.diagnostic(
                            "required field '\(column.name)' is blank", origin: origin, field: column.name,
                            value: "", sourcedId: sourcedId))
                    rejected = true
                }
                continue
            }
            let report: (Rule, String) -> Void = { rule, message in
                diagnostics.add(
                    rule.diagnostic(message, origin: origin, field: column.name, value: value, sourcedId: sourcedId))
                if rule.severity == .error { rejected = true }
            }
            values[index] = canonical(value, column: column, report: report)
        }

        if entity != .demographics, values[1] == "tobedeleted", options.mode == .bulk {
            diagnostics.add(
                Rule.statusInBulk.diagnostic(
                    "\(entity.singular) '\(sourcedId ?? "")' is marked 'tobedeleted' in a bulk file",
                    origin: origin, field: "status", value: "tobedeleted", sourcedId: sourcedId))
        }
        return rejected ? nil : Record(entity: entity, values: values, extensions: extensions)
    }

    private func isRequired(_ column: Column, index: Int) -> Bool {
        guard inVersion[index] else { return false }
        switch column.requirement {
        case .required: return true
        case .requiredInDelta: return options.mode == .delta
        case .optional: return false
        }
    }

    /// Returns the canonical form of a non-empty value, reporting what is wrong with it.
    private func canonical(_ value: String, column: Column, report: (Rule, String) -> Void) -> String {
        switch column.type {
        case .identifier, .reference:
            if value.first == " " || value.last == " " {
                report(.whitespace, "field '\(column.name)' has leading or trailing spaces: '\(value)'")
            }
            return value
        case .string:
            return value
        case .vocabulary(let vocabulary):
            return checkVocabulary(value, vocabulary: vocabulary, column: column, report: report)
        case .date:
            if !FieldFormats.isDate(value) {
                report(.date, "field '\(column.name)' is '\(value)'; expected a date written YYYY-MM-DD")
            }
            return value
        case .dateTime:
            switch FieldFormats.dateTimeForm(value) {
            case .strict:
                break
            case .dateOnly, .noZone:
                report(
                    .dateTimeZone,
                    "field '\(column.name)' is '\(value)'; expected an ISO 8601 date-time with a zone, "
                        + "such as 2024-05-01T18:25:43Z")
            case .invalid:
                report(
                    .dateTime,
                    "field '\(column.name)' is '\(value)'; expected an ISO 8601 date-time such as 2024-05-01T18:25:43Z")
            }
            return value
        case .boolean:
            if value == "true" || value == "false" { return value }
            let lowered = value.lowercased()
            if lowered == "true" || lowered == "false" {
                report(.booleanCase, "field '\(column.name)' is '\(value)'; expected '\(lowered)' in lower case")
                return lowered
            }
            report(.boolean, "field '\(column.name)' is '\(value)'; expected true or false")
            return value
        case .year:
            if !FieldFormats.isYear(value) {
                report(.year, "field '\(column.name)' is '\(value)'; expected a year written YYYY")
            }
            return value
        case .grades:
            return canonicalGrades(value, column: column, report: report)
        case .list, .referenceList:
            return Self.canonicalList(value)
        case .userIds:
            let items = Self.listItems(value)
            for item in items where !FieldFormats.isUserIdToken(item) {
                report(.userIds, "field '\(column.name)' has item '\(item)'; expected the form {type:identifier}")
            }
            return items.joined(separator: ",")
        }
    }

    private func checkVocabulary(
        _ value: String, vocabulary: Vocabulary, column: Column, report: (Rule, String) -> Void
    ) -> String {
        if vocabulary.accepts(value, version: options.version) { return value }
        if vocabulary == .status && value == "inactive" {
            report(.legacyStatus, "field 'status' is 'inactive', a OneRoster 1.0 value; it is read as 'tobedeleted'")
            return "tobedeleted"
        }
        let expected = vocabulary.values(in: options.version).joined(separator: ", ")
        var message = "field '\(column.name)' is '\(value)'; expected one of \(expected)"
        if let match = vocabulary.caseInsensitiveMatch(for: value, version: options.version) {
            message += " (values are case-sensitive: did you mean '\(match)'?)"
        } else if vocabulary.allowsExtension {
            message += ", or a private value such as 'ext:\(value.filter { $0.isLetter || $0.isNumber })'"
        }
        report(.enumValue, message)
        return value
    }

    private func canonicalGrades(_ value: String, column: Column, report: (Rule, String) -> Void) -> String {
        var items = Self.listItems(value)
        for position in items.indices {
            let grade = items[position]
            if GradeCodes.standard.contains(grade) { continue }
            if let mapped = options.gradeMap[grade] {
                report(.mappedGrade, "grade '\(grade)' in field '\(column.name)' was mapped to '\(mapped)'")
                items[position] = mapped
                continue
            }
            var message = "grade '\(grade)' in field '\(column.name)' is not a CEDS grade level code"
            if let suggestion = GradeCodes.suggestion(for: grade) {
                message += "; did you mean '\(suggestion)'? Add it to the district's grade_map to convert it"
            }
            report(.nonStandardGrade, message + "; it is kept as given")
        }
        return items.joined(separator: ",")
    }

    /// Splits a comma-separated list, trimming spaces around items and leaving out empty ones.
    static func listItems(_ value: String) -> [String] {
        value.split(separator: ",", omittingEmptySubsequences: true).compactMap { item in
            let trimmed = String(item).trimmingSpaces()
            return trimmed.isEmpty ? nil : trimmed
        }
    }

    static func canonicalList(_ value: String) -> String {
        if !value.utf8.contains(0x20) && !value.utf8.contains(0x09) && !value.hasPrefix(",") && !value.hasSuffix(",")
            && !value.contains(",,")
        {
            return value
        }
        return listItems(value).joined(separator: ",")
    }
}
