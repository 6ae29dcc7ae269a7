import CLua

extension HostAPI {
    static let jsonFunctions: [HostFunction] = [
        HostFunction(
            name: "json.decode", scope: .rollbook, signature: "rollbook.json.decode(text) -> value | nil, err",
            summary: "Parses JSON text; integers stay integers, `null` becomes `rollbook.json.null`.",
            body: { call in
                guard lua_type(call.state, 1) == LUA_TSTRING else { throw call.badArgument(1, expected: "string") }
                var length = 0
                guard let pointer = lua_tolstring(call.state, 1, &length) else { return call.failure("empty text") }
                let bytes = Array(UnsafeRawBufferPointer(start: pointer, count: length))
                do {
                    return call.result(try JSONCodec.decode(bytes))
                } catch {
                    return call.failure("\(error)")
                }
            }),
        HostFunction(
            name: "json.encode", scope: .rollbook, signature: "rollbook.json.encode(value) -> text",
            summary: "Writes a value as compact JSON with sorted keys; raises for values JSON cannot hold.",
            body: { call in
                let value = try call.value(1)
                do {
                    call.runtime.pushString(try JSONCodec.encode(value))
                    return 1
                } catch {
                    throw LuaRaise("bad argument #1 to 'rollbook.json.encode' (\(error))")
                }
            }),
    ]
}
