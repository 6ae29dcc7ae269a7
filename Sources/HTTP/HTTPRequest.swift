/// One query parameter, name and value percent-decoded with `+` read as a space.
public struct QueryItem: Sendable, Equatable {
    /// The decoded name.
    public var name: String
    /// The decoded value; empty when the item has no `=`.
    public var value: String

    /// Creates a query item.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// An HTTP request as the server hands it to a handler, with the whole body read.
public struct HTTPRequest: Sendable {
    /// The method, such as `GET`, as sent by the client.
    public var method: String
    /// The request target's path without the query, still percent-encoded as sent.
    public var path: String
    /// The raw query string after `?`, without the `?`; empty when there is none.
    public var query: String
    /// The query parameters, decoded, in the order they were sent.
    public var queryItems: [QueryItem]
    /// The request header fields.
    public var headers: HTTPHeaders
    /// The request body; empty when there is none.
    public var body: [UInt8]
    /// The client's numeric IP address, or an empty string when it is unknown.
    public var remoteAddress: String

    /// Creates a request from its request target (path and optional query), splitting and decoding the query.
    public init(
        method: String, target: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [],
        remoteAddress: String = ""
    ) {
        self.method = method
        if let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) {
            path = String(target[..<mark])
            query = String(target[target.utf8.index(after: mark)...])
        } else {
            path = target
            query = ""
        }
        queryItems = Self.parseQuery(query)
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// Returns the decoded value of the first query parameter named `name`.
    public func queryValue(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }

    /// Splits `query` on `&` and `=`, keeping items whose encoding is invalid as sent.
    static func parseQuery(_ query: String) -> [QueryItem] {
        var items: [QueryItem] = []
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = PercentDecoding.decode(pieces[0], plusAsSpace: true) ?? String(pieces[0])
            let rawValue = pieces.count > 1 ? pieces[1] : ""
            let value = PercentDecoding.decode(rawValue, plusAsSpace: true) ?? String(rawValue)
            items.append(QueryItem(name: name, value: value))
        }
        return items
    }
}
