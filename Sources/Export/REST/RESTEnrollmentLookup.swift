import OneRoster
import Store

/// An endpoint that reaches its records through enrollments, such as a class's students or a user's classes.
struct RESTEnrollmentLookup: Sendable, Hashable {
    /// The enrollment column that contains the records' sourcedIds: `userSourcedId` or `classSourcedId`.
    let pick: String
    /// The enrollment column that must equal the path's sourcedId.
    let by: String
    /// The path parameter whose sourcedId `by` must equal.
    let parameter: String
    /// The enrollment role that must match, if any.
    let role: String?
    /// Whether the enrollment's school must be the path's `schoolSourcedId`.
    let inSchool: Bool

    /// The lookup an endpoint's relation needs, or nil for relations that do not go through enrollments.
    init?(_ relation: RESTRelation) {
        switch relation {
        case .classesOfUser: self.init("classSourcedId", "userSourcedId", "userSourcedId", nil)
        case .classesOfStudent: self.init("classSourcedId", "userSourcedId", "studentSourcedId", "student")
        case .classesOfTeacher: self.init("classSourcedId", "userSourcedId", "teacherSourcedId", "teacher")
        case .studentsOfClass: self.init("userSourcedId", "classSourcedId", "classSourcedId", "student")
        case .teachersOfClass: self.init("userSourcedId", "classSourcedId", "classSourcedId", "teacher")
        case .studentsOfClassInSchool:
            self.init("userSourcedId", "classSourcedId", "classSourcedId", "student", inSchool: true)
        case .teachersOfClassInSchool:
            self.init("userSourcedId", "classSourcedId", "classSourcedId", "teacher", inSchool: true)
        default: return nil
        }
    }

    private init(_ pick: String, _ by: String, _ parameter: String, _ role: String?, inSchool: Bool = false) {
        self.pick = pick
        self.by = by
        self.parameter = parameter
        self.role = role
        self.inSchool = inSchool
    }
}

/// The rowids of an app view's enrollments grouped by the value of one column, such as `classSourcedId`.
///
/// Built with one scan of the view per app run and column, so that a class's students or a user's classes
/// cost a few index lookups instead of a scan of every enrollment.
final class RESTEnrollmentIndex: Sendable {
    let rowids: [String: [Int64]]

    init(rowids: [String: [Int64]]) {
        self.rowids = rowids
    }

    /// The number of rowids in the index, which its memory use grows with.
    var size: Int { rowids.values.reduce(0) { $0 + $1.count } + rowids.count }
}

extension RESTPageReader {
    /// The maximum number of sourcedIds a lookup binds into one query. A longer list falls back to a subquery.
    static let maximumBoundIds = 10_000

    /// Builds the enrollment index of `column` unless it is cached already.
    func warmEnrollmentIndex(column: String) throws {
        _ = try enrollmentIndex(column: column)
    }

    private func enrollmentIndex(column: String) throws -> RESTEnrollmentIndex {
        let key = RESTViewCache.EnrollmentKey(
            app: String(view.shape.appNumber), district: view.district, run: view.shape.run, column: column)
        return try cache.enrollmentIndex(key) { try buildEnrollmentIndex(view.source(.enrollments), column: column) }
    }

    /// Returns the sourcedIds that `lookup` picks for the path's parameters, or nil when there are too many to bind.
    func enrolledIds(_ lookup: RESTEnrollmentLookup, parameters: [String: String]) throws -> [String]? {
        let enrollments = view.source(.enrollments)
        let index = try enrollmentIndex(column: lookup.by)
        let rowids = index.rowids[parameters[lookup.parameter] ?? ""] ?? []
        guard rowids.count <= Self.maximumBoundIds else { return nil }
        guard !rowids.isEmpty else { return [] }

        var sql = RESTSQL()
        sql.append("SELECT DISTINCT \(view.column(enrollments, lookup.pick))")
        view.appendFrom(enrollments, to: &sql)
        sql.text += " AND \(enrollments.rowid) IN (" + Array(repeating: "?", count: rowids.count).joined(separator: ",")
        sql.text += ")"
        sql.values += rowids.map { .integer($0) }
        if let role = lookup.role {
            sql.append(" AND \(view.column(enrollments, "role")) = ?", .text(role))
        }
        if lookup.inSchool {
            sql.append(
                " AND \(view.column(enrollments, "schoolSourcedId")) = ?", .text(parameters["schoolSourcedId"] ?? ""))
        }
        let statement = try database.prepare(sql.text, cached: false)
        try sql.bind(to: statement)
        var ids: [String] = []
        while try statement.step() {
            if let id = statement.string(at: 0) { ids.append(id) }
        }
        return ids
    }

    private func buildEnrollmentIndex(_ enrollments: AppViewSource, column: String) throws -> RESTEnrollmentIndex {
        var sql = RESTSQL()
        sql.append("SELECT \(enrollments.rowid), \(view.column(enrollments, column))")
        view.appendFrom(enrollments, to: &sql)
        let statement = try database.prepare(sql.text, cached: false)
        try sql.bind(to: statement)
        var rowids: [String: [Int64]] = [:]
        while try statement.step() {
            guard let value = statement.string(at: 1) else { continue }
            rowids[value, default: []].append(statement.int64(at: 0))
        }
        return RESTEnrollmentIndex(rowids: rowids)
    }
}

extension RESTViewSQL {
    /// Appends a condition that keeps the records of `main` whose sourcedId is one of `ids`, through the base
    /// table's unique index on the sourcedId's key.
    func appendSourcedIds(_ ids: [String], of main: AppViewSource, to sql: inout RESTSQL) {
        guard !ids.isEmpty, let sourcedId = Schema.columns(of: main.entity).first?.name else {
            sql.append(" AND 0")
            return
        }
        let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ",")
        sql.text += " AND " + main.rowidAmong("key IN (\(placeholders)) AND \"\(sourcedId)\" IN (\(placeholders))")
        sql.values += ids.map { .integer(RecordKey.of($0)) }
        sql.values += ids.map { .text($0) }
    }
}
