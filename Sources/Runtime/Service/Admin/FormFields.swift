import HTTP

/// The fields of an `application/x-www-form-urlencoded` body, as HTML forms post them.
struct FormFields {
    private var fields: [(name: String, value: String)] = []

    /// Decodes a body. A field whose percent-encoding is invalid is left out, so a check for it fails.
    init(body: [UInt8]) {
        for part in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let pieces = part.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(pieces[0]) else { continue }
            guard let value = pieces.count > 1 ? Self.decode(pieces[1]) : "" else { continue }
            fields.append((name, value))
        }
    }

    /// Returns the value of the first field named `name`.
    subscript(name: String) -> String? {
        fields.first { $0.name == name }?.value
    }

    /// Decodes `+` as a space and `%XX` as a byte. Returns nil for a broken escape or invalid UTF-8.
    private static func decode(_ bytes: ArraySlice<UInt8>) -> String? {
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        return PercentDecoding.decode(Substring(text), plusAsSpace: true)
    }
}

extension HTTPRequest {
    /// Returns the value of the cookie named `name` from the `Cookie` header, or nil.
    func cookie(_ name: String) -> String? {
        guard let header = headers["Cookie"] else { return nil }
        for pair in header.split(separator: ";") {
            let trimmed = pair.drop { $0 == " " }
            guard let equals = trimmed.firstIndex(of: "=") else { continue }
            if trimmed[..<equals] == name { return String(trimmed[trimmed.index(after: equals)...]) }
        }
        return nil
    }
}
