import CLua
import HTTP

extension HostAPI {
    static let httpFunctions: [HostFunction] = [
        HostFunction(
            name: "http.request", scope: .rollbook,
            signature:
                "rollbook.http.request{method=, url=, headers=, body=, timeout=, connect_timeout=, retries=, "
                + "sign=} -> {status=, headers=, body=} | nil, err",
            summary:
                "Sends an HTTP or HTTPS request (TLS verified), retrying 429, 5xx and connection errors with backoff; "
                + "times are in seconds. `sign(request)` runs before every attempt with {method=, url=, attempt=} "
                + "and returns headers that replace those of the same name for that attempt, such as a new OAuth "
                + "1.0a signature.",
            body: { call in
                guard lua_type(call.state, 1) == LUA_TTABLE else { throw call.badArgument(1, expected: "table") }
                let (fields, sign) = try requestTable(call: call)
                let request = try httpRequest(from: fields, call: call)
                let runtime = call.runtime
                let hook = runtime.configuration.httpHook

                // With a hook, the first attempt is signed here, so the hook gets the request with its headers.
                var firstAttempt: HTTPClientRequest?
                if let hook {
                    let prepared = try sign?.signed(request, attempt: 1) ?? request
                    do {
                        if let stored = try hook.response(for: prepared) {
                            pushResponse(stored, in: runtime)
                            return 1
                        }
                    } catch {
                        throw LuaRaise("\(error)")
                    }
                    firstAttempt = prepared
                }

                let (result, sent) = try send(request, sign: sign, firstAttempt: firstAttempt, runtime: runtime)
                switch result {
                case .success(let response):
                    do {
                        try hook?.didReceive(response, for: sent)
                    } catch {
                        throw LuaRaise("\(error)")
                    }
                    pushResponse(response, in: runtime)
                    return 1
                case .failure(let failure):
                    return call.failure(
                        "HTTP \(request.method) \(HTTPClient.redacted(request.url)) failed: \(failure.description)")
                }
            })
    ]

    /// Sends `request` over the network with the runtime's policy and logs each retry. Returns the result and
    /// the request of the last attempt.
    ///
    /// `sign` sets the headers of each attempt, except for `firstAttempt` when the caller signed it already.
    private static func send(
        _ request: HTTPClientRequest, sign: HTTPSignFunction?, firstAttempt: HTTPClientRequest?, runtime: LuaRuntime
    ) throws -> (Result<HTTPClientResponse, HTTPClient.Failure>, sent: HTTPClientRequest) {
        let logger = runtime.configuration.logger
        let script = runtime.currentScript
        let logRetry = { (retry: HTTPClient.Retry) in
            logger.log(
                level: .warn, message: "retrying HTTP request",
                fields: [
                    "script": script, "method": request.method, "url": HTTPClient.redacted(request.url),
                    "reason": retry.reason, "attempt": String(retry.attempt), "delay_seconds": String(retry.delay),
                ])
        }
        guard let sign else {
            return (HTTPClient.send(request, policy: runtime.configuration.http, onRetry: logRetry), request)
        }

        var sent = request
        let result = try HTTPClient.send(request, policy: runtime.configuration.http, onRetry: logRetry) {
            attempt, attemptRequest in
            if attempt == 1, let firstAttempt {
                attemptRequest = firstAttempt
            } else {
                attemptRequest = try sign.signed(attemptRequest, attempt: attempt)
            }
            sent = attemptRequest
        }
        return (result, sent)
    }

    private static let requestFields: Set<String> = [
        "method", "url", "headers", "body", "timeout", "connect_timeout", "retries", "sign",
    ]

    /// Copies the request table at stack slot 1 into Swift, except its `sign` function, which stays on the stack.
    ///
    /// Stack: pushes the `sign` function when the table has one, else nothing.
    private static func requestTable(call: HostCall) throws -> (LuaValue, HTTPSignFunction?) {
        let state = call.state
        let runtime = call.runtime
        guard lua_checkstack(state, 4) != 0 else { throw LuaRaise("rollbook.http.request: the Lua stack cannot grow") }
        lua_pushstring(state, "sign")
        let signType = lua_rawget(state, 1)
        rb_lua_pop(state, 1)
        if signType == LUA_TNIL {
            return (try call.value(1), nil)
        }
        guard signType == LUA_TFUNCTION else {
            lua_pushstring(state, "sign")
            lua_rawget(state, 1)
            let type = String(cString: rb_lua_typename(state, -1))
            throw LuaRaise("rollbook.http.request: field 'sign' must be a function, not a \(type)")
        }

        // A function cannot be converted, so the fields are copied one by one, leaving `sign` out.
        var fields: [LuaKey: LuaValue] = [:]
        lua_pushnil(state)
        while lua_next(state, 1) != 0 {
            // Only string keys are fields. Any other key is reported without converting it in place,
            // which would confuse lua_next.
            guard lua_type(state, -2) == LUA_TSTRING, let name = runtime.rawString(at: -2) else {
                let known = requestFields.sorted().joined(separator: ", ")
                throw LuaRaise(
                    "rollbook.http.request: unknown field '\(runtime.displayText(at: -2))'; expected one of \(known)")
            }
            if name != "sign" {
                do {
                    fields[.string(name)] = try runtime.value(at: -1)
                } catch {
                    throw LuaRaise("bad argument #1 to 'rollbook.http.request' (\(error.inside(name)))")
                }
            }
            rb_lua_pop(state, 1)
        }
        lua_pushstring(state, "sign")
        lua_rawget(state, 1)
        return (.map(fields), HTTPSignFunction(runtime: runtime, stackIndex: lua_gettop(state)))
    }

