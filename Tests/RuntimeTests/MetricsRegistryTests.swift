import Dispatch
import Testing

@testable import Runtime

@Suite struct MetricsRegistryTests {
    @Test func smallRegistryExactText() throws {
        let registry = MetricsRegistry()
        let requests = try registry.counter(
            "rollbook_http_requests_total", help: "HTTP requests by route and status.", labels: ["route", "status"])
        let held = try registry.gauge("rollbook_held_runs", help: "Sync runs held for review.")
        let duration = try registry.histogram(
            "rollbook_sync_duration_seconds", help: "Sync run duration.", labels: ["district"], buckets: [1, 10])

        requests.increment(labels: ["/users", "200"])
        requests.increment(labels: ["/users", "200"], by: 2)
        requests.increment(labels: ["/classes", "404"])
        held.set(3)
        held.add(-1.5)
        duration.observe(0.5, labels: ["north"])
        duration.observe(10, labels: ["north"])
        duration.observe(42.25, labels: ["north"])

        let expected = """
            # HELP rollbook_held_runs Sync runs held for review.
            # TYPE rollbook_held_runs gauge
            rollbook_held_runs 1.5
            # HELP rollbook_http_requests_total HTTP requests by route and status.
            # TYPE rollbook_http_requests_total counter
            rollbook_http_requests_total{route="/classes",status="404"} 1
            rollbook_http_requests_total{route="/users",status="200"} 3
            # HELP rollbook_sync_duration_seconds Sync run duration.
            # TYPE rollbook_sync_duration_seconds histogram
            rollbook_sync_duration_seconds_bucket{district="north",le="1"} 1
            rollbook_sync_duration_seconds_bucket{district="north",le="10"} 2
            rollbook_sync_duration_seconds_bucket{district="north",le="+Inf"} 3
            rollbook_sync_duration_seconds_sum{district="north"} 52.75
            rollbook_sync_duration_seconds_count{district="north"} 3

            """
        #expect(registry.exposition() == expected)
    }

    @Test func unlabeledMetricsStartAtZero() throws {
        let registry = MetricsRegistry()
        _ = try registry.counter("runs_total", help: "Runs.")
        _ = try registry.histogram("wait_seconds", help: "Wait.", buckets: [0.5])
        _ = try registry.counter("requests_total", help: "Requests.", labels: ["route"])

        let expected = """
            # HELP requests_total Requests.
            # TYPE requests_total counter
            # HELP runs_total Runs.
            # TYPE runs_total counter
            runs_total 0
            # HELP wait_seconds Wait.
            # TYPE wait_seconds histogram
            wait_seconds_bucket{le="0.5"} 0
            wait_seconds_bucket{le="+Inf"} 0
            wait_seconds_sum 0
            wait_seconds_count 0

            """
        #expect(registry.exposition() == expected)
    }

    @Test func histogramBucketsAreCumulative() throws {
        let registry = MetricsRegistry()
        let latency = try registry.histogram("latency_seconds", help: "Latency.")
        for value in [0.0005, 0.001, 0.002, 0.3, 0.3, 7, 11, .nan] {
            latency.observe(value)
        }

        let lines = registry.exposition().split(separator: "\n").map(String.init)
        let buckets = lines.filter { $0.hasPrefix("latency_seconds_bucket") }
        #expect(buckets.count == MetricsRegistry.defaultLatencyBuckets.count + 1)
        #expect(buckets.first == "latency_seconds_bucket{le=\"0.001\"} 2")
        #expect(buckets.contains("latency_seconds_bucket{le=\"0.0025\"} 3"))
        #expect(buckets.contains("latency_seconds_bucket{le=\"0.25\"} 3"))
        #expect(buckets.contains("latency_seconds_bucket{le=\"0.5\"} 5"))
        #expect(buckets.contains("latency_seconds_bucket{le=\"10\"} 6"))
        #expect(buckets.last == "latency_seconds_bucket{le=\"+Inf\"} 8")
        #expect(lines.contains("latency_seconds_count 8"))
        // One NaN observation makes the sum NaN, as in other Prometheus clients.
        #expect(lines.contains("latency_seconds_sum NaN"))

        let counts = buckets.compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }
        #expect(counts == counts.sorted())
    }

    @Test func concurrentIncrementsAreExact() throws {
        let registry = MetricsRegistry()
        let counter = try registry.counter("hits_total", help: "Hits.", labels: ["route"])
        let gauge = try registry.gauge("level", help: "Level.")
        let histogram = try registry.histogram("size", help: "Size.", buckets: [1])
        let threads = 8
        let perThread = 20_000

        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            let route = thread % 2 == 0 ? "/even" : "/odd"
            for _ in 0..<perThread {
                counter.increment(labels: [route])
                gauge.add(1)
                histogram.observe(0.5)
            }
        }

        let text = registry.exposition()
        let half = threads / 2 * perThread
        #expect(text.contains("hits_total{route=\"/even\"} \(half)\n"))
        #expect(text.contains("hits_total{route=\"/odd\"} \(half)\n"))
        #expect(text.contains("level \(threads * perThread)\n"))
        #expect(text.contains("size_bucket{le=\"1\"} \(threads * perThread)\n"))
        #expect(text.contains("size_count \(threads * perThread)\n"))
    }

    @Test func sameDefinitionSharesSeries() throws {
        let registry = MetricsRegistry()
        let first = try registry.counter("runs_total", help: "Runs.", labels: ["kind"])
        let second = try registry.counter("runs_total", help: "Runs.", labels: ["kind"])
        first.increment(labels: ["sync"])
        second.increment(labels: ["sync"])

        #expect(registry.exposition().contains("runs_total{kind=\"sync\"} 2\n"))
    }
}

@Suite struct MetricsPreconditionTests {
    @Test func wrongLabelCountStops() async {
        await #expect(processExitsWith: .failure) {
            let registry = MetricsRegistry()
            let counter = try registry.counter("hits_total", help: "Hits.", labels: ["route", "status"])
            counter.increment(labels: ["/users"])
        }
    }

    @Test func negativeIncrementStops() async {
        await #expect(processExitsWith: .failure) {
            let registry = MetricsRegistry()
            let counter = try registry.counter("hits_total", help: "Hits.")
            counter.increment(by: -1)
        }
    }
}
