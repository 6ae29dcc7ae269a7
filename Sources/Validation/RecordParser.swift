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
/// Cross-record rules (references, duplicates) are `RosterChecker`'s job. The per-field checks run on every
/// value of a large district, so they work on UTF-8 bytes and build messages only when a value fails.
public struct RecordParser: Sendable {
    public let entity: Entity
    public let options: ParseOptions
    private let columns: [Column]
    private let checks: [Check]
    private let required: [Bool]
    /// Accepted values of each vocabulary column, indexed by the number in `Check.vocabulary`.
    private let vocabularies: [Set<String>]

    /// What to check in a column, without the references a `Column` carries, so the hot loop copies nothing.
    private enum Check: Sendable {
        case identifier
        case text
        case vocabulary(Int)
        case date
        case dateTime
        case boolean
        case year
        case grades
        case list
        case userIds
    }

    public init(entity: Entity, options: ParseOptions) {
        self.entity = entity
        self.options = options
        let columns = Schema.columns(of: entity)
        self.columns = columns
        var vocabularies: [Set<String>] = []
        self.checks = columns.map { column in
            switch column.type {
            case .identifier, .reference: return .identifier
            case .string: return .text
            case .vocabulary(let vocabulary):
                vocabularies.append(Set(vocabulary.values(in: options.version)))
                return .vocabulary(vocabularies.count - 1)
            case .date: return .date
            case .dateTime: return .dateTime
            case .boolean: return .boolean
            case .year: return .year
            case .grades: return .grades
            case .list, .referenceList: return .list
            case .userIds: return .userIds
            }
        }
        self.vocabularies = vocabularies
        self.required = columns.map { column in
            guard column.versions.contains(options.version) else { return false }
            switch column.requirement {
            case .required: return true
            case .requiredInDelta: return options.mode == .delta
            case .optional: return false
            }
        }
    }

    /// Checks and canonicalizes `values` (aligned with `Schema.columns(of: entity)`); returns nil when an error rejects the record.
    public func parse(
        values: [String?], extensions: [Extension] = [], origin: Origin, into diagnostics: DiagnosticCollector
    ) -> Record? {
        var values = values
        var rejected = false

        for index in values.indices {
            guard let value = values[index], !value.isEmpty else {
                values[index] = nil
                if required[index] {
                    report(
                        .required, "required field '\(columns[index].name)' is blank", index, "", values, origin,
                        diagnostics)
                    rejected = true
                }
                continue
            }
            if let problem = check(value, index: index) {
                if let replacement = problem.replacement { values[index] = replacement }
                if let rule = problem.rule {
                    report(rule, problem.message(columns[index].name), index, value, values, origin, diagnostics)
                    if rule.severity == .error { rejected = true }
                }
            }
        }

        if entity != .demographics, values[1] == "tobedeleted", options.mode == .bulk {
            let sourcedId = values[0] ?? ""
            diagnostics.add(
                Rule.statusInBulk.diagnostic(
                    "\(entity.singular) '\(sourcedId)' is marked 'tobedeleted' in a bulk file",
                    origin: origin, field: "status", value: "tobedeleted", sourcedId: sourcedId))
        }
        return rejected ? nil : Record(entity: entity, values: values, extensions: extensions)
    }

    private func report(
        _ rule: Rule, _ message: String, _ index: Int, _ value: String, _ values: [String?], _ origin: Origin,
        _ diagnostics: DiagnosticCollector
    ) {
        let sourcedId = values[0].flatMap { $0.isEmpty ? nil : $0 }
        diagnostics.add(
            rule.diagnostic(message, origin: origin, field: columns[index].name, value: value, sourcedId: sourcedId))
    }

    /// A finding about one value: its rule, how to word it for a column, and the canonical value to store instead.
    private struct Problem {
        /// The rule broken, or nil when the value is only rewritten to its canonical form.
        var rule: Rule?
        var message: (String) -> String = { _ in "" }
        var replacement: String?
    }

    /// Checks one non-empty value; returns nil when it is fine and already canonical.
    private func check(_ value: String, index: Int) -> Problem? {
        switch checks[index] {
        case .text:
            return nil
        case .identifier:
            let bytes = value.utf8
            guard bytes.first == 0x20 || bytes.last == 0x20 else { return nil }
            return Problem(
                rule: .whitespace, message: { "field '\($0)' has leading or trailing spaces: '\(value)'" })
        case .vocabulary(let vocabulary):
            if vocabularies[vocabulary].contains(value) || Vocabulary.isExtensionValue(value) { return nil }
            return vocabularyProblem(value, column: columns[index])
        case .date:
            if FieldFormats.isDate(value) { return nil }
            return Problem(rule: .date, message: { "field '\($0)' is '\(value)'; expected a date written YYYY-MM-DD" })
        case .dateTime:
            return dateTimeProblem(value, column: columns[index])
        case .boolean:
            if value == "true" || value == "false" { return nil }
            let lowered = value.lowercased()
            if lowered == "true" || lowered == "false" {
                return Problem(
                    rule: .booleanCase, message: { "field '\($0)' is '\(value)'; expected '\(lowered)' in lower case" },
                    replacement: lowered)
            }
            return Problem(rule: .boolean, message: { "field '\($0)' is '\(value)'; expected true or false" })
        case .year:
            if FieldFormats.isYear(value) { return nil }
            return Problem(rule: .year, message: { "field '\($0)' is '\(value)'; expected a year written YYYY" })
        case .grades:
            if FieldFormats.isStandardGradeList(value) { return nil }
            return gradeProblem(value)
        case .list:
            let canonical = Self.canonicalList(value)
            return canonical == value ? nil : Problem(rule: nil, replacement: canonical)
        case .userIds:
            if FieldFormats.isUserIdList(value) { return nil }
            let items = Self.listItems(value)
            let bad = items.filter { !FieldFormats.isUserIdToken($0) }
            let canonical = items.joined(separator: ",")
            if bad.isEmpty { return Problem(rule: nil, replacement: canonical) }
            let listed = bad.map { "'\($0)'" }.joined(separator: ", ")
            return Problem(
                rule: .userIds, message: { "field '\($0)' has item \(listed); expected the form {type:identifier}" },
                replacement: canonical)
        }
    }

