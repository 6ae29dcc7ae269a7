import OneRoster

/// The imsx status payload of a failed OneRoster REST request, with its HTTP status code.
///
/// 1.2 sends the status object itself as the body. 1.1 sends it as the one element of a `statusInfoSet`
/// array, the member that 1.1 collection responses use for status objects. Both carry `imsx_codeMajor`
/// `failure`, `imsx_severity` `error`, `imsx_description`, and one code minor field named `TargetEndSystem`.
public struct RESTStatus: Error, Sendable, Hashable {
    /// The HTTP status code, such as 404.
    public let httpStatus: Int
    /// The imsx code minor value, such as `unknownobject`.
    public let codeMinor: String
    /// The text for `imsx_description`.
    public let description: String

    private init(httpStatus: Int, codeMinor: String, description: String) {
        self.httpStatus = httpStatus
        self.codeMinor = codeMinor
        self.description = description
    }

    /// Returns a 400 status for a rejected query parameter, carrying the error's message and code minor value.
    public static func badRequest(_ error: RESTQueryError) -> Self {
        Self(httpStatus: 400, codeMinor: error.codeMinor, description: error.description)
    }

    /// Returns a 401 status for a request without valid credentials.
    public static func unauthorized(
        _ description: String = "Authentication failed: send a valid access token in the Authorization header"
    ) -> Self {
        Self(httpStatus: 401, codeMinor: "unauthorisedrequest", description: description)
    }

    /// Returns a 403 status for credentials that lack the scope the endpoint requires, such as a demographics scope.
    public static func forbidden(missingScope scope: String) -> Self {
        Self(
            httpStatus: 403, codeMinor: "forbidden",
            description: "Access denied: the token lacks the scope '\(scope)' that this endpoint requires; "
                + "ask the district to grant it")
    }

    /// Returns a 404 status for a single-object request whose sourcedId matches no record of `entity`.
    public static func notFound(_ entity: Entity, sourcedId: String) -> Self {
        Self(
            httpStatus: 404, codeMinor: "unknownobject",
            description: "Not found: no \(entity.singular) has sourcedId '\(sourcedId)'; "
                + "check the id against the collection endpoint")
    }

    /// Returns a 404 status for a path under a rostering base path that names no endpoint.
    public static func unknownEndpoint(_ path: String) -> Self {
        Self(
            httpStatus: 404, codeMinor: "unknownobject",
            description: "Not found: no rostering endpoint has the path '\(path)'; "
                + "check the path against the OneRoster endpoint list")
    }

    /// Returns a 429 status asking the client to slow down.
    public static func tooManyRequests() -> Self {
        Self(
            httpStatus: 429, codeMinor: "server_busy",
            description: "Too many requests: the rate limit was exceeded; retry after the Retry-After delay")
    }

    /// Returns a 500 status whose description reveals nothing about the server's internals.
    public static func internalError() -> Self {
        Self(
            httpStatus: 500, codeMinor: "internal_server_error",
            description: "Internal server error: the request was not completed; retry later")
    }

    /// Returns the JSON body of this status in the form of `version`.
    ///
    /// 1.2 defines no `invalid_sort_field` code minor value, so a 1.2 body carries `invaliddata` for it.
    public func json(version: OneRosterVersion) -> String {
        var output = RESTJSONOutput(capacity: 256 + description.utf8.count)
        if version == .v1p1 {
            output.append(Array("{\"statusInfoSet\":[".utf8))
        }
        let minor = version == .v1p2 && codeMinor == "invalid_sort_field" ? "invaliddata" : codeMinor
        output.append(Array("{\"imsx_codeMajor\":\"failure\",\"imsx_severity\":\"error\",\"imsx_description\":".utf8))
        output.appendString(description)
        output.append(
            Array(
                (",\"imsx_CodeMinor\":{\"imsx_codeMinorField\":[{\"imsx_codeMinorFieldName\":\"TargetEndSystem\","
                    + "\"imsx_codeMinorFieldValue\":").utf8))
        output.appendString(minor)
        output.append(Array("}]}}".utf8))
        if version == .v1p1 {
            output.append(Array("]}".utf8))
        }
        return output.text
    }
}
