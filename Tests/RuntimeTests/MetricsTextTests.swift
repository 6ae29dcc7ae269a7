import Foundation
import Testing

@testable import Runtime

@Suite struct MetricsTextTests {
    @Test func labelValuesAreEscaped() throws {
        let registry = MetricsRegistry()
        let counter = try registry.counter("odd_total", help: "Odd.", labels: ["value"])
        counter.increment(labels: ["a\\b \"quoted\"\nnext"])

        #expect(registry.exposition().contains(#"odd_total{value="a\\b \"quoted\"\nnext"} 1"# + "\n"))
    }

    @Test func helpTextIsEscaped() throws {
        let registry = MetricsRegistry()
        _ = try registry.gauge("g", help: "Path C:\\tmp\nsecond \"line\"")

        // Help text escapes only backslash and line feed, so double quotes stay as they are.
        #expect(registry.exposition().hasPrefix(#"# HELP g Path C:\\tmp\nsecond "line""# + "\n"))
    }

    @Test(arguments: [
        (0.0, "0"), (3.0, "3"), (-2.0, "-2"), (0.25, "0.25"), (1e-05, "1e-05"), (1e20, "1e+20"),
        (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"), (Double.nan, "NaN"),
    ])
    func numberFormatting(value: Double, text: String) {
        #expect(MetricsText.number(value) == text)
    }

    @Test func invalidNamesAreRejected() {
        let registry = MetricsRegistry()
        #expect(throws: MetricsError.self) { try registry.counter("9lives", help: "") }
        #expect(throws: MetricsError.self) { try registry.counter("has-dash", help: "") }
        #expect(throws: MetricsError.self) { try registry.counter("", help: "") }
        #expect(throws: MetricsError.self) { try registry.counter("ok", help: "", labels: ["a:b"]) }
        #expect(throws: MetricsError.self) { try registry.counter("ok", help: "", labels: ["__reserved"]) }
        #expect(throws: MetricsError.self) { try registry.counter("ok", help: "", labels: ["x", "x"]) }
        #expect(throws: MetricsError.self) { try registry.histogram("h", help: "", labels: ["le"]) }
        #expect((try? registry.counter("name:with_colon_1", help: "", labels: ["_label1"])) != nil)
    }

    @Test func errorMessagesNameValue() {
        let registry = MetricsRegistry()
        do {
            _ = try registry.counter("bad name", help: "")
            Issue.record("expected an error")
        } catch {
            #expect(error.identifier == "invalid_metric_name")
            #expect(
                error.description
                    == "Metric name 'bad name' is invalid; expected a letter, '_' or ':' followed by letters, digits, "
                    + "'_' or ':'")
        }
        do {
            _ = try registry.counter("requests_total", help: "", labels: ["__name__"])
            Issue.record("expected an error")
        } catch {
            #expect(error.identifier == "reserved_label_name")
            #expect(error.description.hasPrefix("Metric 'requests_total': label name '__name__' is reserved"))
        }
    }

    @Test func conflictingRegistrationIsRejected() throws {
        let registry = MetricsRegistry()
        _ = try registry.counter("runs_total", help: "Runs.", labels: ["kind"])
        do {
            _ = try registry.gauge("runs_total", help: "Runs.", labels: ["kind"])
            Issue.record("expected an error")
        } catch {
            #expect(error.identifier == "conflicting_registration")
        }
        #expect(throws: MetricsError.self) { try registry.counter("runs_total", help: "Runs.", labels: ["other"]) }
    }

    @Test func invalidBucketsAreRejected() {
        let registry = MetricsRegistry()
        #expect(throws: MetricsError.self) { try registry.histogram("h", help: "", buckets: []) }
        #expect(throws: MetricsError.self) { try registry.histogram("h", help: "", buckets: [1, 1]) }
        #expect(throws: MetricsError.self) { try registry.histogram("h", help: "", buckets: [2, 1]) }
        #expect(throws: MetricsError.self) { try registry.histogram("h", help: "", buckets: [1, .nan]) }
        // A trailing +Inf is accepted and written once.
        let histogram = try? registry.histogram("h", help: "", buckets: [1, .infinity])
        #expect(histogram != nil)
        #expect(registry.exposition().components(separatedBy: "le=\"+Inf\"").count == 2)
    }
}
