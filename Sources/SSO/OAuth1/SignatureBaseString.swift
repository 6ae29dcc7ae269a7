/// The OAuth 1.0a signature base string of RFC 5849 section 3.4.1.
enum SignatureBaseString {
    /// Builds `METHOD&encoded base string URI&encoded normalized parameters`.
    ///
    /// `parameters` are decoded names and values from the query, the `Authorization` header (without `realm`)
    /// and a form body, with `oauth_signature` already left out.
    static func make(method: String, baseURI: String, parameters: [(name: String, value: String)]) -> String {
        let encoded = parameters.map {
            (name: PercentEncoding.encodeUnreserved($0.name), value: PercentEncoding.encodeUnreserved($0.value))
        }
        // Encoded names and values are ASCII, so comparing UTF-8 bytes is the byte order RFC 5849 3.4.1.3.2 requires.
        let sorted = encoded.sorted { lhs, rhs in
            if lhs.name != rhs.name { return lhs.name.utf8.lexicographicallyPrecedes(rhs.name.utf8) }
            return lhs.value.utf8.lexicographicallyPrecedes(rhs.value.utf8)
        }
        let normalized = sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        return method.uppercased() + "&" + PercentEncoding.encodeUnreserved(baseURI) + "&"
            + PercentEncoding.encodeUnreserved(normalized)
    }
}

/// A request URL split into the base string URI of RFC 5849 section 3.4.1.2 and its raw query.
struct SignedURL: Equatable {
    /// Lower-case scheme and host, the port only when it is not the scheme's default, and the path as sent.
    let baseURI: String
    /// The query after `?`, still percent-encoded, or empty when there is none.
    let query: Substring

    /// Splits an absolute `http` or `https` URL. Returns nil for anything else.
    init?(_ url: String) {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        var rest = url[schemeEnd.upperBound...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }

        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var host = authority
        var port: Substring = ""
        if let colon = authority.lastIndex(of: ":"), !authority[colon...].contains("]") {
            host = authority[..<colon]
            port = authority[authority.index(after: colon)...]
        }
        guard !host.isEmpty, port.allSatisfy(\.isASCIIDigit) else { return nil }

        let pathAndQuery = rest[authorityEnd...]
        let questionMark = pathAndQuery.firstIndex(of: "?")
        let path = questionMark.map { pathAndQuery[..<$0] } ?? pathAndQuery
        query = questionMark.map { pathAndQuery[pathAndQuery.index(after: $0)...] } ?? ""

        let defaultPort = scheme == "http" ? "80" : "443"
        let portPart = port.isEmpty || port == defaultPort ? "" : ":" + port
        baseURI = scheme + "://" + host.lowercased() + portPart + (path.isEmpty ? "/" : String(path))
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
