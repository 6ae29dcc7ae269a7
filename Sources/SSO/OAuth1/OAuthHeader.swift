/// Parsing of the `Authorization: OAuth ...` header of RFC 5849 section 3.5.1.
enum OAuthHeader {
    /// Returns the decoded parameters of an `OAuth` header, `realm` included, or nil when it is malformed.
    ///
    /// Parameters are `name="value"` pairs separated by commas, with percent-encoded values. Unquoted values
    /// are accepted because some 1.0a clients send them.
    static func parameters(_ header: Substring) -> [(name: String, value: String)]? {
        var pairs: [(name: String, value: String)] = []
        for item in splitOutsideQuotes(header) {
            let trimmed = String(item).trimmingASCIIWhitespace()
            if trimmed.isEmpty { continue }
            guard let equals = trimmed.firstIndex(of: "=") else { return nil }
            let rawName = String(trimmed[..<equals]).trimmingASCIIWhitespace()
            var rawValue = Substring(String(trimmed[trimmed.index(after: equals)...]).trimmingASCIIWhitespace())
            if rawValue.hasPrefix("\"") {
                guard rawValue.count >= 2, rawValue.hasSuffix("\"") else { return nil }
                rawValue = rawValue.dropFirst().dropLast()
            }
            guard let name = PercentEncoding.decode(Substring(rawName), plusAsSpace: false),
                let value = PercentEncoding.decode(rawValue, plusAsSpace: false)
            else { return nil }
            pairs.append((name, value))
        }
        return pairs
    }

    private static func splitOutsideQuotes(_ text: Substring) -> [Substring] {
        var items: [Substring] = []
        var start = text.startIndex
        var quoted = false
        var index = text.startIndex
        while index != text.endIndex {
            let character = text[index]
            if character == "\"" {
                quoted.toggle()
            } else if character == "," && !quoted {
                items.append(text[start..<index])
                start = text.index(after: index)
            }
            index = text.index(after: index)
        }
        items.append(text[start...])
        return items
    }
}
