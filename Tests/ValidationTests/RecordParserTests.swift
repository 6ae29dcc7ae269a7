import OneRoster
import Testing

@testable import Validation

/// Builds raw values for an entity from column names.
private func raw(_ entity: Entity, _ fields: [String: String]) -> [String?] {
    var values = [String?](repeating: nil, count: Schema.columns(of: entity).count)
    for (name, value) in fields {
        guard let index = Schema.index(of: name, in: entity) else {
            Issue.record("no column \(name) in \(entity)")
            continue
        }
        values[index] = value
    }
    return values
}

private let student: [String: String] = [
    "sourcedId": "u-1", "enabledUser": "true", "orgSourcedIds": "sch-1", "role": "student", "username": "avery",
    "givenName": "Avery", "familyName": "Quill",
]

private func parse(
    _ entity: Entity, _ fields: [String: String], version: OneRosterVersion = .v1p1, mode: FileMode = .bulk,
    gradeMap: [String: String] = [:]
) -> (Record?, [Diagnostic]) {
    let collector = DiagnosticCollector()
    let parser = RecordParser(entity: entity, options: ParseOptions(version: version, mode: mode, gradeMap: gradeMap))
    let record = parser.parse(
        values: raw(entity, fields), origin: Origin(file: entity.fileName, row: 2), into: collector)
    return (record, collector.sorted())
}

@Test func validStudentHasNoFindings() {
    let (record, findings) = parse(.users, student)
    #expect(record?.sourcedId == "u-1")
    #expect(findings.isEmpty)
}

@Test func blankRequiredFieldRejects() {
    var fields = student
    fields["givenName"] = ""
    let (record, findings) = parse(.users, fields)
    #expect(record == nil)
    #expect(findings.map(\.rule) == ["field.required"])
    #expect(findings.first?.field == "givenName")
    #expect(findings.first?.message == "required field 'givenName' is blank")
}

@Test func roleInOtherCaseNamesExpectedValue() {
    var fields = student
    fields["role"] = "Student"
    let (record, findings) = parse(.users, fields)
    #expect(record == nil)
    #expect(findings.first?.rule == "field.enum")
    #expect(findings.first?.value == "Student")
    #expect(
        findings.first?.message
            == "field 'role' is 'Student'; expected one of administrator, aide, guardian, parent, proctor, "
            + "relative, student, teacher (values are case-sensitive: did you mean 'student'?)")
}

@Test func camelCaseStatusIsNearMiss() {
    var fields = student
    fields["status"] = "toBeDeleted"
    let (record, findings) = parse(.users, fields, mode: .delta)
    #expect(record == nil)
    #expect(findings.contains { $0.rule == "field.enum" && $0.message.contains("did you mean 'tobedeleted'?") })
}

@Test func extensionValueAccepted() {
    let (record, findings) = parse(
        .orgs, ["sourcedId": "o-1", "name": "North", "type": "ext:campus"], version: .v1p2)
    #expect(record?["type"] == "ext:campus")
    #expect(findings.isEmpty)
}

@Test func malformedExtensionValueRejected() {
    let (record, findings) = parse(.orgs, ["sourcedId": "o-1", "name": "North", "type": "ext:"], version: .v1p2)
    #expect(record == nil)
    #expect(findings.map(\.rule) == ["field.enum"])
}

@Test func legacyInactiveStatusReadAsTobedeleted() {
    var fields = student
    fields["status"] = "inactive"
    fields["dateLastModified"] = "2024-01-02T03:04:05Z"
    let (record, findings) = parse(.users, fields, mode: .delta)
    #expect(record?["status"] == "tobedeleted")
    #expect(findings.map(\.rule) == ["field.status-legacy"])
}

@Test func nonStandardGradesKeptAndFlagged() {
    var fields = student
    fields["grades"] = "K, 09"
    let (record, findings) = parse(.users, fields)
    #expect(record?["grades"] == "K,09")
    #expect(findings.map(\.rule) == ["grade.nonstandard"])
    #expect(findings.first?.message.contains("did you mean 'KG'?") == true)
}

@Test func gradeMapConvertsConfiguredCodes() {
    var fields = student
    fields["grades"] = "K"
    let (record, findings) = parse(.users, fields, gradeMap: ["K": "KG"])
    #expect(record?["grades"] == "KG")
    #expect(findings.map(\.severity) == [.info])
}

@Test func upperCaseBooleanNormalizedWithWarning() {
    var fields = student
    fields["enabledUser"] = "TRUE"
    let (record, findings) = parse(.users, fields)
    #expect(record?["enabledUser"] == "true")
    #expect(findings.map(\.rule) == ["field.boolean-case"])
}

@Test func yesIsNotBoolean() {
    let (record, findings) = parse(
        .enrollments,
        [
            "sourcedId": "e-1", "classSourcedId": "c", "schoolSourcedId": "s", "userSourcedId": "u",
            "role": "student", "primary": "yes",
        ])
    #expect(record == nil)
    #expect(findings.first?.message == "field 'primary' is 'yes'; expected true or false")
}

@Test(arguments: [
    ("2024-02-29", true), ("2023-02-29", false), ("2024-13-01", false), ("1/09/2022", false),
    ("2024-1-01", false), ("2024-04-31", false),
])
func dateFormat(text: String, valid: Bool) {
    #expect(FieldFormats.isDate(text) == valid)
}

@Test func dateTimeForms() {
    #expect(FieldFormats.dateTimeForm("2023-05-01T18:25:43.511Z") == .strict)
    #expect(FieldFormats.dateTimeForm("2022-03-15T01:30:00.0000000+00:00") == .strict)
    #expect(FieldFormats.dateTimeForm("2025-01-15") == .dateOnly)
    #expect(FieldFormats.dateTimeForm("2017-05-06 08:01:05") == .noZone)
    #expect(FieldFormats.dateTimeForm("2017-05-06T08:01:05") == .noZone)
    #expect(FieldFormats.dateTimeForm("1/05/2023") == .invalid)
    #expect(FieldFormats.dateTimeForm("2017-05-06T25:01:05Z") == .invalid)
}

@Test func deltaRequiresStatusAndDate() {
    let (record, findings) = parse(.users, student, mode: .delta)
    #expect(record == nil)
    #expect(findings.map(\.field) == ["status", "dateLastModified"])
}

@Test func columnOfOtherVersionNotRequired() {
    var fields = student
    fields["role"] = nil
    fields["orgSourcedIds"] = nil
    let (record, findings) = parse(.users, fields, version: .v1p2)
    #expect(record != nil)
    #expect(findings.isEmpty)
}

@Test func listsCanonicalized() {
    let (record, _) = parse(
        .classes,
        [
            "sourcedId": "c-1", "title": "Physics", "courseSourcedId": "crs", "classType": "scheduled",
            "schoolSourcedId": "s", "termSourcedIds": "t1, t2,", "subjects": "Science, Physics",
        ])
    #expect(record?["termSourcedIds"] == "t1,t2")
    #expect(record?["subjects"] == "Science,Physics")
}

@Test func malformedUserIdWarns() {
    var fields = student
    fields["userIds"] = "{LDAP:12},06870333"
    let (record, findings) = parse(.users, fields)
    #expect(record?["userIds"] == "{LDAP:12},06870333")
    #expect(findings.map(\.value) == ["{LDAP:12},06870333"])
    #expect(findings.first?.message.contains("'06870333'") == true)
}
