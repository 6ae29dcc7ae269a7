import CLua
import HTTP

extension HostAPI {
    static let httpFunctions: [HostFunction] = [
        HostFunction(
            name: "http.request", scope: .rollbook,
            signature:
                "rollbook.http.request{method=, url=, headers=, body=, timeout=, connect_timeout=, retries=} "
                + "-> {status=, headers=, body=} | nil, err",
            summary:
                "Sends an HTTP or HTTPS request (TLS verified), retrying 429, 5xx and connection errors with backoff; "
                + "times are in seconds.",
            body: { call in
                guard lua_type(call.state, 1) == LUA_TTABLE else { throw call.badArgument(1, expected: "table") }
                let request = try httpRequest(from: try call.value(1), call: call)
                let runtime = call.runtime
                let logger = runtime.configuration.logger
                let script = runtime.currentScript
                let hook = runtime.configuration.httpHook
                do {
                    if let stored = try hook?.response(for: request) {
                        pushResponse(stored, in: runtime)
                        return 1
                    }
                } catch {
                    throw LuaRaise("\(error)")
                }
                let result = HTTPClient.send(request, policy: runtime.configuration.http) { retry in
                    logger.log(
                        level: .warn, message: "retrying HTTP request",
                        fields: [
                            "script": script, "method": request.method, "url": HTTPClient.redacted(request.url),
                            "reason": retry.reason, "attempt": String(retry.attempt),
                            "delay_seconds": String(retry.delay),
                        ])
                }
                switch result {
                case .success(let response):
                    do {
                        try hook?.didReceive(response, for: request)
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

    private static let requestFields: Set<String> = [
        "method", "url", "headers", "body", "timeout", "connect_timeout", "retries",
    ]

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

        switch fields["headers"] {
        case nil:
            break
        case .map(let headers)?:
            for (key, item) in headers {
                guard case .string(let name) = key, case .string(let text) = item, !name.contains(":"),
                    !name.contains("\n"), !text.contains("\n"), !text.contains("\r")
                else {
                    throw LuaRaise(
                        "rollbook.http.request: header '\(key.value.debugText)' must map a name to a one-line string")
                }
                request.headers.append((name, text))
            }
            request.headers.sort { $0.name < $1.name }
        default:
            throw LuaRaise("rollbook.http.request: field 'headers' must be a table of name = value strings")
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
