import OneRoster

/// Records and base URLs shared by the REST JSON tests.
enum RESTJSONTestRecords {
    static let base11 = "https://hub.example/ims/oneroster/v1p1"
    static let base12 = "https://hub.example/ims/oneroster/rostering/v1p2"
    static let resources12 = "https://hub.example/ims/oneroster/resources/v1p2"
    static let modified = "2024-05-01T12:00:00.000Z"

    /// Builds a record from column values by name; unnamed columns stay blank.
    static func record(_ entity: Entity, _ values: [String: String], extensions: [Extension] = []) -> Record {
        var record = Record(entity: entity)
        for (name, value) in values {
            precondition(Schema.index(of: name, in: entity) != nil, "test uses unknown column \(name)")
            record[name] = value
        }
        record.extensions = extensions
        return record
    }

    static let org = record(
        .orgs,
        [
            "sourcedId": "org-1", "status": "active", "dateLastModified": modified, "name": "Lincoln High",
            "type": "school", "identifier": "LHS", "parentSourcedId": "district-1",
        ], extensions: [Extension(name: "metadata.ncesId", value: "123")])

    /// An org from a bulk file: blank status, date and identifier.
    static let bareOrg = record(.orgs, ["sourcedId": "org-2", "name": "Lincoln High", "type": "school"])

    static let term = record(
        .academicSessions,
        [
            "sourcedId": "term-1", "status": "active", "dateLastModified": modified, "title": "Fall 2024",
            "type": "term", "startDate": "2024-08-15", "endDate": "2024-12-20", "parentSourcedId": "sy-2025",
            "schoolYear": "2025",
        ])

    static let course = record(
        .courses,
        [
            "sourcedId": "course-1", "status": "active", "dateLastModified": modified,
            "schoolYearSourcedId": "sy-2025", "title": "Algebra I", "grades": "09,10", "orgSourcedId": "org-1",
            "subjects": "Math", "subjectCodes": "02052",
        ])

    static let schoolClass = record(
        .classes,
        [
            "sourcedId": "class-1", "status": "active", "dateLastModified": modified, "title": "Algebra I - P1",
            "grades": "09", "courseSourcedId": "course-1", "classCode": "ALG1-1", "classType": "scheduled",
            "location": "Room 101", "schoolSourcedId": "org-1", "termSourcedIds": "term-1,term-2",
            "subjects": "Math", "periods": "1,2",
        ])

    static let user11 = record(
        .users,
        [
            "sourcedId": "user-1", "status": "active", "dateLastModified": modified, "enabledUser": "true",
            "orgSourcedIds": "org-1,org-2", "role": "student", "username": "ann.lee",
            "userIds": "{Fed:1234},{LDAP:ann:lee}", "givenName": "Ann", "familyName": "Lee", "identifier": "S100",
            "email": "ann@example.org", "agentSourcedIds": "parent-1,parent-2", "grades": "09",
        ])

    static let user12 = record(
        .users,
        [
            "sourcedId": "user-1", "status": "active", "dateLastModified": modified, "enabledUser": "true",
            "username": "ann.lee", "userIds": "{Fed:1234}", "givenName": "Ann", "familyName": "Lee",
            "preferredGivenName": "Annie", "pronouns": "she/her", "primaryOrgSourcedId": "org-1",
            "agentSourcedIds": "parent-1", "grades": "09", "userMasterIdentifier": "M-1",
            "resourceSourcedIds": "res-1",
        ])

    static let role = record(
        .roles,
        [
            "sourcedId": "role-1", "userSourcedId": "user-1", "roleType": "primary", "role": "student",
            "orgSourcedId": "org-1", "beginDate": "2024-08-15", "userProfileSourcedId": "prof-1",
        ])

    static let profile = record(
        .userProfiles,
        [
            "sourcedId": "prof-1", "userSourcedId": "user-1", "profileType": "lms", "vendorId": "acme",
            "credentialType": "password", "username": "ann", "password": "s3cret",
        ])

    static let enrollment = record(
        .enrollments,
        [
            "sourcedId": "enr-1", "status": "active", "dateLastModified": modified, "classSourcedId": "class-1",
            "schoolSourcedId": "org-1", "userSourcedId": "user-1", "role": "student", "primary": "false",
            "beginDate": "2024-08-15", "endDate": "2025-06-01",
        ])

    static let demographics = record(
        .demographics,
        [
            "sourcedId": "user-1", "status": "active", "dateLastModified": modified, "birthDate": "2010-03-04",
            "sex": "female", "asian": "true", "white": "false", "hispanicOrLatinoEthnicity": "false",
            "cityOfBirth": "São Paulo",
        ])
}
