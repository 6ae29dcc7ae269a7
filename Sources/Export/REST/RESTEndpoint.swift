import OneRoster

/// The records of an entity that an endpoint narrows to, such as orgs of type school for `/schools`.
enum RESTSubset: Sendable, Hashable {
    case all
    case schools
    case students
    case teachers
    case terms
    case gradingPeriods
}

/// The relation that ties a nested endpoint's records to the sourcedIds in its path.
enum RESTRelation: Sendable, Hashable {
    /// A plain collection.
    case none
    /// One object by `{id}`.
    case single
    case classesOfCourse, classesOfSchool, classesOfTerm, classesOfUser, classesOfStudent, classesOfTeacher
    case coursesOfSchool, enrollmentsOfSchool, enrollmentsOfClassInSchool
    case studentsOfSchool, studentsOfClass, studentsOfClassInSchool
    case teachersOfSchool, teachersOfClass, teachersOfClassInSchool
    case termsOfSchool, gradingPeriodsOfTerm
}

/// A record named in an endpoint's path that must exist in the caller's view, or the request gets 404.
struct RESTParent: Sendable, Hashable {
    /// The path parameter holding its sourcedId.
    let parameter: String
    let entity: Entity
    let subset: RESTSubset
}

/// One rostering GET endpoint: its path under a version's base path and what it serves.
struct RESTEndpoint: Sendable, Hashable {
    /// The path template under the base path, such as `/schools/{schoolSourcedId}/classes`.
    let path: String
    let entity: Entity
    let subset: RESTSubset
    let relation: RESTRelation
    let parents: [RESTParent]

    /// The rostering endpoints, the same under 1.1 and 1.2.
    static let catalogue: [RESTEndpoint] = collections + nested

    private static let collections: [RESTEndpoint] = [
        ("academicSessions", Entity.academicSessions, RESTSubset.all), ("classes", .classes, .all),
        ("courses", .courses, .all), ("demographics", .demographics, .all), ("enrollments", .enrollments, .all),
        ("gradingPeriods", .academicSessions, .gradingPeriods), ("orgs", .orgs, .all), ("schools", .orgs, .schools),
        ("students", .users, .students), ("teachers", .users, .teachers), ("terms", .academicSessions, .terms),
        ("users", .users, .all),
    ].flatMap { name, entity, subset in
        [
            RESTEndpoint(path: "/" + name, entity: entity, subset: subset, relation: .none, parents: []),
            RESTEndpoint(path: "/\(name)/{id}", entity: entity, subset: subset, relation: .single, parents: []),
        ]
    }

    private static let nested: [RESTEndpoint] = {
        let course = RESTParent(parameter: "courseSourcedId", entity: .courses, subset: .all)
        let school = RESTParent(parameter: "schoolSourcedId", entity: .orgs, subset: .schools)
        let term = RESTParent(parameter: "termSourcedId", entity: .academicSessions, subset: .terms)
        let user = RESTParent(parameter: "userSourcedId", entity: .users, subset: .all)
        let student = RESTParent(parameter: "studentSourcedId", entity: .users, subset: .students)
        let teacher = RESTParent(parameter: "teacherSourcedId", entity: .users, subset: .teachers)
        let schoolClass = RESTParent(parameter: "classSourcedId", entity: .classes, subset: .all)
        let inSchool = "/schools/{schoolSourcedId}/classes/{classSourcedId}"
        func endpoint(
            _ path: String, _ entity: Entity, _ subset: RESTSubset, _ relation: RESTRelation, _ parents: [RESTParent]
        ) -> RESTEndpoint {
            RESTEndpoint(path: path, entity: entity, subset: subset, relation: relation, parents: parents)
        }
        return [
            endpoint("/courses/{courseSourcedId}/classes", .classes, .all, .classesOfCourse, [course]),
            endpoint("/students/{studentSourcedId}/classes", .classes, .all, .classesOfStudent, [student]),
            endpoint("/teachers/{teacherSourcedId}/classes", .classes, .all, .classesOfTeacher, [teacher]),
            endpoint("/terms/{termSourcedId}/classes", .classes, .all, .classesOfTerm, [term]),
            endpoint("/users/{userSourcedId}/classes", .classes, .all, .classesOfUser, [user]),
            endpoint("/schools/{schoolSourcedId}/classes", .classes, .all, .classesOfSchool, [school]),
            endpoint("/schools/{schoolSourcedId}/courses", .courses, .all, .coursesOfSchool, [school]),
            endpoint("/schools/{schoolSourcedId}/enrollments", .enrollments, .all, .enrollmentsOfSchool, [school]),
            endpoint(
                inSchool + "/enrollments", .enrollments, .all, .enrollmentsOfClassInSchool, [school, schoolClass]),
            endpoint("/schools/{schoolSourcedId}/students", .users, .students, .studentsOfSchool, [school]),
            endpoint("/classes/{classSourcedId}/students", .users, .all, .studentsOfClass, [schoolClass]),
            endpoint(inSchool + "/students", .users, .all, .studentsOfClassInSchool, [school, schoolClass]),
            endpoint("/schools/{schoolSourcedId}/teachers", .users, .teachers, .teachersOfSchool, [school]),
            endpoint("/classes/{classSourcedId}/teachers", .users, .all, .teachersOfClass, [schoolClass]),
            endpoint(inSchool + "/teachers", .users, .all, .teachersOfClassInSchool, [school, schoolClass]),
            endpoint("/schools/{schoolSourcedId}/terms", .academicSessions, .terms, .termsOfSchool, [school]),
            endpoint(
                "/terms/{termSourcedId}/gradingPeriods", .academicSessions, .gradingPeriods, .gradingPeriodsOfTerm,
                [term]),
        ]
    }()

    /// Returns the base path of a version's rostering service.
    static func basePath(_ version: OneRosterVersion) -> String {
        version == .v1p1 ? "/ims/oneroster/v1p1" : "/ims/oneroster/rostering/v1p2"
    }
}
