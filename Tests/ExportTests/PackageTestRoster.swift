import Foundation
import OneRoster
import Testing

@testable import Export

/// Builds a record from column names; every name must be a schema column of the entity.
func makeRecord(_ entity: Entity, _ fields: KeyValuePairs<String, String>) -> Record {
    var record = Record(entity: entity)
    for (name, value) in fields {
        precondition(Schema.index(of: name, in: entity) != nil, "\(name) is not a column of \(entity)")
        record[name] = value
    }
    return record
}

/// A small hand-made roster as the store keeps it: union columns, 1.1 user fields filled, statuses and dates set.
enum TestRoster {
    static let modified = "2024-03-01T12:00:00.000Z"

    static let orgs = [
        makeRecord(
            .orgs,
            [
                "sourcedId": "dist-1", "status": "active", "dateLastModified": modified, "name": "Larkspur Unified",
                "type": "district", "identifier": "0601234",
            ]),
        makeRecord(
            .orgs,
            [
                "sourcedId": "sch-1", "status": "active", "dateLastModified": modified, "name": "Larkspur High",
                "type": "school", "identifier": "0601234-01", "parentSourcedId": "dist-1",
            ]),
    ]

    static let academicSessions = [
        makeRecord(
            .academicSessions,
            [
                "sourcedId": "sy-2024", "status": "active", "dateLastModified": modified, "title": "2023-2024",
                "type": "schoolYear", "startDate": "2023-08-15", "endDate": "2024-06-12", "schoolYear": "2024",
            ])
    ]

    static let courses = [
        makeRecord(
            .courses,
            [
                "sourcedId": "crs-bio", "status": "active", "dateLastModified": modified,
                "schoolYearSourcedId": "sy-2024", "title": "Biology", "courseCode": "BIO1", "grades": "09,10",
                "orgSourcedId": "sch-1", "subjects": "science", "subjectCodes": "03051",
            ])
    ]

    static let classes = [
        makeRecord(
            .classes,
            [
                "sourcedId": "cls-bio-1", "status": "active", "dateLastModified": modified,
                "title": "Biology - Period 1", "grades": "09,10", "courseSourcedId": "crs-bio", "classCode": "BIO1-1",
                "classType": "scheduled", "location": "Room 12", "schoolSourcedId": "sch-1",
                "termSourcedIds": "sy-2024", "periods": "1",
            ]),
        makeRecord(
            .classes,
            [
                "sourcedId": "cls-hr-9a", "status": "active", "dateLastModified": modified, "title": "Homeroom 9A",
                "courseSourcedId": "crs-bio", "classType": "homeroom", "schoolSourcedId": "sch-1",
                "termSourcedIds": "sy-2024",
            ]),
    ]

    static let users = [
        makeRecord(
            .users,
            [
                "sourcedId": "tch-1", "status": "active", "dateLastModified": modified, "enabledUser": "true",
                "orgSourcedIds": "sch-1,dist-1", "role": "teacher", "username": "rsmith",
                "userIds": "{LDAP:rsmith},{SIS:T100}", "givenName": "Robert \"Bob\"", "familyName": "Smith, Jr.",
                "email": "rsmith@larkspur.example", "pronouns": "he/him",
            ]),
        makeRecord(
            .users,
            [
                "sourcedId": "stu-1", "status": "active", "dateLastModified": modified, "enabledUser": "true",
                "orgSourcedIds": "sch-1", "role": "student", "username": "znguyen", "givenName": "Zoë",
                "familyName": "Nguyễn", "identifier": "1001", "agentSourcedIds": "par-1", "grades": "09",
                "preferredGivenName": "Zo",
            ]),
        makeRecord(
            .users,
            [
                "sourcedId": "stu-2", "status": "active", "dateLastModified": "2024-03-02T08:30:00.000Z",
                "enabledUser": "false", "orgSourcedIds": "sch-1", "role": "student", "username": "lbrown",
                "givenName": "Liam", "familyName": "Brown", "middleName": " James", "identifier": "1002",
                "grades": "10",
            ]),
        makeRecord(
            .users,
            [
                "sourcedId": "par-1", "status": "active", "dateLastModified": modified, "enabledUser": "true",
                "orgSourcedIds": "sch-1", "role": "guardian", "username": "tnguyen", "givenName": "Thu",
                "familyName": "Nguyễn", "phone": "+1 555 0100", "agentSourcedIds": "stu-1",
            ]),
    ]

    static let enrollments = [
        makeRecord(
            .enrollments,
            [
                "sourcedId": "enr-1", "status": "active", "dateLastModified": modified, "classSourcedId": "cls-bio-1",
                "schoolSourcedId": "sch-1", "userSourcedId": "tch-1", "role": "teacher", "primary": "true",
                "beginDate": "2023-08-15",
            ]),
        makeRecord(
            .enrollments,
            [
                "sourcedId": "enr-2", "status": "active", "dateLastModified": modified, "classSourcedId": "cls-bio-1",
                "schoolSourcedId": "sch-1", "userSourcedId": "stu-1", "role": "student", "primary": "false",
            ]),
        makeRecord(
            .enrollments,
            [
                "sourcedId": "enr-3", "status": "active", "dateLastModified": modified, "classSourcedId": "cls-bio-1",
                "schoolSourcedId": "sch-1", "userSourcedId": "stu-2", "role": "student", "primary": "false",
            ]),
        makeRecord(
            .enrollments,
            [
                "sourcedId": "enr-4", "status": "active", "dateLastModified": modified, "classSourcedId": "cls-hr-9a",
                "schoolSourcedId": "sch-1", "userSourcedId": "stu-1", "role": "student",
            ]),
        // Deleted in the store: a bulk file leaves it out.
        makeRecord(
            .enrollments,
            [
                "sourcedId": "enr-5", "status": "tobedeleted", "dateLastModified": "2024-03-02T09:00:00.000Z",
                "classSourcedId": "cls-hr-9a", "schoolSourcedId": "sch-1", "userSourcedId": "stu-2",
                "role": "student",
            ]),
    ]

    /// The fixed `deltaTimestamp` of the golden packages, 2024-03-05T07:00:00.250Z.
    static let exportTime = Date(timeIntervalSince1970: 1_709_622_000.25)
    static let source = SourceSystem(name: "Rollbook", code: "app-larkspur-bio")
}

/// A temporary folder for one test, removed by `remove()`.
struct ScratchFolder {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("pkgwriter-\(UUID().uuidString)")
    }

    var path: String { url.path }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}
