/// OneRoster OAuth 2.0 scope URIs and the expansion of the short names config files use.
public enum OneRosterScope {
    /// The scope URI prefix of OneRoster 1.1.
    public static let v1p1Prefix = "https://purl.imsglobal.org/spec/or/v1p1/scope/"
    /// The scope URI prefix of OneRoster 1.2.
    public static let v1p2Prefix = "https://purl.imsglobal.org/spec/or/v1p2/scope/"

    /// The scope names defined by OneRoster 1.1 and 1.2, without prefix.
    public static let knownNames: Set<String> = [
        "roster-core.readonly", "roster.readonly", "roster-demographics.readonly", "resource.readonly",
        "gradebook.readonly", "gradebook.createput", "gradebook.delete",
    ]

    /// The roster reads a 1.0a consumer gets when its client lists no scopes: core, full roster and demographics,
    /// in both versions, because OneRoster 1.1 signed requests had no scopes and could read all rostering data.
    public static let defaultSignedRequestScopes: Set<String> = expand(
        names: ["roster-core.readonly", "roster.readonly", "roster-demographics.readonly"])

    /// Expands configured scopes: a short name such as `roster-core.readonly` becomes both its 1.1 and its 1.2
    /// URI, and an absolute `https://` URI is kept as given.
    public static func expand(_ configured: [String]) throws(APIClientError) -> Set<String> {
        var scopes: Set<String> = []
        for entry in configured {
            let trimmed = entry.trimmingASCIIWhitespace()
            if trimmed.hasPrefix("https://") || trimmed.hasPrefix("http://") {
                guard !trimmed.contains(" ") else { throw .invalidScope(entry) }
                scopes.insert(trimmed)
            } else if knownNames.contains(trimmed) {
                scopes.insert(v1p1Prefix + trimmed)
                scopes.insert(v1p2Prefix + trimmed)
            } else {
                throw .invalidScope(entry)
            }
        }
        return scopes
    }

    /// Returns the 1.1 and 1.2 URIs of every name in `names`.
    static func expand(names: [String]) -> Set<String> {
        Set(names.flatMap { [v1p1Prefix + $0, v1p2Prefix + $0] })
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs, carriage returns and line feeds.
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
