import Synchronization

/// A thread-safe set of Prometheus counters, gauges and histograms, written out in the text exposition format.
///
/// Registration validates names and throws `MetricsError`. Updating a series with a wrong number of label
/// values is a programming error and stops the process with a precondition failure naming the metric.
public final class MetricsRegistry: Sendable {
    /// Default histogram upper bounds for request latency, in seconds.
    public static let defaultLatencyBuckets: [Double] = [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    private let families = Mutex<[String: MetricFamily]>([:])

    /// Creates an empty registry.
    public init() {}

    /// Registers a counter, or returns the existing one when the same definition was registered before.
    public func counter(_ name: String, help: String, labels: [String] = []) throws(MetricsError) -> MetricsCounter {
        MetricsCounter(family: try register(name, help: help, kind: .counter, labels: labels, buckets: []))
    }

    /// Registers a gauge, or returns the existing one when the same definition was registered before.
    public func gauge(_ name: String, help: String, labels: [String] = []) throws(MetricsError) -> MetricsGauge {
        MetricsGauge(family: try register(name, help: help, kind: .gauge, labels: labels, buckets: []))
    }

    /// Registers a histogram with finite, strictly increasing bucket upper bounds. The `+Inf` bucket is added.
    public func histogram(
        _ name: String, help: String, labels: [String] = [], buckets: [Double] = defaultLatencyBuckets
    ) throws(MetricsError) -> MetricsHistogram {
        var bounds = buckets
        if bounds.last == .infinity { bounds.removeLast() }
        let increasing = zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 }
        guard !bounds.isEmpty, increasing, bounds.allSatisfy({ $0.isFinite }) else {
            throw .invalidBuckets(buckets, metric: name)
        }
        return MetricsHistogram(
            family: try register(name, help: help, kind: .histogram, labels: labels, buckets: bounds))
    }

    /// Renders every metric in the Prometheus text format 0.0.4, metrics sorted by name and series by labels.
    public func exposition() -> String {
        let sorted = families.withLock { $0.values.sorted { $0.name < $1.name } }
        var text = ""
        for family in sorted {
            MetricsText.append(family, to: &text)
        }
        return text
    }

    private func register(
        _ name: String, help: String, kind: MetricKind, labels: [String], buckets: [Double]
    ) throws(MetricsError) -> MetricFamily {
        guard MetricsNames.isValidMetricName(name) else { throw .invalidMetricName(name) }
        try MetricsNames.validateLabels(labels, metric: name, isHistogram: kind == .histogram)

        let result: Result<MetricFamily, MetricsError> = families.withLock { table in
            if let existing = table[name] {
                let same = existing.hasDefinition(help: help, kind: kind, labelNames: labels, buckets: buckets)
                return same ? .success(existing) : .failure(.conflictingRegistration(name))
            }
            let family = MetricFamily(name: name, help: help, kind: kind, labelNames: labels, buckets: buckets)
            table[name] = family
            return .success(family)
        }
        return try result.get()
    }
}
