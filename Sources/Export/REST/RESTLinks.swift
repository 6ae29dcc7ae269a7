import HTTP

/// Builds the `Link` header of a collection page: `next`, `prev`, `first` and `last` with the request's other
/// query parameters kept.
enum RESTLinks {
    /// Returns the header value, or "" when the page is the only one.
    ///
    /// `limit` is the page size in effect, so a capped `limit` shows up as the cap. `last` points at the largest
    /// multiple of `limit` below `total`, and `prev` at the page before `offset`, never below 0 and never past
    /// `last`, so that from past the end it leads back to the last page.
    static func header(url: String, queryItems: [QueryItem], limit: Int, offset: Int, total: Int) -> String {
        guard limit > 0 else { return "" }
        let kept = queryItems.filter { $0.name != "limit" && $0.name != "offset" }
            .map { encode($0.name) + "=" + encode($0.value) }
        func link(_ pageOffset: Int, _ relation: String) -> String {
            let query = (kept + ["limit=\(limit)", "offset=\(pageOffset)"]).joined(separator: "&")
            return "<\(url)?\(query)>; rel=\"\(relation)\""
        }
        let last = total > 0 ? (total - 1) / limit * limit : 0
        var links: [String] = []
        if offset + limit < total {
            links.append(link(offset + limit, "next"))
        }
        if offset > 0 {
            links.append(link(max(0, min(offset - limit, last)), "prev"))
        }
        if offset > 0 || offset + limit < total {
            links.append(link(0, "first"))
            links.append(link(last, "last"))
        }
        return links.joined(separator: ", ")
    }

    /// Percent-encodes every byte except RFC 3986 unreserved characters.
    private static func encode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                output +=
                    "%" + String(byte >> 4, radix: 16, uppercase: true)
                    + String(byte & 0x0F, radix: 16, uppercase: true)
            }
        }
        return output
    }
}
