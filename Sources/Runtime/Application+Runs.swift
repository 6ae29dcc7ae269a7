import Foundation
import OneRoster
import Store

/// `rollbook runs`, `diff`, `approve` and `discard`: the run history and the decisions on held runs.
extension Application {
    /// Opens the store a configuration names, or prints why it cannot.
    static func openStore(configPath: String?, json: Bool) -> (Config, SnapshotStore)? {
        do {
            let config = try Config.load(path: configPath ?? defaultConfigPath())
            guard FileManager.default.fileExists(atPath: config.storePath) else {
                throw ConfigError(
                    file: config.path, message: "the store \(config.storePath) does not exist yet; run `rollbook sync`")
            }
            let store = try SnapshotStore(path: config.storePath)
            // A held run past its district's deadline expires now, so it is neither listed as waiting nor approved.
            for district in config.districts {
                try store.expirePendingRuns(
                    district: district.id, before: Date().addingTimeInterval(-district.safety.expiresAfter))
            }
            return (config, store)
        } catch {
            report(error, json: json)
            return nil
        }
    }

    static func listRuns(configPath: String?, district: String?, json: Bool, limit: Int) -> ExitStatus {
        guard let (config, store) = openStore(configPath: configPath, json: json) else { return .failure }
        do {
            let runs =
                if let district { try store.runs(district: district, limit: limit) } else {
                    try store.allRuns(limit: limit)
                }
            if let district, runs.isEmpty, !config.districts.contains(where: { $0.id == district }) {
                let known = config.districts.map(\.id).joined(separator: ", ")
                throw ConfigError(file: config.path, message: "no district '\(district)'; configured: \(known)")
            }
            if json {
                print(try RunListing.json(runs.map(RunListing.Item.init)))
            } else if runs.isEmpty {
                print(district.map { "No runs of district \($0)." } ?? "No runs yet.")
            } else {
                print(RunListing.table(runs, configOption: configOption(configPath)))
            }
            return .success
        } catch {
            report(error, json: json)
            return .failure
        }
    }

    static func diff(run id: Int64, configPath: String?, json: Bool, samples: Int) -> ExitStatus {
        guard let (_, store) = openStore(configPath: configPath, json: json) else { return .failure }
        do {
            guard let run = try store.run(id) else {
                throw ConfigError(file: "", message: "There is no run \(id); `rollbook runs` lists the runs")
            }
            let diff = try RunDiff.load(run: run, store: store, samples: samples)
            print(json ? try diff.json() : diff.text())
            return .success
        } catch {
            report(error, json: json)
            return .failure
        }
    }

    static func decide(run id: Int64, approve: Bool, configPath: String?, json: Bool) -> ExitStatus {
        guard let (config, store) = openStore(configPath: configPath, json: json) else { return .failure }
        do {
            let (run, superseded) = try recordDecision(run: id, approve: approve, store: store)
            if json {
                print(try RunListing.json([RunListing.Item(run)]))
            } else if approve {
                print("Run \(id) of district \(run.district) is approved and published.")
                if !superseded.isEmpty {
                    let list = superseded.map(String.init).joined(separator: ", ")
                    print("Superseded, because they compared with the replaced snapshot: run \(list).")
                }
            } else {
                print("Run \(id) of district \(run.district) is discarded; the snapshot is unchanged.")
            }
            // An approved run changed the snapshot, so the views of the district's apps follow it now.
            guard approve else { return .success }
            let logger = Logger(sink: LogSink(minimum: logLevel(), format: .text))
            let apps = refreshApps(of: run.district, config: config, store: store, logger: logger)
            if !json { for app in apps { print(app.summary()) } }
            return apps.contains(where: \.failed) ? .appsFailed : .success
        } catch {
            report(error, json: json)
            return .failure
        }
    }

    /// Approves or discards a held or blocked run without printing, and returns the decided run and the ids of
    /// the runs that approving it superseded. Refreshing the district's app views after an approval is left to the
    /// caller.
    static func recordDecision(run id: Int64, approve: Bool, store: SnapshotStore) throws -> (
        run: RunSummary, superseded: [Int64]
    ) {
        let district = try store.run(id)?.district
        let pending = try district.map { try store.pendingRuns(district: $0).map(\.id) } ?? []
        let run = approve ? try store.approve(run: id) : try store.discard(run: id)
        let superseded = try pending.filter { try store.run($0)?.status == .superseded }
        return (run, superseded)
    }

