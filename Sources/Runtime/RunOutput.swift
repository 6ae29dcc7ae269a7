import Foundation
import OneRoster
import Validation

/// Renders run results for people (a summary) and for scripts (`--json`).
public enum RunOutput {
    /// Returns the `--json` document: `{"runs": [...]}` with one object per district run.
    public static func json(_ results: [RunResult], apps: [AppSyncResult]? = nil) -> String {
        let document = Document(runs: results.map(JSONRun.init), apps: apps)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(document), let text = String(data: data, encoding: .utf8) else {
            return "{\"runs\": []}"
        }
        return text
    }

    /// Returns a summary for a terminal: records per entity, findings per rule, the first findings, the time.
    ///
    /// `configOption` is added to the commands the summary suggests, such as ` --config site.lua`.
    public static func summary(_ result: RunResult, maxFindings: Int = 20, configOption: String = "") -> String {
        var lines: [String] = []
        let runLabel = result.runId.map { " (run \($0))" } ?? ""
        lines.append("District \(result.district)\(runLabel): \(result.status.rawValue) in \(format(result.seconds)) s")
        if let error = result.error {
            lines.append("  error: " + error.replacingOccurrences(of: "\n", with: "\n    "))
        }
        if let hold = result.hold {
            let verb =
                result.status == .dryRun
                ? (hold.limits.isEmpty ? "would be blocked" : "would be held") : result.status.rawValue
            lines.append("  \(verb): \(hold.reason)")
            if let run = result.runId {
                lines.append(
                    "  Review it with `rollbook diff \(run)\(configOption)`, then `rollbook approve \(run)\(configOption)` "
                        + "or `rollbook discard \(run)\(configOption)`.")
            }
        }
        if let same = result.sameInputAs {
            lines.append("  The input is byte for byte that of run \(same), so no record was read again.")
        }
        let entities = Set(result.counts.keys).union(result.changes.keys).sorted()
        if !entities.isEmpty {
            var rows = [["entity", "accepted", "rejected"]]
            let showChanges = !result.changes.isEmpty
            if showChanges { rows[0] += ["created", "updated", "removed", "restored", "unchanged"] }
            for entity in entities {
                let count = result.counts[entity] ?? EntityCount()
                var row = [entity.rawValue, String(count.accepted), String(count.rejected)]
                if showChanges {
                    let change = result.changes[entity] ?? ChangeTotals()
                    row += [
                        String(change.created), String(change.updated), String(change.removed), String(change.restored),
                        String(change.unchanged),
                    ]
                }
                rows.append(row)
            }
            lines += TextTable.render(rows).map { "  " + $0 }
        }
        var perRule: [String: (Severity, Int)] = [:]
        for (key, count) in result.diagnosticCounts {
            perRule[key.rule] = (key.severity, (perRule[key.rule]?.1 ?? 0) + count)
        }
        if !perRule.isEmpty {
            lines.append("  findings:")
            for (rule, (severity, count)) in perRule.sorted(by: { ($0.value.0, $0.key) < ($1.value.0, $1.key) }) {
                lines.append(
                    "    \(severity.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))\(rule): \(count)")
            }
            let shown = prioritized(result.diagnostics).prefix(maxFindings)
            for diagnostic in shown { lines.append("    " + diagnostic.description) }
            let hidden = result.diagnosticCounts.values.reduce(0, +) - shown.count
            if hidden > 0 {
                lines.append(
                    "    ... and \(hidden) more; --json lists the first \(DiagnosticCollector.defaultExamplesPerRule) "
                        + "of each rule and file")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Findings in the order a person should read them: errors before warnings before notes, and within a
    /// severity the causes (package, file, header, field) before their consequences (references, duplicates).
    static func prioritized(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        func stage(_ rule: String) -> Int {
            let prefix = rule.split(separator: ".").first.map(String.init) ?? rule
            switch prefix {
            case "package", "manifest", "file", "csv": return 0
            case "header": return 1
            case "field", "grade", "status": return 2
            case "id", "unique": return 3
            default: return 4
            }
        }
        return diagnostics.enumerated().sorted { left, right in
            let a = left.element
            let b = right.element
            if a.severity != b.severity { return a.severity < b.severity }
            if stage(a.rule) != stage(b.rule) { return stage(a.rule) < stage(b.rule) }
            return left.offset < right.offset
        }.map(\.element)
    }

    private static func pad(_ number: Int, _ width: Int) -> String {
        let text = String(number)
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }

    private static func format(_ seconds: Double) -> String {
        String(format: "%.2f", seconds)
    }

    private struct Document: Encodable {
        var runs: [JSONRun]
        /// Present for `sync`, absent for `validate`.
        var apps: [AppSyncResult]?
    }

    private struct JSONRun: Encodable {
        var result: RunResult

        enum CodingKeys: String, CodingKey {
            case district, run, status, counts, diagnostics, diagnosticCounts, error, seconds, changes, hold
            case sameInputAs
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(result.district, forKey: .district)
            try container.encode(result.runId, forKey: .run)
            try container.encode(result.status.rawValue, forKey: .status)
            var counts: [String: EntityCount] = [:]
            for (entity, count) in result.counts { counts[entity.rawValue] = count }
            try container.encode(counts, forKey: .counts)
            try container.encode(result.diagnostics.map(JSONDiagnostic.init), forKey: .diagnostics)
            let totals = result.diagnosticCounts.sorted { $0.key < $1.key }.map { key, count in
                JSONCount(severity: key.severity.rawValue, rule: key.rule, file: key.file, count: count)
            }
            try container.encode(totals, forKey: .diagnosticCounts)
            try container.encode(result.error, forKey: .error)
            try container.encode((result.seconds * 1000).rounded() / 1000, forKey: .seconds)
            var changes: [String: ChangeTotals] = [:]
            for (entity, count) in result.changes { changes[entity.rawValue] = count }
            try container.encode(changes, forKey: .changes)
            try container.encode(result.hold, forKey: .hold)
            try container.encode(result.sameInputAs, forKey: .sameInputAs)
        }
    }

    private struct JSONCount: Encodable {
        var severity: String
        var rule: String
        var file: String
        var count: Int
    }

    /// A finding with every key present, `null` where a finding has no such part.
    private struct JSONDiagnostic: Encodable {
        var diagnostic: Diagnostic

        enum CodingKeys: String, CodingKey {
            case severity, rule, file, row, field, value, sourcedId, message
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(diagnostic.severity.rawValue, forKey: .severity)
            try container.encode(diagnostic.rule, forKey: .rule)
            try container.encode(diagnostic.file, forKey: .file)
            try container.encode(diagnostic.row, forKey: .row)
            try container.encode(diagnostic.field, forKey: .field)
            try container.encode(diagnostic.value, forKey: .value)
            try container.encode(diagnostic.sourcedId, forKey: .sourcedId)
            try container.encode(diagnostic.message, forKey: .message)
        }
    }
}
