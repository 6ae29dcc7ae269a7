import HTTP

/// Limits and retry behaviour of `rollbook.http.request`, defined by the HTTP target's client.
public typealias HTTPPolicy = HTTP.HTTPPolicy
