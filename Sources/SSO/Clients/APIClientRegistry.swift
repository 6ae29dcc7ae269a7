import Synchronization

/// The current API clients by id, replaced as a whole when config is reloaded.
///
/// The token endpoint and the authenticator share one registry, so a reload takes effect for both at once.
public final class APIClientRegistry: Sendable {
    private let clients: Mutex<[String: APIClient]>

    /// Creates a registry that contains `clients`.
    public init(_ clients: [APIClient] = []) throws(APIClientError) {
        self.clients = Mutex(try Self.index(clients))
    }

    /// Replaces every client at once. On an error the previous clients stay in place.
    public func replace(with clients: [APIClient]) throws(APIClientError) {
        let indexed = try Self.index(clients)
        self.clients.withLock { $0 = indexed }
    }

    /// Returns the client with identifier `id`, if any.
    public func client(id: String) -> APIClient? {
        clients.withLock { $0[id] }
    }

    private static func index(_ clients: [APIClient]) throws(APIClientError) -> [String: APIClient] {
        var byID: [String: APIClient] = [:]
        for client in clients {
            guard byID.updateValue(client, forKey: client.id) == nil else { throw .duplicateID(client.id) }
        }
        return byID
    }
}
