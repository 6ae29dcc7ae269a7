import OneRoster

/// Writes stored OneRoster records as the JSON objects of the REST binding, 1.1 or 1.2.
///
/// Members come in a fixed order per entity and version: `sourcedId`, `status`, `dateLastModified`,
/// `metadata`, then the entity's own members. Blank optional columns are left out, except `status`, which
/// is written as `active` when blank, and in 1.2 `orgs.identifier` and `courses.courseCode`, which are
/// written as `""` because the 1.2 JSON binding requires them while the CSV binding does not.
/// Booleans (`enabledUser`, `primary`, the race flags) are the strings `"true"` and `"false"` in both
/// versions, as 1.2 types them and as common 1.1 providers send them.
/// Text goes into one byte buffer per object with no JSONEncoder and no dictionary per record.
public struct RESTRecordEncoder: Sendable {
    /// The binding version whose member names and shapes are written.
    public let version: OneRosterVersion
    /// The service root that GUIDRef hrefs start with, without a trailing slash.
    public let baseURL: String
    let layout: RESTJSONLayout

    /// Creates an encoder whose GUIDRef hrefs start with `baseURL`, such as `https://host/ims/oneroster/v1p1`.
    ///
    /// `resourcesBaseURL` is the root for `resource` GUIDRefs, because 1.2 serves resources under its own
    /// path (`/ims/oneroster/resources/v1p2`); it defaults to `baseURL`. Trailing slashes are removed.
    public init(version: OneRosterVersion, baseURL: String, resourcesBaseURL: String? = nil) {
        self.version = version
        self.baseURL = Self.trimmingTrailingSlashes(baseURL)
        let resources = Self.trimmingTrailingSlashes(resourcesBaseURL ?? baseURL)
        layout = RESTJSONLayout(version: version, baseURL: self.baseURL, resourcesBaseURL: resources)
    }

    /// Returns the JSON object of `record`, with only the top-level members named in `fields` when it is given.
    ///
    /// `fields` holds JSON member names such as `givenName` or `orgs`, and unknown names select nothing.
    /// `sourcedId` is written only when selected. A 1.2 user gets `"roles":[]`: use
    /// `object(_:roles:userProfiles:fields:)` to embed its roles.
    public func object(_ record: Record, fields: [String]? = nil) -> String {
        object(record, roles: [], userProfiles: [], fields: fields)
    }

    /// Returns the JSON object of a 1.2 user with its role and user profile records embedded.
    ///
    /// `roles` and `userProfiles` are the records whose `userSourcedId` is the user's, in the order given.
    /// A 1.1 encoder ignores them, because 1.1 users carry `role` and `orgs` themselves.
    public func object(
        _ record: Record, roles: [Record], userProfiles: [Record], fields: [String]? = nil
    ) -> String {
        var output = RESTJSONOutput(capacity: 1024)
        encode(record, roles: roles, userProfiles: userProfiles, fields: fields, into: &output)
        return output.text
    }

    /// Appends the JSON object of `record` to `buffer` as UTF-8, for writers that build a whole page at once.
    public func write(
        _ record: Record, roles: [Record] = [], userProfiles: [Record] = [], fields: [String]? = nil,
        into buffer: inout [UInt8]
    ) {
        var output = RESTJSONOutput(capacity: 0)
        swap(&output.bytes, &buffer)
        encode(record, roles: roles, userProfiles: userProfiles, fields: fields, into: &output)
        swap(&output.bytes, &buffer)
    }

    private static func trimmingTrailingSlashes(_ url: String) -> String {
        var url = Substring(url)
        while url.hasSuffix("/") { url.removeLast() }
        return String(url)
    }
}
