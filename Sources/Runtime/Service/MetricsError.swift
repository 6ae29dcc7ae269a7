/// A metric or label definition that `MetricsRegistry` rejected at registration.
public struct MetricsError: Error, CustomStringConvertible, Equatable {
    private enum Code: String {
        case invalidMetricName = "invalid_metric_name"
        case invalidLabelName = "invalid_label_name"
        case reservedLabelName = "reserved_label_name"
        case duplicateLabelName = "duplicate_label_name"
        case conflictingRegistration = "conflicting_registration"
        case invalidBuckets = "invalid_buckets"
    }

    private let code: Code
    /// A readable explanation with the rejected value and a fix.
    public let description: String

    /// A short stable identifier, usable as a metric label or in logs.
    public var identifier: String { code.rawValue }

    private init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    static func invalidMetricName(_ name: String) -> MetricsError {
        MetricsError(
            .invalidMetricName,
            "Metric name '\(name)' is invalid; expected a letter, '_' or ':' followed by letters, digits, '_' or ':'"
        )
    }

    static func invalidLabelName(_ label: String, metric: String) -> MetricsError {
        MetricsError(
            .invalidLabelName,
            "Metric '\(metric)': label name '\(label)' is invalid; expected a letter or '_' followed by letters, "
                + "digits or '_'")
    }

    static func reservedLabelName(_ label: String, metric: String) -> MetricsError {
        MetricsError(
            .reservedLabelName,
            "Metric '\(metric)': label name '\(label)' is reserved; names starting with '__' are for Prometheus "
                + "itself and 'le' is the bucket label of histograms; choose another name")
    }

    static func duplicateLabelName(_ label: String, metric: String) -> MetricsError {
        MetricsError(
            .duplicateLabelName, "Metric '\(metric)': label name '\(label)' is listed twice; list each label once")
    }

    static func conflictingRegistration(_ name: String) -> MetricsError {
        MetricsError(
            .conflictingRegistration,
            "Metric '\(name)' is already registered with another type, help text, label names or buckets; "
                + "register it once and share the returned handle")
    }

    static func invalidBuckets(_ buckets: [Double], metric: String) -> MetricsError {
        let listed = buckets.map { MetricsText.number($0) }.joined(separator: ", ")
        return MetricsError(
            .invalidBuckets,
            "Metric '\(metric)': buckets '\(listed)' are invalid; expected at least one finite upper bound, "
                + "strictly increasing ('+Inf' is added automatically)")
    }
}

/// Name checks of the Prometheus data model, applied when a metric is registered.
enum MetricsNames {
    /// Checks a metric name against `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    static func isValidMetricName(_ name: String) -> Bool {
        isValid(name, allowsColon: true)
    }

    /// Checks a label name against `[a-zA-Z_][a-zA-Z0-9_]*`.
    static func isValidLabelName(_ name: String) -> Bool {
        isValid(name, allowsColon: false)
    }

    private static func isValid(_ name: String, allowsColon: Bool) -> Bool {
        guard !name.isEmpty else { return false }
        for (index, byte) in name.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
                continue
            case UInt8(ascii: ":") where allowsColon:
                continue
            case UInt8(ascii: "0")...UInt8(ascii: "9") where index > 0:
                continue
            default:
                return false
            }
        }
        return true
    }

    /// Validates the label names of one metric, in order.
    static func validateLabels(_ labels: [String], metric: String, isHistogram: Bool) throws(MetricsError) {
        var seen = Set<String>()
        for label in labels {
            guard isValidLabelName(label) else { throw .invalidLabelName(label, metric: metric) }
            if label.hasPrefix("__") || (isHistogram && label == "le") {
                throw .reservedLabelName(label, metric: metric)
            }
            guard seen.insert(label).inserted else { throw .duplicateLabelName(label, metric: metric) }
        }
    }
}