    /// Reads and checks the request table; every mistake raises.
    private static func httpRequest(from value: LuaValue, call: HostCall) throws -> HTTPClientRequest {
        let policy = call.runtime.configuration.http
        guard case .map(let fields) = value else {
            throw LuaRaise("rollbook.http.request expects a table with at least 'url'")
        }
        for key in fields.keys {
            guard case .string(let name) = key, requestFields.contains(name) else {
                let known = requestFields.sorted().joined(separator: ", ")
                throw LuaRaise(
                    "rollbook.http.request: unknown field '\(key.value.debugText)'; expected one of \(known)")
            }
        }
        var request = HTTPClientRequest(
            url: "", timeout: policy.defaultTimeout, connectTimeout: policy.defaultConnectTimeout,
            retries: policy.defaultRetries)

        guard case .string(let url)? = fields["url"] else {
            throw LuaRaise("rollbook.http.request: field 'url' must be a string")
        }
        let lowered = url.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else {
            throw LuaRaise(
                "rollbook.http.request: url '\(HTTPClient.redacted(url))' must start with http:// or https://")
        }
        request.url = url

        if let method = fields["method"] {
            guard case .string(let name) = method, !name.isEmpty,
                name.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) })
            else {
                throw LuaRaise(
                    "rollbook.http.request: method '\(method.debugText)' must be an uppercase HTTP method such as GET")
            }
            request.method = name
        }

        if let headers = fields["headers"] {
            request.headers = try headerFields(headers, source: "field 'headers'")
        }

        switch fields["body"] {
        case nil: break
        case .string(let text)?: request.body = Array(text.utf8)
        case .bytes(let bytes)?: request.body = bytes
        default: throw LuaRaise("rollbook.http.request: field 'body' must be a string")
        }

        request.timeout = try seconds(fields["timeout"], field: "timeout") ?? request.timeout
        request.connectTimeout =
            try seconds(fields["connect_timeout"], field: "connect_timeout") ?? request.connectTimeout
        switch fields["retries"] {
        case nil: break
        case .integer(let count)? where count >= 0 && count <= Int64(policy.maximumRetries):
            request.retries = Int(count)
        default:
            throw LuaRaise(
                "rollbook.http.request: field 'retries' must be an integer from 0 to \(policy.maximumRetries)")
        }
        return request
    }

    /// Checks a table of header name = value strings and returns the headers sorted by name.
    ///
    /// `source` names the table in error messages, such as `field 'headers'`.
    static func headerFields(_ value: LuaValue, source: String) throws -> [(name: String, value: String)] {
        guard case .map(let entries) = value else {
            throw LuaRaise("rollbook.http.request: \(source) must be a table of name = value strings")
        }
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(entries.count)
        for (key, item) in entries {
            guard case .string(let name) = key, case .string(let text) = item, !name.isEmpty, !name.contains(":"),
                !name.contains("\n"), !name.contains("\r"), !text.contains("\n"), !text.contains("\r")
            else {
                throw LuaRaise(
                    "rollbook.http.request: header '\(key.value.debugText)' in \(source) must map a name to a "
                        + "one-line string")
            }
            headers.append((name, text))
        }
        headers.sort { $0.name < $1.name }
        return headers
    }

    private static func seconds(_ value: LuaValue?, field: String) throws -> Double? {
        switch value {
        case nil: return nil
        case .integer(let number)? where number > 0: return Double(number)
        case .number(let number)? where number > 0 && number.isFinite: return number
        default: throw LuaRaise("rollbook.http.request: field '\(field)' must be a positive number of seconds")
        }
    }

    /// Stack: pushes one table.
    private static func pushResponse(_ response: HTTPClientResponse, in runtime: LuaRuntime) {
        let state = runtime.state
        lua_createtable(state, 0, 3)
        lua_pushinteger(state, Int64(response.status))
        lua_setfield(state, -2, "status")
        lua_createtable(state, 0, Int32(clamping: response.headers.count))
        for (name, value) in response.headers {
            runtime.pushString(value)
            lua_setfield(state, -2, name)
        }
        lua_setfield(state, -2, "headers")
        response.body.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                _ = lua_pushlstring(state, chars.baseAddress, chars.count)
            }
        }
        lua_setfield(state, -2, "body")
    }
}
