/// A counter handle: a value per label set that only goes up.
public final class MetricsCounter: Sendable {
    let family: MetricFamily

    init(family: MetricFamily) { self.family = family }

    /// Adds `amount` to the series of `labels`, given in the order of the registered label names.
    ///
    /// A wrong number of label values or a negative or NaN amount stops the process (precondition).
    public func increment(labels: [String] = [], by amount: Double = 1) {
        precondition(amount >= 0, "Counter '\(family.name)' cannot go down: increment by \(amount) is invalid")
        family.update(labels: labels) { $0.value += amount }
    }
}

/// A gauge handle: a value per label set that can go up and down.
public final class MetricsGauge: Sendable {
    let family: MetricFamily

    init(family: MetricFamily) { self.family = family }

    /// Sets the series of `labels` to `value`.
    public func set(_ value: Double, labels: [String] = []) {
        family.update(labels: labels) { $0.value = value }
    }

    /// Adds `delta`, which may be negative, to the series of `labels`.
    public func add(_ delta: Double, labels: [String] = []) {
        family.update(labels: labels) { $0.value += delta }
    }
}

/// A histogram handle: counts observations per bucket, with their sum and count, per label set.
public final class MetricsHistogram: Sendable {
    let family: MetricFamily

    init(family: MetricFamily) { self.family = family }

    /// Records `value` in the series of `labels`. A value equal to an upper bound counts in that bucket.
    public func observe(_ value: Double, labels: [String] = []) {
        let bounds = family.buckets
        // Binary search for the first bound >= value. NaN compares false, so it is put in the `+Inf` slot.
        var low = 0
        var high = bounds.count
        while low < high {
            let middle = (low + high) / 2
            if bounds[middle] >= value { high = middle } else { low = middle + 1 }
        }
        let slot = value.isNaN ? bounds.count : low
        family.update(labels: labels) { series in
            series.bucketCounts[slot] += 1
            series.sum += value
            series.count += 1
        }
    }
}
