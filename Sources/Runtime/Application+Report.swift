import Foundation
import OneRoster
import Store
import Validation

/// `rollbook report RUN`: the run's data-quality report as a summary, as JSON, or as one HTML page.
extension Application {
    static func runReport(run id: Int64, configPath: String?, html: String?, json: Bool) -> ExitStatus {
        guard let (_, store) = openStore(configPath: configPath, json: json) else { return .failure }
        do {
            guard let run = try store.run(id) else {
                throw ConfigError(file: "", message: "There is no run \(id); `rollbook runs` lists the runs")
            }
            let report = try RunReportBuilder.build(run: run, store: store)
            if let html {
                // A relative --html path is resolved from the working folder, not from the config file.
                let resolved = Config.resolve(html, from: FileManager.default.currentDirectoryPath)
                let folder = (resolved as NSString).deletingLastPathComponent
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
                    throw ConfigError(
                        file: "", message: "cannot write the report to \(resolved): the folder \(folder) does not exist"
                    )
                }
                do {
                    try ReportPage.html(for: report).write(toFile: resolved, atomically: true, encoding: .utf8)
                } catch {
                    throw ConfigError(file: "", message: "cannot write the report to \(resolved): \(error)")
                }
                if !json { print("Wrote the report of run \(id) to \(resolved)") }
            }
            if json {
                print(String(decoding: try report.jsonData(), as: UTF8.self))
            } else if html == nil {
                print(RunReportBuilder.text(report))
            }
            return .success
        } catch {
            report(error, json: json)
            return .failure
        }
    }
}

extension Application {
    /// Writes a run's report as HTML and JSON into the configured reports folder. A failure is reported on
    /// standard error and does not change the run's outcome, which is already stored.
    static func writeReport(run id: Int64, of district: String, into folder: String, store: SnapshotStore) {
        let base = (folder as NSString).appendingPathComponent("\(district)-run-\(id)")
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            guard let run = try store.run(id) else { return }
            let report = try RunReportBuilder.build(run: run, store: store)
            try ReportPage.html(for: report).write(toFile: base + ".html", atomically: true, encoding: .utf8)
            try report.jsonData().write(to: URL(fileURLWithPath: base + ".json"), options: .atomic)
        } catch {
            printError("rollbook: warning: cannot write the report of run \(id) to \(base).html: \(error)")
        }
    }
}

/// Fills a `RunReport` from what the store kept of a run.
enum RunReportBuilder {
    /// Examples per rule, and runs in the history chart.
    static let examplesPerRule = 5
    static let historyLength = 20

