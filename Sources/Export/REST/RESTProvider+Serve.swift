import HTTP
import OneRoster
import Store

/// One page of records and the number of records that match in all.
struct RESTPage {
    var records: [Record]
    var total: Int
}

extension RESTProvider {
    /// Returns the response to one authenticated request for `endpoint`.
    func serve(
        _ request: HTTPRequest, version: OneRosterVersion, endpoint: RESTEndpoint, parameters: [String: String],
        caller: RESTCaller
    ) -> HTTPResponse {
        let state = versions[version == .v1p1 ? 0 : 1]
        if let missing = RESTScopes.missingScope(for: endpoint.entity, version: version, in: caller.scopes) {
            return Self.response(.forbidden(missingScope: missing), version: version)
        }
        let parser = state.parsers[endpoint.entity.order]
        let query: RESTQuery
        do {
            var items = request.queryItems.map { (name: $0.name, value: $0.value) }
            if endpoint.relation == .single {
                items = items.filter { $0.name == "fields" }
            }
            query = try parser.parse(items)
        } catch {
            return Self.response(.badRequest(error), version: version)
        }

        do {
            let response = try pool.withConnection { connection -> HTTPResponse in
                var key = RESTResponseCache.Key(
                    app: caller.app, district: caller.district, run: 0, path: request.path, query: request.query)
                if let run = try connection.lastCommittedAppRun(app: caller.app, district: caller.district) {
                    key.run = run
                    if let cached = responses.response(for: key) { return cached }
                }
                // One read transaction per request: the count and the page see the same snapshot, and SQLite
                // takes its WAL read lock once instead of once per statement.
                let database = connection.database
                try database.prepare("BEGIN").run()
                defer { try? database.prepare("COMMIT").run() }
                let run = try database.lastCommittedAppRunId(app: caller.app, district: caller.district)
                let response = try serve(
                    query, on: database, run: run, state: state, endpoint: endpoint, parameters: parameters,
                    request: request, caller: caller)
                if let run, response.status == 200 {
                    key.run = run
                    return responses.store(response, for: key)
                }
                return response
            }
            return response ?? Self.response(.tooManyRequests(), version: version)
        } catch let error as RESTQueryError {
            return Self.response(.badRequest(error), version: version)
        } catch {
            // NOTE: the error is not logged, because the provider receives no logger yet.
            return Self.response(.internalError(), version: version)
        }
    }

    private func serve(
        _ query: RESTQuery, on database: Database, run: Int64?, state: RESTVersion, endpoint: RESTEndpoint,
        parameters: [String: String], request: HTTPRequest, caller: RESTCaller
    ) throws -> HTTPResponse {
        let version = state.version
        let shape = try run.flatMap { try cache.shape(run: $0, database: database) }
        let reader = shape.map {
            RESTPageReader(database: database, view: RESTViewSQL(shape: $0, district: caller.district), cache: cache)
        }

        for parent in endpoint.parents {
            let id = parameters[parent.parameter] ?? ""
            guard let reader, try reader.record(parent.entity, subset: parent.subset, sourcedId: id) != nil else {
                return Self.response(.notFound(parent.entity, sourcedId: id), version: version)
            }
        }

        if endpoint.relation == .single {
            let id = parameters["id"] ?? ""
            guard let reader, let record = try reader.record(endpoint.entity, subset: endpoint.subset, sourcedId: id)
            else {
                return Self.response(.notFound(endpoint.entity, sourcedId: id), version: version)
            }
            var body = Array("{\"\(RESTRecordEncoder.singleKey(of: endpoint.entity))\":".utf8)
            try encode([record], with: state, fields: query.fields, reader: reader, into: &body, separator: false)
            body.append(UInt8(ascii: "}"))
            return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/json")]), body: body)
        }

        var page = RESTPage(records: [], total: 0)
        if let reader {
            page = try reader.page(endpoint: endpoint, parameters: parameters, query: query, fields: state.fields)
        }
        var body = Array("{\"\(RESTRecordEncoder.collectionKey(of: endpoint.entity))\":[".utf8)
        if let reader {
            try encode(page.records, with: state, fields: query.fields, reader: reader, into: &body, separator: true)
        }
        body.append(contentsOf: Array("]}".utf8))

        var headers = HTTPHeaders([("Content-Type", "application/json"), ("X-Total-Count", String(page.total))])
        let links = RESTLinks.header(
            url: baseURL + request.path, queryItems: request.queryItems, limit: query.limit, offset: query.offset,
            total: page.total)
        if !links.isEmpty {
            headers.add(name: "Link", value: links)
        }
        return HTTPResponse(status: 200, headers: headers, body: body)
    }

    /// Appends the JSON objects of `records`, comma-separated when `separator` is true.
    ///
    /// Users get their roles: embedded in 1.2, and folded into `role` and `orgs` in 1.1 when the view shares
    /// 1.2 role records.
    private func encode(
        _ records: [Record], with state: RESTVersion, fields: [String]?, reader: RESTPageReader,
        into body: inout [UInt8], separator: Bool
    ) throws {
        let isUsers = records.first?.entity == .users
        let sharesRoles = (reader.view.shape.shared[.roles] ?? 0) > 0
        var rolesByUser: [String: [Record]] = [:]
        if isUsers && sharesRoles && (state.version == .v1p1 || fields?.contains("roles") ?? true) {
            rolesByUser = try reader.roles(ofUsers: records.map(\.sourcedId))
        }
        for (position, var record) in records.enumerated() {
            if separator && position > 0 { body.append(UInt8(ascii: ",")) }
            guard isUsers else {
                state.encoder.write(record, fields: fields, into: &body)
                continue
            }
            let roles = rolesByUser[record.sourcedId] ?? []
            if state.version == .v1p1 {
                if !roles.isEmpty { RoleConversion.fillV1p1Fields(of: &record, from: roles) }
                state.encoder.write(record, fields: fields, into: &body)
            } else {
                // NOTE: derived roles map `administrator` without the org's type, so it becomes siteAdministrator.
                let embedded = sharesRoles ? roles : RoleConversion.roles(derivedFrom: record)
                state.encoder.write(record, roles: embedded, fields: fields, into: &body)
            }
        }
    }
}
