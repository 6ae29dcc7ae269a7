import OneRoster
import Store

/// SQL text with its `?` values in placeholder order, built piece by piece so text and values stay in step.
struct RESTSQL {
    enum Value {
        case text(String)
        case integer(Int64)
    }

    var text = ""
    var values: [Value] = []

    mutating func append(_ sql: String, _ newValues: Value...) {
        text += sql
        values += newValues
    }

    /// Binds every value in order, starting at parameter 1.
    func bind(to statement: Statement) throws {
        for (position, value) in values.enumerated() {
            switch value {
            case .text(let text): try statement.bind(text, at: Int32(position + 1))
            case .integer(let number): try statement.bind(number, at: Int32(position + 1))
            }
        }
    }
}

/// Builds the conditions that narrow one app's view to what an endpoint serves.
///
/// Every value from the request is a bound parameter. Only column names from the schema and fixed words
/// reach the SQL text.
struct RESTViewSQL {
    let shape: AppViewShape
    let district: String

    func source(_ entity: Entity, suffix: String = "") -> AppViewSource {
        AppViewSource(entity: entity, whole: shape.whole.contains(entity), suffix: suffix)
    }

    /// Appends `FROM … WHERE <visible>` for `source`.
    func appendFrom(_ source: AppViewSource, to sql: inout RESTSQL) {
        sql.append(" FROM \(source.from) WHERE \(source.visible)", .integer(shape.appNumber), .text(district))
    }

    /// Appends ` AND <condition>` keeping `subset` of the records of `source`.
    func appendSubset(_ subset: RESTSubset, of source: AppViewSource, to sql: inout RESTSQL) {
        switch subset {
        case .all:
            return
        case .schools:
            sql.append(" AND \(column(source, "type")) = 'school'")
        case .terms:
            sql.append(" AND \(column(source, "type")) = 'term'")
        case .gradingPeriods:
            sql.append(" AND \(column(source, "type")) = 'gradingPeriod'")
        case .students:
            appendRole("student", of: source, to: &sql)
        case .teachers:
            appendRole("teacher", of: source, to: &sql)
        }
    }

    /// Keeps users with `role`: from the shared 1.2 role records when the view has any, otherwise from the
    /// 1.1 `role` column that the store keeps on each user.
    private func appendRole(_ role: String, of users: AppViewSource, to sql: inout RESTSQL) {
        guard (shape.shared[.roles] ?? 0) > 0 else {
            sql.append(" AND \(column(users, "role")) = ?", .text(role))
            return
        }
        let roles = source(.roles, suffix: "r")
        sql.append(" AND \(column(users, "sourcedId")) IN (SELECT \(column(roles, "userSourcedId"))")
        appendFrom(roles, to: &sql)
        sql.append(" AND \(column(roles, "role")) = ?)", .text(role))
    }

