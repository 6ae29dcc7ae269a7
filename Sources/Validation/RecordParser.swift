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
    /// The same values as UTF-8, for the byte comparison that accepts most values without making a string.
    private let vocabularyBytes: [[[UInt8]]]

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
        self.vocabularyBytes = vocabularies.map { values in values.map { Array($0.utf8) } }
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
        let blanked = values.map { value in value.flatMap { $0.isEmpty ? nil : $0 } }
        return parse(Record(entity: entity, values: blanked, extensions: extensions), origin: origin, into: diagnostics)
    }

    /// Checks and canonicalizes a record of this parser's entity as read; returns nil when an error rejects it.
    ///
    /// Blank values must already be nil. Values that pass the byte checks are kept without making a string;
    /// the others go through `check(_:index:)`, which words the findings.
    public func parse(_ record: Record, origin: Origin, into diagnostics: DiagnosticCollector) -> Record? {
        precondition(record.entity == entity, "the record must be of the parser's entity")
        var rejected = false
        var replacements: [(index: Int, value: String)] = []

        record.withValueBytes { values in
            for index in 0..<values.count {
                guard let bytes = values[index], !bytes.isEmpty else {
                    if required[index] {
                        report(
                            .required, "required field '\(columns[index].name)' is blank", index, "", values, origin,
                            diagnostics)
                        rejected = true
                    }
                    continue
                }
                if isCanonical(bytes, index: index) { continue }
                let value = String(decoding: bytes, as: UTF8.self)
                if let problem = check(value, index: index) {
                    if let replacement = problem.replacement { replacements.append((index, replacement)) }
                    if let rule = problem.rule {
                        report(rule, problem.message(columns[index].name), index, value, values, origin, diagnostics)
                        if rule.severity == .error { rejected = true }
                    }
                }
            }
        }
        var record = record
        if !replacements.isEmpty {
            var all = record.values
            for replacement in replacements { all[replacement.index] = replacement.value }
            record.values = all
        }
        if entity != .demographics, options.mode == .bulk,
            record.withValue(at: 1, { $0.map { Self.equals($0, Self.toBeDeleted) } ?? false })
        {
            let sourcedId = record.sourcedId
            diagnostics.add(
                Rule.statusInBulk.diagnostic(
                    "\(entity.singular) '\(sourcedId)' is marked 'tobedeleted' in a bulk file",
                    origin: origin, field: "status", value: "tobedeleted", sourcedId: sourcedId))
        }
        return rejected ? nil : record
    }

    private static let toBeDeleted = Array("tobedeleted".utf8)
    private static let trueBytes = Array("true".utf8)
    private static let falseBytes = Array("false".utf8)

    private static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ other: [UInt8]) -> Bool {
        bytes.count == other.count && bytes.elementsEqual(other)
    }

    /// Returns whether a non-empty value passes its column's check and is already canonical, decided on its bytes alone.
    /// A false result only means that `check(_:index:)` must look at the value.
    private func isCanonical(_ bytes: UnsafeBufferPointer<UInt8>, index: Int) -> Bool {
        switch checks[index] {
        case .text:
            return true
        case .identifier:
            return bytes[0] != 0x20 && bytes[bytes.count - 1] != 0x20
        case .vocabulary(let vocabulary):
            return vocabularyBytes[vocabulary].contains { Self.equals(bytes, $0) }
        case .date:
            return FieldFormats.isDate(bytes)
        case .dateTime:
            return FieldFormats.dateTimeForm(bytes) == .strict
        case .boolean:
            return Self.equals(bytes, Self.trueBytes) || Self.equals(bytes, Self.falseBytes)
        case .year:
            return FieldFormats.isYear(bytes)
        case .grades:
            return FieldFormats.isStandardGradeList(bytes)
        case .list:
            return Self.isCanonicalList(bytes)
        case .userIds:
            return FieldFormats.isUserIdList(bytes)
        }
    }

    private func report(
        _ rule: Rule, _ message: String, _ index: Int, _ value: String, _ values: RecordBytes, _ origin: Origin,
        _ diagnostics: DiagnosticCollector
    ) {
        let sourcedId = values[0].flatMap { $0.isEmpty ? nil : String(decoding: $0, as: UTF8.self) }
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
        var value = value
        if value.withUTF8({ isCanonicalList($0) }) { return value }
        return listItems(value).joined(separator: ",")
    }

    /// Returns whether a list has no spaces, tabs or empty items, so `canonicalList` keeps it as it is.
    static func isCanonicalList(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var previous: UInt8 = 0x2C
        for byte in bytes {
            if byte == 0x20 || byte == 0x09 || (byte == 0x2C && previous == 0x2C) { return false }
            previous = byte
        }
        return previous != 0x2C
    }
}
