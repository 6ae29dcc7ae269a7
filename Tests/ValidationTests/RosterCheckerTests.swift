import OneRoster
import Testing

@testable import Validation

/// Offers records to a checker as a pipeline would, returning the verdicts and findings.
private final class Harness {
    let collector = DiagnosticCollector()
    lazy var checker = RosterChecker(diagnostics: collector)
    var rows: [Entity: Int] = [:]

    @discardableResult
    func offer(_ entity: Entity, _ fields: [String: String]) -> RosterChecker.Verdict {
        var record = Record(entity: entity)
        for (name, value) in fields { record[name] = value }
        let row = (rows[entity] ?? 1) + 1
        rows[entity] = row
        return checker.admit(record, origin: Origin(file: entity.fileName, row: row))
    }

    func findings(_ rule: String) -> [Diagnostic] {
        checker.finish()
        return collector.sorted().filter { $0.rule == rule }
    }
}

private func user(_ id: String, org: String = "sch-A", username: String? = nil, email: String? = nil) -> [String:
    String]
{
    var fields = [
        "sourcedId": id, "enabledUser": "true", "orgSourcedIds": org, "role": "student",
        "username": username ?? id, "givenName": "G", "familyName": "F",
    ]
    fields["email"] = email
    return fields
}

@Test func duplicateSourcedIdRejectsBothRows() {
    let harness = Harness()
    harness.offer(.orgs, ["sourcedId": "sch-A", "name": "A", "type": "school"])
    #expect(harness.offer(.users, user("u-900")) == .accepted)
    #expect(harness.offer(.users, user("u-900")) == .rejectedWithdrawingEarlier)
    #expect(harness.offer(.users, user("U-900")) == .accepted)
    let duplicates = harness.findings("id.duplicate")
    #expect(duplicates.map(\.row) == [2, 3])
    #expect(duplicates.first?.message.contains("rows 2 and 3") == true)
    let nearDuplicates = harness.collector.sorted().filter { $0.rule == "id.case-duplicate" }
    #expect(nearDuplicates.map(\.value) == ["U-900"])
    #expect(!harness.checker.isAccepted(.users, "u-900"))
    #expect(harness.checker.isAccepted(.users, "U-900"))
}

@Test func missingRequiredReferenceRejects() {
    let harness = Harness()
    harness.offer(.orgs, ["sourcedId": "sch-A", "name": "A", "type": "school"])
    #expect(harness.offer(.users, user("u-1", org: "sch-Z")) == .rejected)
    let findings = harness.findings("ref.missing")
    #expect(findings.first?.message == "field 'orgSourcedIds' names org 'sch-Z', which does not exist in orgs.csv")
}

@Test func dependentsOfRejectedRecordReported() {
    let harness = Harness()
    offerClassParents(harness)
    harness.offer(.classes, classFields("c-1"))
    harness.checker.noteRejected(.users, sourcedId: "u-1", origin: Origin(file: "users.csv", row: 2))
    let verdict = harness.offer(
        .enrollments,
        [
            "sourcedId": "e-1", "classSourcedId": "c-1", "schoolSourcedId": "sch-A", "userSourcedId": "u-1",
            "role": "student",
        ])
    #expect(verdict == .rejected)
    let findings = harness.findings("ref.rejected")
    #expect(findings.first?.message == "field 'userSourcedId' refers to user 'u-1', which was rejected (users.csv:2)")
}

private func classFields(_ id: String, school: String = "sch-A") -> [String: String] {
    [
        "sourcedId": id, "title": "T", "courseSourcedId": "crs-1", "classType": "scheduled",
        "schoolSourcedId": school, "termSourcedIds": "t-1",
    ]
}

/// Offers the orgs, session and course a class needs.
private func offerClassParents(_ harness: Harness) {
    harness.offer(.orgs, ["sourcedId": "sch-A", "name": "A", "type": "school"])
    harness.offer(.orgs, ["sourcedId": "sch-B", "name": "B", "type": "school"])
    harness.offer(
        .academicSessions,
        [
            "sourcedId": "t-1", "title": "Y", "type": "schoolYear", "startDate": "2025-08-18",
            "endDate": "2026-06-12", "schoolYear": "2026",
        ])
    harness.offer(.courses, ["sourcedId": "crs-1", "title": "Math", "orgSourcedId": "sch-A"])
}

@Test func enrollmentSchoolMustMatchClass() {
    let harness = Harness()
    offerClassParents(harness)
    harness.offer(.classes, classFields("cls-2"))
    harness.offer(.users, user("u-4", org: "sch-B"))
    let verdict = harness.offer(
        .enrollments,
        [
            "sourcedId": "e-4", "classSourcedId": "cls-2", "schoolSourcedId": "sch-B", "userSourcedId": "u-4",
            "role": "student",
        ])
    #expect(verdict == .rejected)
    let findings = harness.findings("enrollment.school-mismatch")
    #expect(findings.first?.sourcedId == "e-4")
    #expect(findings.first?.field == "schoolSourcedId")
}

@Test func classWithoutTeacherWarned() {
    let harness = Harness()
    offerClassParents(harness)
    harness.offer(.classes, classFields("cls-1"))
    harness.offer(.classes, classFields("cls-2"))
    harness.offer(.users, user("u-1"))
    harness.offer(.users, user("u-2"))
    harness.offer(
        .enrollments,
        [
            "sourcedId": "e-1", "classSourcedId": "cls-1", "schoolSourcedId": "sch-A", "userSourcedId": "u-1",
            "role": "teacher",
        ])
    harness.offer(
        .enrollments,
        [
            "sourcedId": "e-2", "classSourcedId": "cls-2", "schoolSourcedId": "sch-A", "userSourcedId": "u-2",
            "role": "student",
        ])
    let findings = harness.findings("class.no-teacher")
    #expect(findings.map(\.message) == ["class cls-2 has no teacher enrollment"])
    #expect(findings.first?.severity == .warning)
}

@Test func duplicateEmailIgnoresCase() {
    let harness = Harness()
    harness.offer(.orgs, ["sourcedId": "sch-A", "name": "A", "type": "school"])
    harness.offer(.users, user("u-1", email: "Avery@Example.org"))
    harness.offer(.users, user("u-2", email: "avery@example.org"))
    let findings = harness.findings("unique.email")
    #expect(findings.map(\.sourcedId) == ["u-2"])
    #expect(findings.first?.severity == .warning)
}

@Test func missingParentOrgIsWarningOnly() {
    let harness = Harness()
    let verdict = harness.offer(
        .orgs, ["sourcedId": "dept-1", "name": "Dept", "type": "department", "parentSourcedId": "sch-9"])
    harness.offer(.orgs, ["sourcedId": "sch-A", "name": "A", "type": "school", "parentSourcedId": "dept-1"])
    #expect(verdict == .accepted)
    let findings = harness.findings("ref.missing-optional")
    #expect(findings.map(\.value) == ["sch-9"])
}

@Test func demographicsNeedTheirUser() {
    let harness = Harness()
    harness.offer(.orgs, ["sourcedId": "sch-A", "name": "A", "type": "school"])
    harness.offer(.users, user("u-1"))
    #expect(harness.offer(.demographics, ["sourcedId": "u-1", "sex": "female"]) == .accepted)
    #expect(harness.offer(.demographics, ["sourcedId": "u-12", "sex": "male"]) == .rejected)
    #expect(harness.findings("ref.missing").map(\.field) == ["sourcedId"])
}