    /// Appends ` AND <condition>` tying the records of `main` to the path's sourcedIds.
    func appendRelation(
        _ relation: RESTRelation, of main: AppViewSource, parameters: [String: String], to sql: inout RESTSQL
    ) {
        let school = parameters["schoolSourcedId"] ?? ""
        let schoolClass = parameters["classSourcedId"] ?? ""
        switch relation {
        case .none, .single:
            return
        case .classesOfCourse:
            sql.append(" AND \(column(main, "courseSourcedId")) = ?", .text(parameters["courseSourcedId"] ?? ""))
        case .classesOfSchool:
            sql.append(" AND \(column(main, "schoolSourcedId")) = ?", .text(school))
        case .classesOfTerm:
            appendListContains(column(main, "termSourcedIds"), .text(parameters["termSourcedId"] ?? ""), to: &sql)
        case .classesOfUser:
            appendEnrolled(main, pick: "classSourcedId", by: "userSourcedId", parameters["userSourcedId"], to: &sql)
        case .classesOfStudent:
            appendEnrolled(
                main, pick: "classSourcedId", by: "userSourcedId", parameters["studentSourcedId"], role: "student",
                to: &sql)
        case .classesOfTeacher:
            appendEnrolled(
                main, pick: "classSourcedId", by: "userSourcedId", parameters["teacherSourcedId"], role: "teacher",
                to: &sql)
        case .coursesOfSchool:
            sql.append(" AND \(column(main, "orgSourcedId")) = ?", .text(school))
        case .enrollmentsOfSchool:
            sql.append(" AND \(column(main, "schoolSourcedId")) = ?", .text(school))
        case .enrollmentsOfClassInSchool:
            sql.append(" AND \(column(main, "schoolSourcedId")) = ?", .text(school))
            sql.append(" AND \(column(main, "classSourcedId")) = ?", .text(schoolClass))
        case .studentsOfSchool, .teachersOfSchool:
            appendMember(main, of: school, to: &sql)
        case .studentsOfClass:
            appendEnrolled(main, pick: "userSourcedId", by: "classSourcedId", schoolClass, role: "student", to: &sql)
        case .teachersOfClass:
            appendEnrolled(main, pick: "userSourcedId", by: "classSourcedId", schoolClass, role: "teacher", to: &sql)
        case .studentsOfClassInSchool:
            appendEnrolled(
                main, pick: "userSourcedId", by: "classSourcedId", schoolClass, role: "student", school: school,
                to: &sql)
        case .teachersOfClassInSchool:
            appendEnrolled(
                main, pick: "userSourcedId", by: "classSourcedId", schoolClass, role: "teacher", school: school,
                to: &sql)
        case .termsOfSchool:
            // Academic sessions name no org, so a school's terms are the terms its classes list.
            let classes = source(.classes, suffix: "c")
            sql.append(" AND EXISTS (SELECT 1")
            appendFrom(classes, to: &sql)
            sql.append(" AND \(column(classes, "schoolSourcedId")) = ?", .text(school))
            appendListContains(column(classes, "termSourcedIds"), nil, item: column(main, "sourcedId"), to: &sql)
            sql.append(")")
        case .gradingPeriodsOfTerm:
            sql.append(" AND \(column(main, "parentSourcedId")) = ?", .text(parameters["termSourcedId"] ?? ""))
        }
    }

    /// Keeps records whose sourcedId appears as `pick` in an enrollment whose `by` column is `value`.
    private func appendEnrolled(
        _ main: AppViewSource, pick: String, by: String, _ value: String?, role: String? = nil,
        school: String? = nil, to sql: inout RESTSQL
    ) {
        let enrollments = source(.enrollments, suffix: "e")
        sql.append(" AND \(column(main, "sourcedId")) IN (SELECT \(column(enrollments, pick))")
        appendFrom(enrollments, to: &sql)
        sql.append(" AND \(column(enrollments, by)) = ?", .text(value ?? ""))
        if let role {
            sql.append(" AND \(column(enrollments, "role")) = ?", .text(role))
        }
        if let school {
            sql.append(" AND \(column(enrollments, "schoolSourcedId")) = ?", .text(school))
        }
        sql.append(")")
    }

    /// Keeps users who belong to the org: listed in their 1.1 `orgSourcedIds`, or holding a shared 1.2 role there.
    private func appendMember(_ users: AppViewSource, of org: String, to sql: inout RESTSQL) {
        sql.append(" AND (")
        appendListContains(column(users, "orgSourcedIds"), .text(org), to: &sql, leading: "")
        if (shape.shared[.roles] ?? 0) > 0 {
            let roles = source(.roles, suffix: "o")
            sql.append(" OR \(column(users, "sourcedId")) IN (SELECT \(column(roles, "userSourcedId"))")
            appendFrom(roles, to: &sql)
            sql.append(" AND \(column(roles, "orgSourcedId")) = ?)", .text(org))
        }
        sql.append(")")
    }

    /// Appends a test that the comma-separated `list` contains an item equal to `value` (bound) or to `item` (SQL).
    private func appendListContains(
        _ list: String, _ value: RESTSQL.Value?, item: String? = nil, to sql: inout RESTSQL, leading: String = " AND "
    ) {
        if let value {
            sql.append("\(leading)instr(',' || \(list) || ',', ',' || ? || ',') > 0", value)
        } else if let item {
            sql.append("\(leading)instr(',' || \(list) || ',', ',' || \(item) || ',') > 0")
        }
    }

    /// Returns the view expression of a schema column. Every name passed here is a schema column.
    func column(_ source: AppViewSource, _ name: String) -> String {
        guard let expression = source.column(name) else {
            preconditionFailure("the \(source.entity.rawValue) schema has no column '\(name)'")
        }
        return expression
    }
}