    /// Returns ` --config PATH` for the commands a listing suggests, quoted when the path has a space, or "".
    static func configOption(_ path: String?) -> String {
        path.map { $0.contains(" ") ? " --config '\($0)'" : " --config \($0)" } ?? ""
    }

    /// Prints an error of a command that is not a sync: as `{"error": ...}` with --json, else on standard error.
    static func report(_ error: any Error, json: Bool) {
        if json {
            let text = (try? RunListing.encoder.encode(["error": String(describing: error)])) ?? Data()
            print(String(decoding: text, as: UTF8.self))
        } else {
            printError("rollbook: \(error)")
        }
    }
}

/// The `runs` listing, as a table and as JSON.
enum RunListing {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// One run as `runs --json` shows it.
    struct Item: Encodable {
        var run: Int64
        var district: String
        var kind: String
        var status: String
        var startedAt: String
        var endedAt: String?
        var publishedAt: String?
        var decidedAt: String?
        var baseRun: Int64?
        var counts: [String: EntityCount]
        var diagnostics: [String: Int]
        var changes: [String: ChangeTotals]?
        var hold: HoldReason?
        var error: String?

        init(_ run: RunSummary) {
            self.run = run.id
            district = run.district
            kind = run.kind.rawValue
            status = run.status.rawValue
            startedAt = SnapshotStore.timestamp(run.startedAt)
            endedAt = run.endedAt.map { SnapshotStore.timestamp($0) }
            publishedAt = run.publishedAt.map { SnapshotStore.timestamp($0) }
            decidedAt = run.decidedAt.map { SnapshotStore.timestamp($0) }
            baseRun = run.baseRun
            var counts: [String: EntityCount] = [:]
            for (key, value) in run.counts {
                let parts = key.split(separator: ".")
                guard parts.count == 2 else { continue }
                if parts[1] == "accepted" { counts[String(parts[0]), default: EntityCount()].accepted = value }
                if parts[1] == "rejected" { counts[String(parts[0]), default: EntityCount()].rejected = value }
            }
            self.counts = counts
            diagnostics = run.diagnosticTotals
            changes = run.changes.flatMap {
                try? JSONDecoder().decode([String: ChangeTotals].self, from: Data($0.utf8))
            }
            hold = run.hold.flatMap { try? JSONDecoder().decode(HoldReason.self, from: Data($0.utf8)) }
            error = run.error
        }
    }

    static func json(_ items: [Item]) throws -> String {
        String(decoding: try encoder.encode(["runs": items]), as: UTF8.self)
    }

    /// `configOption` is added to the commands the table suggests, such as ` --config site.lua`.
    static func table(_ runs: [RunSummary], configOption: String = "") -> String {
        var rows = [["RUN", "DISTRICT", "STATUS", "STARTED", "RECORDS", "ERRORS", "WARNINGS", "CHANGES"]]
        for run in runs {
            let item = Item(run)
            let records = item.counts.values.reduce(0) { $0 + $1.accepted }
            let changed = item.changes?.values.reduce(0) { $0 + $1.changed }
            rows.append([
                String(run.id), run.district, run.status.rawValue, item.startedAt, String(records),
                String(run.diagnosticTotals["error"] ?? 0), String(run.diagnosticTotals["warning"] ?? 0),
                changed.map(String.init) ?? "-",
            ])
        }
        var lines = TextTable.render(rows)
        for run in runs where run.status.isPending {
            let reason = Item(run).hold?.reason ?? "waits for a decision"
            lines.append("Run \(run.id) is \(run.status.rawValue): \(reason)")
            lines.append(
                "  Review it with `rollbook diff \(run.id)\(configOption)`, then `rollbook approve \(run.id)\(configOption)` "
                    + "or `rollbook discard \(run.id)\(configOption)`.")
        }
        return lines.joined(separator: "\n")
    }
}

/// Pads columns of text to equal widths: columns of numbers right-aligned, the others left-aligned.
enum TextTable {
    /// `rows[0]` is the header.
    static func render(_ rows: [[String]]) -> [String] {
        guard let columns = rows.map(\.count).max() else { return [] }
        var widths = Array(repeating: 0, count: columns)
        var numeric = Array(repeating: true, count: columns)
        for (rowIndex, row) in rows.enumerated() {
            for (index, cell) in row.enumerated() {
                widths[index] = max(widths[index], cell.count)
                if rowIndex > 0 && Int(cell) == nil && cell != "-" { numeric[index] = false }
            }
        }
        return rows.map { row in
            row.enumerated().map { index, cell in
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                return numeric[index] ? padding + cell : cell + padding
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
    }
}
