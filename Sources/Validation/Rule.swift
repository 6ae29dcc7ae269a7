import OneRoster

/// A validation rule: a stable id, the severity of its findings and what it checks.
public struct Rule: Sendable, Hashable {
    public let id: String
    public let severity: Severity
    public let summary: String

    /// Builds a finding of this rule.
    public func diagnostic(
        _ message: String, origin: Origin?, field: String? = nil, value: String? = nil, sourcedId: String? = nil
    ) -> Diagnostic {
        Diagnostic(
            severity, rule: id, file: origin?.file, row: origin?.row, field: field, value: value,
            sourcedId: sourcedId, message: message)
    }
}

extension Rule {
    // Field rules: one value of one record.
    public static let required = Rule(
        id: "field.required", severity: .error, summary: "A required field is blank.")
    public static let enumValue = Rule(
        id: "field.enum", severity: .error,
        summary: "A value is not in the field's vocabulary (case-sensitive) and is not an ext: value.")
    public static let legacyStatus = Rule(
        id: "field.status-legacy", severity: .warning,
        summary: "The 1.0 status 'inactive' is read as 'tobedeleted'.")
    public static let date = Rule(
        id: "field.date", severity: .error, summary: "A date is not a real calendar date written YYYY-MM-DD.")
    public static let dateTime = Rule(
        id: "field.datetime", severity: .error, summary: "A date-time is not ISO 8601.")
    public static let ignoredDateTime = Rule(
        id: "field.datetime-ignored", severity: .warning,
        summary: "A bulk file's dateLastModified is not ISO 8601; bulk files need none, so the record is kept.")
    public static let dateTimeZone = Rule(
        id: "field.datetime-zone", severity: .warning,
        summary: "A date-time has no time zone or no time; it is kept as given.")
    public static let boolean = Rule(
        id: "field.boolean", severity: .error, summary: "A boolean is not 'true' or 'false'.")
    public static let booleanCase = Rule(
        id: "field.boolean-case", severity: .warning,
        summary: "A boolean is written in another letter case, such as 'TRUE'; it is stored in lower case.")
    public static let year = Rule(id: "field.year", severity: .error, summary: "A year is not written YYYY.")
    public static let userIds = Rule(
        id: "field.userids", severity: .warning,
        summary: "A userIds item is not of the form {type:identifier}; the value is kept as given.")
    public static let whitespace = Rule(
        id: "field.whitespace", severity: .warning,
        summary: "An identifier or reference has leading or trailing spaces; it is kept exactly as given.")
    public static let nonStandardGrade = Rule(
        id: "grade.nonstandard", severity: .warning,
        summary: "A grade is not a CEDS grade level code; it is kept as given unless a grade map is configured.")
    public static let mappedGrade = Rule(
        id: "grade.mapped", severity: .info, summary: "A grade was changed by the district's configured grade map.")
    public static let extraFields = Rule(
        id: "csv.row-width", severity: .warning,
        summary: "A row has a different number of fields than the header.")
    public static let extraValues = Rule(
        id: "csv.extra-values", severity: .error,
        summary: "A row has non-empty values beyond the last header column.")
    public static let statusInBulk = Rule(
        id: "status.bulk-tobedeleted", severity: .warning,
        summary: "A bulk file carries a record marked 'tobedeleted'; it is stored with that status.")

    // Cross-record rules.
    public static let duplicateId = Rule(
        id: "id.duplicate", severity: .error,
        summary: "The same sourcedId appears twice in one entity; every copy is rejected.")
    public static let caseDuplicateId = Rule(
        id: "id.case-duplicate", severity: .warning,
        summary: "Two sourcedIds differ only in letter case; they are distinct records, which is often a mistake.")
    public static let duplicateUsername = Rule(
        id: "unique.username", severity: .warning, summary: "Two users share a username (ignoring case).")
    public static let duplicateEmail = Rule(
        id: "unique.email", severity: .warning, summary: "Two users share an e-mail address (ignoring case).")
    public static let duplicateIdentifier = Rule(
        id: "unique.identifier", severity: .warning, summary: "Two records share an identifier.")
    public static let missingReference = Rule(
        id: "ref.missing", severity: .error, summary: "A required reference names a record that does not exist.")
    public static let missingOptionalReference = Rule(
        id: "ref.missing-optional", severity: .warning,
        summary: "An optional reference names a record that does not exist; the value is kept.")
    public static let rejectedReference = Rule(
        id: "ref.rejected", severity: .error, summary: "A record refers to a record that was rejected.")
    public static let enrollmentSchool = Rule(
        id: "enrollment.school-mismatch", severity: .error,
        summary: "An enrollment's schoolSourcedId differs from its class's schoolSourcedId.")
    public static let classWithoutTeacher = Rule(
        id: "class.no-teacher", severity: .warning, summary: "A class has no teacher enrollment.")

    /// Every rule this module reports, in catalogue order.
    public static let catalogue: [Rule] = [
        required, enumValue, legacyStatus, date, dateTime, ignoredDateTime, dateTimeZone, boolean, booleanCase, year,
        userIds,
        whitespace, nonStandardGrade, mappedGrade, extraFields, extraValues, statusInBulk, duplicateId,
        caseDuplicateId, duplicateUsername, duplicateEmail, duplicateIdentifier, missingReference,
        missingOptionalReference, rejectedReference, enrollmentSchool, classWithoutTeacher,
    ]
}