    private func vocabularyProblem(_ value: String, column: Column) -> Problem? {
        guard case .vocabulary(let vocabulary) = column.type else { return nil }
        if vocabulary == .status && value == "inactive" {
            return Problem(
                rule: .legacyStatus,
                message: { _ in "field 'status' is 'inactive', a OneRoster 1.0 value; it is read as 'tobedeleted'" },
                replacement: "tobedeleted")
        }
        let expected = vocabulary.values(in: options.version).joined(separator: ", ")
        var hint = ""
        if let match = vocabulary.caseInsensitiveMatch(for: value, version: options.version) {
            hint = " (values are case-sensitive: did you mean '\(match)'?)"
        } else if vocabulary.allowsExtension {
            hint = ", or a private value such as 'ext:\(value.filter { $0.isLetter || $0.isNumber })'"
        }
        return Problem(rule: .enumValue, message: { "field '\($0)' is '\(value)'; expected one of \(expected)\(hint)" })
    }

    private func dateTimeProblem(_ value: String, column: Column) -> Problem? {
        switch FieldFormats.dateTimeForm(value) {
        case .strict:
            return nil
        case .dateOnly, .noZone:
            return Problem(
                rule: .dateTimeZone,
                message: {
                    "field '\($0)' is '\(value)'; expected an ISO 8601 date-time with a zone, such as 2024-05-01T18:25:43Z"
                })
        case .invalid where options.mode == .bulk && column.name == "dateLastModified":
            return Problem(
                rule: .ignoredDateTime,
                message: { _ in
                    "field 'dateLastModified' is '\(value)', not an ISO 8601 date-time; a bulk file needs none, "
                        + "so the record is kept"
                })
        case .invalid:
            return Problem(
                rule: .dateTime,
                message: { "field '\($0)' is '\(value)'; expected an ISO 8601 date-time such as 2024-05-01T18:25:43Z" })
        }
    }

    /// Reports the first non-standard grade of a value (others in the same value are named in the message),
    /// and applies the district's grade map.
    private func gradeProblem(_ value: String) -> Problem {
        var items = Self.listItems(value)
        var mapped: [String] = []
        var unknown: [String] = []
        for position in items.indices where !GradeCodes.standard.contains(items[position]) {
            let grade = items[position]
            if let replacement = options.gradeMap[grade] {
                mapped.append("'\(grade)' to '\(replacement)'")
                items[position] = replacement
            } else {
                unknown.append(grade)
            }
        }
        let canonical = items.joined(separator: ",")
        guard let first = unknown.first else {
            if mapped.isEmpty { return Problem(rule: nil, replacement: canonical) }
            let list = mapped.joined(separator: ", ")
            return Problem(
                rule: .mappedGrade, message: { "field '\($0)': the grade map changed \(list)" }, replacement: canonical)
        }
        let quoted = unknown.map { "'\($0)'" }.joined(separator: ", ")
        var hint = ""
        if let suggestion = GradeCodes.suggestion(for: first) {
            hint = "; did you mean '\(suggestion)'? Add it to the district's grade_map to convert it"
        }
        let noun =
            unknown.count == 1
            ? "grade \(quoted) is not a CEDS grade level code" : "grades \(quoted) are not CEDS grade level codes"
        return Problem(
            rule: .nonStandardGrade, message: { "\(noun) in field '\($0)'\(hint); kept as given" },
            replacement: canonical)
    }

    /// Splits a comma-separated list, trimming spaces around items and leaving out empty ones.
    static func listItems(_ value: String) -> [String] {
        value.split(separator: ",", omittingEmptySubsequences: true).compactMap { item in
            let trimmed = String(item).trimmingSpaces()
            return trimmed.isEmpty ? nil : trimmed
        }
    }

    static func canonicalList(_ value: String) -> String {
        var previous: UInt8 = 0x2C
        var clean = true
        for byte in value.utf8 {
            if byte == 0x20 || byte == 0x09 || (byte == 0x2C && previous == 0x2C) {
                clean = false
                break
            }
            previous = byte
        }
        if clean && previous != 0x2C { return value }
        return listItems(value).joined(separator: ",")
    }
}
