/// Text helpers for the report page: escaping and number formats that do not depend on the locale.
enum HTMLText {
    /// Escapes a value for HTML text and quoted attribute values, in HTML and in inline SVG alike.
    ///
    /// Control characters other than tab, line feed and carriage return are not allowed in HTML, so each
    /// becomes U+FFFD.
    static func escape(_ value: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value):
                escaped += "\u{FFFD}"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// Shortens a value to at most `limit` characters, marking the cut with an ellipsis.
    static func truncate(_ value: String, to limit: Int) -> String {
        guard value.count > limit else { return value }
        return String(value.prefix(max(limit - 1, 0))) + "\u{2026}"
    }

    /// Formats an integer with thousands separators, for example `1,234,567`.
    static func number(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped += "," }
            grouped.append(digit)
        }
        return value < 0 ? "-" + grouped : grouped
    }

    /// Formats a fraction as a percentage with one decimal, for example `0.1234` as `12.3 %`; `n/a` when not finite.
    static func percent(_ fraction: Double) -> String {
        guard fraction.isFinite else { return "n/a" }
        return decimal(fraction * 100, places: 1) + "\u{A0}%"
    }

    /// Formats a duration in seconds as `42.5 s`, `3 min 20 s` or `2 h 5 min`; `n/a` when not finite or negative.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "n/a" }
        if seconds < 60 { return decimal(seconds, places: 1) + "\u{A0}s" }
        let whole = Int(seconds.rounded())
        if whole < 3600 { return "\(whole / 60)\u{A0}min \(whole % 60)\u{A0}s" }
        return "\(whole / 3600)\u{A0}h \((whole % 3600) / 60)\u{A0}min"
    }

    /// Formats a finite number with a fixed count of decimals, rounding half away from zero.
    static func decimal(_ value: Double, places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (value * scale).rounded()
        guard scaled.magnitude < 1e15 else { return String(value) }
        let units = Int(scaled)
        let sign = units < 0 ? "-" : ""
        let magnitude = units.magnitude
        let divisor = UInt(scale)
        guard places > 0 else { return sign + String(magnitude) }
        let fraction = String(magnitude % divisor)
        let padding = String(repeating: "0", count: places - fraction.count)
        return sign + String(magnitude / divisor) + "." + padding + fraction
    }

    /// Formats a chart coordinate with at most one decimal, as SVG attributes take it.
    static func coordinate(_ value: Double) -> String {
        decimal(value, places: 1)
    }
}
