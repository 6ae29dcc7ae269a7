import Foundation
import OneRoster
import Store

/// The changes a run makes to its district's snapshot: counts per entity and kind of change, and samples.
struct RunDiff: Encodable {
    struct Sample: Encodable {
        var entity: String
        var change: String
        var sourcedIds: [String]
        /// For updates of a run that is not yet published: each changed field, as stored and as staged.
        var fields: [FieldChange]?
    }

    struct FieldChange: Encodable {
        var sourcedId: String
        var field: String
        var stored: String?
        var staged: String?
    }

    var run: Int64
    var district: String
    var status: String
    var baseRun: Int64?
    var changes: [String: ChangeTotals]
    var samples: [Sample]
    var hold: HoldReason?

    static func load(run: RunSummary, store: SnapshotStore, samples limit: Int) throws -> RunDiff {
        let item = RunListing.Item(run)
        var changes = item.changes ?? [:]
        let staged = try store.changeCounts(run: run.id)
        if !staged.isEmpty && changes.isEmpty {
            for (entity, kinds) in staged {
                var count = ChangeTotals()
                for (change, number) in kinds { count.add(change, number) }
                changes[entity.rawValue] = count
            }
        }
        var samples: [Sample] = []
        for entity in Entity.allCases {
            guard let count = changes[entity.rawValue] else { continue }
            for change in Change.allCases {
                let number: Int
                switch change {
                case .created: number = count.created
                case .updated: number = count.updated
                case .restored: number = count.restored
                case .removed: number = count.removed
                }
                guard number > 0 else { continue }
                var ids = try store.changeSamples(run: run.id, entity: entity, change: change, limit: limit)
                if ids.isEmpty && change == .created {
                    ids = try store.loadedSamples(run: run.id, district: run.district, entity: entity, limit: limit)
                }
                var sample = Sample(entity: entity.rawValue, change: change.rawValue, sourcedIds: ids)
                if change == .updated && run.status.isPending {
                    sample.fields = try fieldChanges(ids, entity: entity, run: run, store: store)
                }
                samples.append(sample)
            }
        }
        return RunDiff(
            run: run.id, district: run.district, status: run.status.rawValue, baseRun: run.baseRun, changes: changes,
            samples: samples, hold: item.hold)
    }

    private static func fieldChanges(_ ids: [String], entity: Entity, run: RunSummary, store: SnapshotStore) throws
        -> [FieldChange]
    {
        var result: [FieldChange] = []
        for id in ids {
            guard let current = try store.record(district: run.district, entity: entity, sourcedId: id),
                let (next, _) = try store.stagedRecord(
                    run: run.id, district: run.district, entity: entity, sourcedId: id)
            else { continue }
            for (index, column) in Schema.columns(of: entity).enumerated() where index != ContentHash.modifiedColumn {
                let before = current.value(at: index).flatMap { $0.isEmpty ? nil : $0 }
                let after = next.value(at: index).flatMap { $0.isEmpty ? nil : $0 }
                if before != after {
                    result.append(FieldChange(sourcedId: id, field: column.name, stored: before, staged: after))
                }
            }
            if current.extensions != next.extensions {
                result.append(
                    FieldChange(
                        sourcedId: id, field: "extensions",
                        stored: current.extensions.map { "\($0.name)=\($0.value)" }.joined(separator: "; "),
                        staged: next.extensions.map { "\($0.name)=\($0.value)" }.joined(separator: "; ")))
            }
        }
        return result
    }

    func json() throws -> String {
        String(decoding: try RunListing.encoder.encode(self), as: UTF8.self)
    }

    func text() -> String {
        var lines = [
            "Run \(run) of district \(district) (\(status))"
                + (baseRun.map { ", compared with run \($0)" } ?? ", the district's first load")
        ]
        if let hold {
            let pending = status == RunStatus.held.rawValue || status == RunStatus.blocked.rawValue
            let reason =
                pending
                ? hold.reason
                : "It was held for review: " + hold.reason.prefix(1).lowercased()
                    + hold.reason.dropFirst()
            lines.append("  " + reason)
        }
        var rows = [["entity", "created", "updated", "restored", "removed", "unchanged"]]
        for entity in Entity.allCases {
            guard let count = changes[entity.rawValue] else { continue }
            rows.append([
                entity.rawValue, String(count.created), String(count.updated), String(count.restored),
                String(count.removed), String(count.unchanged),
            ])
        }
        if rows.count == 1 {
            lines.append("  No changes are recorded for this run.")
        } else {
            lines += TextTable.render(rows).map { "  " + $0 }
        }
        for sample in samples where !sample.sourcedIds.isEmpty {
            lines.append("  \(sample.entity) \(sample.change): " + sample.sourcedIds.joined(separator: ", "))
            for field in sample.fields ?? [] {
                lines.append(
                    "    \(field.sourcedId) \(field.field): '\(field.stored ?? "")' -> '\(field.staged ?? "")'")
            }
        }
        return lines.joined(separator: "\n")
    }
}
