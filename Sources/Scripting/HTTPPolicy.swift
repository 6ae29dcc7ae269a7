// Re-exported because files that predate the move, such as LuaRuntime.swift, use `HTTPPolicy()` as a default
// argument, and Swift requires the defining module to be imported where a default argument calls it.
// TODO: import HTTP in those files and make this a plain import.
@_exported import HTTP

/// Limits and retry behaviour of `rollbook.http.request`, defined by the HTTP target's client.
public typealias HTTPPolicy = HTTP.HTTPPolicy
