import OneRoster
import Store

extension RESTProvider {
    /// The collections whose sourcedId order is built ahead of the first request: every entity, and the subsets
    /// that have endpoints of their own.
    static let warmedCollections: [(Entity, RESTSubset)] =
        Entity.allCases.map { ($0, RESTSubset.all) } + [
            (.users, .students), (.users, .teachers), (.orgs, .schools), (.academicSessions, .terms),
            (.academicSessions, .gradingPeriods),
        ]

    /// Builds the sourcedId order of every collection of an app's last committed view of a district, so that
    /// the first page of a large collection costs no more than the next ones.
    ///
    /// It reads on a connection of its own, so it never occupies one that requests wait for. Building takes about
    /// as long as sorting the view's records, a few seconds for a million records, so call it off the request
    /// threads, after a sync and at start.
    public func warm(app: String, district: String) throws {
        let connection = try RESTConnection(path: pool.path)
        let database = connection.database
        try database.prepare("BEGIN").run()
        defer { try? database.prepare("COMMIT").run() }
        guard let run = try database.lastCommittedAppRunId(app: app, district: district),
            let shape = try cache.shape(run: run, database: database)
        else { return }
        let reader = RESTPageReader(
            database: database, view: RESTViewSQL(shape: shape, district: district), cache: cache)
        for (entity, subset) in Self.warmedCollections where (shape.shared[entity] ?? 0) > 0 {
            try reader.warmIndex(entity, subset: subset)
        }
        if (shape.shared[.enrollments] ?? 0) > 0 {
            for column in ["classSourcedId", "userSourcedId"] {
                try reader.warmEnrollmentIndex(column: column)
            }
        }
    }
}
