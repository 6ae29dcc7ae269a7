/// Small helpers for writing the fixed-shape JSON bodies of OAuth responses.
enum JSONText {
    /// Returns `text` as a quoted JSON string literal.
    static func quoted(_ text: String) -> String {
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output + "\""
    }
}

extension String {
    /// Returns the first `limit` Unicode scalars of the string with every scalar outside printable ASCII, and
    /// `"` and `\`, replaced by `?`, so that the text fits the character set RFC 6749 allows in `error_description`.
    func sanitizedForErrorDescription(limit: Int = 64) -> String {
        var output = ""
        for scalar in unicodeScalars.prefix(limit) {
            let allowed = scalar.value >= 0x20 && scalar.value <= 0x7E && scalar != "\"" && scalar != "\\"
            output.unicodeScalars.append(allowed ? scalar : "?")
        }
        return unicodeScalars.count > limit ? output + "..." : output
    }
}
