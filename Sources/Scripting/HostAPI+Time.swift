import Glibc

extension HostAPI {
    static let timeFunctions: [HostFunction] = [
        HostFunction(
            name: "time.now", scope: .rollbook, signature: "rollbook.time.now() -> text",
            summary: "Returns the current UTC time in ISO 8601, such as `2024-09-01T07:30:00Z`.",
            body: { call in
                call.runtime.pushString(iso8601(time(nil)))
                return 1
            }),
        HostFunction(
            name: "time.unix", scope: .rollbook, signature: "rollbook.time.unix() -> integer",
            summary: "Returns the current time in whole seconds since 1970-01-01 UTC.",
            body: { call in
                call.runtime.push(.integer(Int64(time(nil))))
                return 1
            }),
    ]
}

/// Formats a Unix time as UTC ISO 8601 with a `Z` suffix.
func iso8601(_ seconds: time_t) -> String {
    var moment = seconds
    var parts = tm()
    gmtime_r(&moment, &parts)
    var buffer = [CChar](repeating: 0, count: 32)
    let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
    return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
