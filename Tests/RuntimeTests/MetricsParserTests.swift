import Foundation
import Testing

@testable import Runtime

/// Checks the exposition against the parser of the Python `prometheus_client` package.
@Suite struct MetricsParserTests {
    /// A small Python program that prints the parsed families as JSON, sample values as `repr` strings.
    private static let parserScript = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        families = []
        for family in text_string_to_metric_families(sys.stdin.read()):
            samples = [[s.name, s.labels, repr(float(s.value))] for s in family.samples]
            families.append({"name": family.name, "type": family.type, "help": family.documentation,
                             "samples": samples})
        print(json.dumps(families, sort_keys=True))
        """

    static let parserAvailable: Bool = (try? runPython(["-c", "import prometheus_client"], input: ""))?.status == 0

    @Test(
        .enabled(
            if: parserAvailable,
            "Python module 'prometheus_client' is not importable; install it with .ci/install to run this check"))
    func parserReadsFamilies() throws {
        let registry = MetricsRegistry()
        let requests = try registry.counter(
            "rollbook_http_requests_total", help: "HTTP requests.\nBy route \\ status.", labels: ["route", "status"])
        let heldRuns = try registry.gauge("rollbook_held_runs", help: "Held runs.")
        let latency = try registry.histogram(
            "rollbook_http_request_duration_seconds", help: "Latency.", labels: ["route"], buckets: [0.01, 0.1, 1])
        requests.increment(labels: ["/users/{id}", "200"], by: 5)
        requests.increment(labels: ["say \"hi\"\nback\\slash", "500"])
        heldRuns.set(.nan)
        latency.observe(0.05, labels: ["/users"])
        latency.observe(0.5, labels: ["/users"])
        latency.observe(3, labels: ["/users"])

        let output = try Self.runPython(["-c", Self.parserScript], input: registry.exposition())
        try #require(output.status == 0, "parser failed: \(output.stderr)")
        let data = try #require(output.stdout.data(using: .utf8))
        let families = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])

        #expect(
            families.map { $0["name"] as? String } == [
                "rollbook_held_runs", "rollbook_http_request_duration_seconds", "rollbook_http_requests",
            ])
        #expect(families.map { $0["type"] as? String } == ["gauge", "histogram", "counter"])
        #expect(families[2]["help"] as? String == "HTTP requests.\nBy route \\ status.")

        let gauge = samples(families[0])
        #expect(gauge.count == 1)
        #expect(gauge.first?.value == "nan")

        let histogram = samples(families[1])
        #expect(
            histogram.map { "\($0.name) \($0.labels["le"] ?? "-") \($0.value)" } == [
                "rollbook_http_request_duration_seconds_bucket 0.01 0.0",
                "rollbook_http_request_duration_seconds_bucket 0.1 1.0",
                "rollbook_http_request_duration_seconds_bucket 1 2.0",
                "rollbook_http_request_duration_seconds_bucket +Inf 3.0",
                "rollbook_http_request_duration_seconds_sum - 3.55",
                "rollbook_http_request_duration_seconds_count - 3.0",
            ])
        #expect(histogram.allSatisfy { $0.labels["route"] == "/users" })

        let counter = samples(families[2])
        #expect(counter.count == 2)
        #expect(counter.first?.labels == ["route": "/users/{id}", "status": "200"])
        #expect(counter.first?.value == "5.0")
        #expect(counter.last?.labels == ["route": "say \"hi\"\nback\\slash", "status": "500"])
        #expect(counter.last?.value == "1.0")
    }

    private func samples(_ family: [String: Any]) -> [(name: String, labels: [String: String], value: String)] {
        let rows = family["samples"] as? [[Any]] ?? []
        return rows.compactMap { row in
            guard row.count == 3, let name = row[0] as? String, let labels = row[1] as? [String: String],
                let value = row[2] as? String
            else { return nil }
            return (name, labels, value)
        }
    }

    /// Runs `python3` with `arguments`, feeding `input` on standard input.
    static func runPython(_ arguments: [String], input: String) throws -> ProcessOutput {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ProcessOutput(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self))
    }
}
