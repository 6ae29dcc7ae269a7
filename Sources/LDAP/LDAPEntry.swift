import Foundation

/// One directory entry: its DN and the values of the requested attributes.
public struct LDAPEntry: Sendable, Equatable {
    /// The entry's distinguished name.
    public let dn: String
    /// Raw attribute values keyed by lowercased attribute name, because LDAP attribute names ignore case.
    public let attributes: [String: [[UInt8]]]

    /// Creates an entry with lowercased attribute names.
    public init(dn: String, attributes: [String: [[UInt8]]]) {
        self.dn = dn
        var lowered: [String: [[UInt8]]] = [:]
        for (name, values) in attributes { lowered[name.lowercased(), default: []] += values }
        self.attributes = lowered
    }

    /// Returns the raw values of attribute `name`, empty when the entry has none.
    public func values(_ name: String) -> [[UInt8]] {
        attributes[name.lowercased()] ?? []
    }

    /// Returns the values of attribute `name` that are valid UTF-8 text.
    public func strings(_ name: String) -> [String] {
        values(name).compactMap { String(validating: $0, as: UTF8.self) }
    }

    /// Returns the first value of attribute `name` as text, or nil when it is missing or not UTF-8.
    public func string(_ name: String) -> String? {
        strings(name).first
    }

    /// Returns the first value of attribute `name` in standard base64, for binary values such as `objectGUID`.
    public func base64(_ name: String) -> String? {
        values(name).first.map { Data($0).base64EncodedString() }
    }
}

/// A person who signed in: the username as typed and their directory entry.
public struct LDAPUser: Sendable, Equatable {
    /// The username the person typed.
    public let username: String
    /// The entry the username resolved to, with the configured attributes.
    public let entry: LDAPEntry

    /// The entry's distinguished name.
    public var dn: String { entry.dn }
}

/// The outcome of a listing: every entry across all pages, and the references that were skipped.
public struct LDAPSearchResult: Sendable {
    /// The entries, in the order the server sent them.
    public let entries: [LDAPEntry]
    /// The URLs of search continuation references, which are not followed, so callers can log them.
    public let skippedReferences: [String]
    /// The number of pages the server sent.
    public let pages: Int
}
