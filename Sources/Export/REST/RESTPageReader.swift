import OneRoster
import Store

/// Reads records of one app view for one request, on the connection the request holds.
struct RESTPageReader {
    let database: Database
    let view: RESTViewSQL
    let cache: RESTViewCache

    /// Returns the visible record of `entity` and `subset` with this sourcedId, or nil.
    func record(_ entity: Entity, subset: RESTSubset, sourcedId: String) throws -> Record? {
        let source = view.source(entity)
        var sql = RESTSQL()
        sql.append("SELECT \(source.recordColumns)")
        view.appendFrom(source, to: &sql)
        sql.append(" AND \(source.sourcedIdMatch)", .integer(RecordKey.of(sourcedId)), .text(sourcedId))
        view.appendSubset(subset, of: source, to: &sql)
        let statement = try database.prepare(sql.text)
        defer { statement.reset() }
        try sql.bind(to: statement)
        guard try statement.step() else { return nil }
        return try source.readRecord(from: statement, at: 0)
    }

    /// Returns one page of an endpoint's records and their total.
    ///
    /// Without a filter or relation, and sorted by sourcedId (the default), the page comes from the cached
    /// order index. Otherwise one query counts and another selects the page with LIMIT and OFFSET.
    func page(
        endpoint: RESTEndpoint, parameters: [String: String], query: RESTQuery, fields: [RESTFields]
    ) throws -> RESTPage {
        let source = view.source(endpoint.entity)
        if endpoint.relation == .none, query.filter == nil, query.sortField == nil || query.sortField == "sourcedId" {
            return try indexedPage(source, subset: endpoint.subset, query: query)
        }

        let entityFields = fields[endpoint.entity.order]
        var fieldMap: [String: String] = [:]
        for (name, column) in entityFields.columns {
            fieldMap[name] = view.column(source, column)
        }
        let compiled = try RESTQueryCompiler(fieldMap: fieldMap, tieBreaker: "sourcedId").compile(query)

        var condition = RESTSQL()
        view.appendFrom(source, to: &condition)
        view.appendSubset(endpoint.subset, of: source, to: &condition)
        if let lookup = RESTEnrollmentLookup(endpoint.relation),
            let ids = try enrolledIds(lookup, parameters: parameters)
        {
            view.appendSourcedIds(ids, of: source, to: &condition)
        } else {
            view.appendRelation(endpoint.relation, of: source, parameters: parameters, to: &condition)
        }
        if let filter = compiled.condition {
            condition.text += " AND " + filter
            condition.values += compiled.bindings.map { .text($0) }
        }

        var count = RESTSQL()
        count.append("SELECT count(*)")
        count.text += condition.text
        count.values += condition.values
        let counter = try database.prepare(count.text, cached: false)
        try count.bind(to: counter)
        guard try counter.step() else { return RESTPage(records: [], total: 0) }
        let total = Int(counter.int64(at: 0))
        if query.offset >= total {
            return RESTPage(records: [], total: total)
        }

        var select = RESTSQL()
        select.append("SELECT \(source.recordColumns)")
        select.text += condition.text
        select.values += condition.values
        select.append(
            " ORDER BY \(compiled.orderBy) LIMIT ? OFFSET ?", .integer(Int64(query.limit)),
            .integer(Int64(query.offset)))
        let statement = try database.prepare(select.text, cached: false)
        try select.bind(to: statement)
        var records: [Record] = []
        records.reserveCapacity(min(query.limit, total - query.offset))
        while try statement.step() {
            records.append(try source.readRecord(from: statement, at: 0))
        }
        return RESTPage(records: records, total: total)
    }

    /// Reads a page through the order index: one primary-key lookup per record.
    private func indexedPage(_ source: AppViewSource, subset: RESTSubset, query: RESTQuery) throws -> RESTPage {
        let key = RESTViewCache.IndexKey(
            app: String(view.shape.appNumber), district: view.district, run: view.shape.run, entity: source.entity,
            subset: subset)
        let index = try cache.index(key) { try buildIndex(source, subset: subset) }
        let total = index.rowids.count
        guard query.offset < total else { return RESTPage(records: [], total: total) }

        var lookup = RESTSQL()
        lookup.append("SELECT \(source.recordColumns)")
        view.appendFrom(source, to: &lookup)
        lookup.append(" AND \(source.rowid) = ?")
        let statement = try database.prepare(lookup.text)
        defer { statement.reset() }
        try statement.bind(view.shape.appNumber, at: 1)
        try statement.bind(view.district, at: 2)

        let end = min(total, query.offset + query.limit)
        var records: [Record] = []
        records.reserveCapacity(end - query.offset)
        for position in query.offset..<end {
            let slot = query.sortDirection == .ascending ? position : total - 1 - position
            statement.reset()
            try statement.bind(index.rowids[slot], at: 3)
            // A record can leave the view only in a new app run, which uses a new index. So a miss here means
            // that the run changed during this request, and the page is one record short rather than wrong.
            if try statement.step() {
                records.append(try source.readRecord(from: statement, at: 0))
            }
        }
        return RESTPage(records: records, total: total)
    }

    /// Builds the sourcedId order of an entity's records, or of a subset of them, unless it is cached already.
    func warmIndex(_ entity: Entity, subset: RESTSubset) throws {
        let source = view.source(entity)
        let key = RESTViewCache.IndexKey(
            app: String(view.shape.appNumber), district: view.district, run: view.shape.run, entity: entity,
            subset: subset)
        _ = try cache.index(key) { try buildIndex(source, subset: subset) }
    }

    private func buildIndex(_ source: AppViewSource, subset: RESTSubset) throws -> RESTOrderIndex {
        var sql = RESTSQL()
        sql.append("SELECT \(source.rowid)")
        view.appendFrom(source, to: &sql)
        view.appendSubset(subset, of: source, to: &sql)
        sql.append(" ORDER BY \(view.column(source, "sourcedId"))")
        let statement = try database.prepare(sql.text, cached: false)
        try sql.bind(to: statement)
        var rowids: [Int64] = []
        rowids.reserveCapacity(view.shape.shared[source.entity] ?? 0)
        while try statement.step() {
            rowids.append(statement.int64(at: 0))
        }
        return RESTOrderIndex(rowids: rowids)
    }

    /// Returns the visible role records of the given users, grouped by user sourcedId.
    func roles(ofUsers users: [String]) throws -> [String: [Record]] {
        guard !users.isEmpty else { return [:] }
        let source = view.source(.roles)
        guard let userColumn = source.baseColumn("userSourcedId") else { return [:] }
        var sql = RESTSQL()
        sql.append("SELECT \(source.recordColumns)")
        view.appendFrom(source, to: &sql)
        sql.text += " AND \(userColumn) IN (" + Array(repeating: "?", count: users.count).joined(separator: ",") + ")"
        sql.values += users.map { .text($0) }
        sql.append(" ORDER BY \(view.column(source, "sourcedId"))")
        let statement = try database.prepare(sql.text, cached: false)
        try sql.bind(to: statement)
        var result: [String: [Record]] = [:]
        let userIndex = Schema.index(of: "userSourcedId", in: .roles) ?? 0
        while try statement.step() {
            let role = try source.readRecord(from: statement, at: 0)
            result[role.value(at: userIndex) ?? "", default: []].append(role)
        }
        return result
    }
}