    static func build(run: RunSummary, store: SnapshotStore) throws -> RunReport {
        let item = RunListing.Item(run)
        let totals = SeverityTotals(
            errors: run.diagnosticTotals["error"] ?? 0, warnings: run.diagnosticTotals["warning"] ?? 0,
            infos: run.diagnosticTotals["info"] ?? 0)

        let exact: [StoredFindingCount] =
            try store.diagnosticCounts(run: run.id).flatMap {
                try JSONDecoder().decode([StoredFindingCount].self, from: Data($0.utf8))
            } ?? []
        var examples: [String: [Example]] = [:]
        var keptCounts: [String: (String, Int, Set<String>)] = [:]
        try store.forEachDiagnostic(runId: run.id) { diagnostic in
            let key = diagnostic.rule
            var entry = keptCounts[key] ?? (diagnostic.severity.rawValue, 0, [])
            entry.1 += 1
            if let file = diagnostic.file { entry.2.insert(file) }
            keptCounts[key] = entry
            if examples[key, default: []].count < examplesPerRule {
                examples[key, default: []].append(
                    Example(
                        file: diagnostic.file, row: diagnostic.row, field: diagnostic.field, value: diagnostic.value,
                        sourcedId: diagnostic.sourcedId, message: diagnostic.message))
            }
        }
        var rules: [RuleSummary] = []
        var files: [String: FileSummary] = [:]
        if exact.isEmpty {
            // Runs stored before exact counts were kept: the kept findings are the best count there is.
            for (rule, (severity, count, ruleFiles)) in keptCounts {
                rules.append(
                    RuleSummary(
                        rule: rule, severity: severity, count: count, files: ruleFiles.sorted(),
                        examples: examples[rule] ?? []))
            }
        } else {
            var perRule: [String: (String, Int, Set<String>)] = [:]
            for finding in exact {
                var entry = perRule[finding.rule] ?? (finding.severity, 0, [])
                entry.1 += finding.count
                if !finding.file.isEmpty { entry.2.insert(finding.file) }
                perRule[finding.rule] = entry
                guard !finding.file.isEmpty else { continue }
                var summary = files[finding.file] ?? FileSummary(file: finding.file)
                switch finding.severity {
                case "error": summary.errors += finding.count
                case "warning": summary.warnings += finding.count
                default: summary.infos += finding.count
                }
                files[finding.file] = summary
            }
            for (rule, (severity, count, ruleFiles)) in perRule {
                rules.append(
                    RuleSummary(
                        rule: rule, severity: severity, count: count, files: ruleFiles.sorted(),
                        examples: examples[rule] ?? []))
            }
        }

        let hold = item.hold.map { reason in
            HoldSummary(
                reason: reason.reason,
                limits: reason.limits.map {
                    HoldLimit(
                        entity: $0.entity, change: $0.change, count: $0.count, stored: $0.stored, share: $0.share,
                        limit: $0.limit)
                }, expiresAt: reason.expiresAt)
        }
        let diff = try RunDiff.load(run: run, store: store, samples: 5)
        let samples = diff.samples.map {
            ChangeSample(entity: $0.entity, change: $0.change, sourcedIds: $0.sourcedIds)
        }
        let history = try store.runs(district: run.district, limit: 500).filter { $0.id <= run.id }
            .prefix(historyLength).reversed().map { earlier in
                let listed = RunListing.Item(earlier)
                return HistoryPoint(
                    run: earlier.id, startedAt: listed.startedAt, status: earlier.status.rawValue,
                    records: listed.counts.values.reduce(0) { $0 + $1.accepted },
                    errors: earlier.diagnosticTotals["error"] ?? 0, warnings: earlier.diagnosticTotals["warning"] ?? 0)
            }
        return RunReport(
            district: run.district, districtName: try store.districtName(run.district), run: run.id,
            kind: run.kind.rawValue, status: run.status.rawValue, startedAt: item.startedAt, endedAt: item.endedAt,
            seconds: run.endedAt.map { ($0.timeIntervalSince(run.startedAt) * 1000).rounded() / 1000 },
            error: run.error, counts: item.counts, changes: item.changes, totals: totals,
            rules: RunReport.sortedRules(rules), files: files.values.sorted { $0.file < $1.file }, hold: hold,
            samples: samples, history: Array(history))
    }

    /// Returns a short summary for a terminal.
    static func text(_ report: RunReport) -> String {
        var lines = [
            "Run \(report.run) of district \(report.districtName ?? report.district): \(report.status), started "
                + report.startedAt,
            "  findings: \(report.totals.errors) errors, \(report.totals.warnings) warnings, "
                + "\(report.totals.infos) notes",
        ]
        if let hold = report.hold { lines.append("  " + hold.reason) }
        for rule in report.rules.prefix(10) {
            lines.append("  \(rule.severity) \(rule.rule): \(rule.count)")
            if let example = rule.examples.first {
                let place = [example.file, example.row.map(String.init)].compactMap { $0 }.joined(separator: ":")
                lines.append("    e.g. \(place.isEmpty ? "" : place + ": ")\(example.message)")
            }
        }
        lines.append("  Write the full page with `rollbook report \(report.run) --html report.html`.")
        return lines.joined(separator: "\n")
    }
}
