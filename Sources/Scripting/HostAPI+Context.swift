import CLua
import OneRoster

extension HostAPI {
    static let contextFunctions: [HostFunction] = [
        HostFunction(
            name: "emit", scope: .context, signature: "ctx.emit(kind, record [, options])",
            summary:
                "Hands one record of a OneRoster kind (such as `users`) to the host; raises when the host rejects it. "
                + "With `{ mode = \"delta\" }` the record updates or adds one, and `status = \"tobedeleted\"` "
                + "removes one.",
            body: { call in
                let kind = try call.string(1)
                guard lua_type(call.state, 2) == LUA_TTABLE else { throw call.badArgument(2, expected: "table") }
                let record = try call.value(2)
                let options = try call.optionalTable(3) ?? .map([:])
                guard let sink = call.runtime.sink else {
                    throw LuaRaise("ctx.emit can only be called while check or sync runs")
                }
                do {
                    try sink.emit(kind: kind, record: record, options: options)
                } catch {
                    throw LuaRaise("emit of '\(kind)' failed: \(error)")
                }
                return 0
            }),
        HostFunction(
            name: "emit_file", scope: .context, signature: "ctx.emit_file(kind, path [, options]) -> true | nil, err",
            summary:
                "Hands a whole CSV file of one kind to the host, which reads it natively (the fast path); "
                + "the path must be inside the allowed roots.",
            body: { call in
                let kind = try call.string(1)
                let path = try call.string(2)
                let options = try call.optionalTable(3) ?? .map([:])
                let resolved: String
                switch try call.resolvePath(path) {
                case .success(let canonical): resolved = canonical
                case .failure(let failure): return call.failure(failure.description)
                }
                guard let sink = call.runtime.sink else {
                    throw LuaRaise("ctx.emit_file can only be called while check or sync runs")
                }
                do {
                    try sink.emitFile(kind: kind, path: resolved, options: options)
                } catch {
                    throw LuaRaise("emit_file of '\(kind)' from '\(path)' failed: \(error)")
                }
                lua_pushboolean(call.state, 1)
                return 1
            }),
        HostFunction(
            name: "records", scope: .context, signature: "ctx.records(kind) -> { record, ... }",
            summary:
                "In an export script: the app view's records of a kind (such as `users`) that this delivery "
                + "sends, as tables of field = string; removed ones have `status = \"tobedeleted\"`.",
            body: { call in
                let kind = try call.string(1)
                guard let entity = Entity(rawValue: kind) else {
                    let known = Entity.allCases.map(\.rawValue).joined(separator: ", ")
                    throw LuaRaise("ctx.records: unknown kind '\(kind)'; expected one of \(known)")
                }
                guard let source = call.runtime.exportSource else {
                    throw LuaRaise("ctx.records can only be called while export runs")
                }
                let records: [Record]
                do {
                    records = try source.records(entity)
                } catch {
                    return call.failure("cannot read the \(kind) of the app view: \(error)")
                }
                call.runtime.pushRecords(records)
                return 1
            }),
    ]
}
