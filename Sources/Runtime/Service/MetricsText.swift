/// Writing of the Prometheus text exposition format, version 0.0.4.
enum MetricsText {
    /// Appends the `# HELP`, `# TYPE` and sample lines of one family.
    static func append(_ family: MetricFamily, to text: inout String) {
        text += "# HELP \(family.name) \(escapeHelp(family.help))\n"
        text += "# TYPE \(family.name) \(family.kind.rawValue)\n"
        for (labels, series) in family.snapshot() {
            let pairs = zip(family.labelNames, labels).map { "\($0)=\"\(escapeLabelValue($1))\"" }
            switch family.kind {
            case .counter, .gauge:
                appendSample(family.name, pairs, series.value, to: &text)
            case .histogram:
                var cumulative: UInt64 = 0
                for (slot, count) in series.bucketCounts.enumerated() {
                    cumulative += count
                    let bound = slot < family.buckets.count ? number(family.buckets[slot]) : "+Inf"
                    let bucketPairs = pairs + ["le=\"\(bound)\""]
                    appendSample(family.name + "_bucket", bucketPairs, Double(cumulative), to: &text)
                }
                appendSample(family.name + "_sum", pairs, series.sum, to: &text)
                appendSample(family.name + "_count", pairs, Double(series.count), to: &text)
            }
        }
    }

    private static func appendSample(_ name: String, _ pairs: [String], _ value: Double, to text: inout String) {
        text += name
        if !pairs.isEmpty {
            text += "{" + pairs.joined(separator: ",") + "}"
        }
        text += " " + number(value) + "\n"
    }

    /// Formats a sample value: whole numbers without a fraction, `+Inf`, `-Inf`, `NaN`, else the shortest form.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == .infinity { return "+Inf" }
        if value == -.infinity { return "-Inf" }
        // Whole numbers below 2^53 are exact as integers. Larger ones keep the exponent form of Swift, e.g. `1e+20`.
        if value == value.rounded(), abs(value) < 9_007_199_254_740_992 {
            return String(Int64(value))
        }
        return value.description
    }

    /// Escapes a label value: backslash, double quote and line feed.
    static func escapeLabelValue(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 0x5C || $0 == 0x22 || $0 == 0x0A }) else { return value }
        var escaped = ""
        for character in value.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// Escapes help text: backslash and line feed.
    static func escapeHelp(_ help: String) -> String {
        guard help.utf8.contains(where: { $0 == 0x5C || $0 == 0x0A }) else { return help }
        var escaped = ""
        for character in help.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }
}
