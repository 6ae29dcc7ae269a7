import Synchronization

/// The kind of a metric family, as written on its `# TYPE` line.
enum MetricKind: String, Sendable {
    case counter
    case gauge
    case histogram
}

/// The current value of one labeled series.
struct MetricSeries: Sendable {
    /// The counter or gauge value, unused by histograms.
    var value: Double = 0
    /// Observation counts per bucket, not cumulative. The last slot is the `+Inf` bucket.
    var bucketCounts: [UInt64]
    var sum: Double = 0
    var count: UInt64 = 0

    init(bucketCount: Int) {
        bucketCounts = bucketCount == 0 ? [] : Array(repeating: 0, count: bucketCount)
    }
}

/// One registered metric: its definition and its series, guarded by a lock of its own.
final class MetricFamily: Sendable {
    let name: String
    let help: String
    let kind: MetricKind
    let labelNames: [String]
    /// Finite, strictly increasing upper bounds of a histogram, empty for counters and gauges.
    let buckets: [Double]
    let series: Mutex<[[String]: MetricSeries]>

    init(name: String, help: String, kind: MetricKind, labelNames: [String], buckets: [Double]) {
        self.name = name
        self.help = help
        self.kind = kind
        self.labelNames = labelNames
        self.buckets = buckets
        // A family without labels has exactly one series, shown as zero before its first update.
        var initial: [[String]: MetricSeries] = [:]
        if labelNames.isEmpty {
            initial[[]] = MetricSeries(bucketCount: kind == .histogram ? buckets.count + 1 : 0)
        }
        series = Mutex(initial)
    }

    /// Checks that a definition matches this family, so a second registration can share it.
    func hasDefinition(help: String, kind: MetricKind, labelNames: [String], buckets: [Double]) -> Bool {
        self.help == help && self.kind == kind && self.labelNames == labelNames && self.buckets == buckets
    }

    /// Applies `update` to the series of `labels`, creating it first when needed.
    ///
    /// A wrong number of label values is a programming error and stops the process.
    @inline(__always)
    func update(labels: [String], _ update: (inout MetricSeries) -> Void) {
        precondition(
            labels.count == labelNames.count,
            "Metric '\(name)' takes \(labelNames.count) label values (\(labelNames.joined(separator: ", "))) "
                + "but was given \(labels.count): \(labels)")
        let bucketCount = kind == .histogram ? buckets.count + 1 : 0
        series.withLock { table in
            update(&table[labels, default: MetricSeries(bucketCount: bucketCount)])
        }
    }

    /// Copies the series, sorted by label values, for exposition.
    func snapshot() -> [(labels: [String], series: MetricSeries)] {
        let copy = series.withLock { table in table.map { (labels: $0.key, series: $0.value) } }
        return copy.sorted { $0.labels.lexicographicallyPrecedes($1.labels) }
    }
}
