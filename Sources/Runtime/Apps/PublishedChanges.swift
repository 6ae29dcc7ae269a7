import Foundation
import OneRoster
import Store

/// The change totals of a district's published runs, summed, which give the counts of an entity shared whole
/// without scanning its records.
enum PublishedChanges {
    /// Sums the change totals of the district's published runs after run `after` up to run `upTo`. Returns nil
    /// when one of them has no totals, as runs of a store made before they were kept.
    static func sum(district: String, after: Int64, upTo: Int64, store: SnapshotStore) throws
        -> [Entity: ChangeTotals]?
    {
        var totals: [Entity: ChangeTotals] = [:]
        for run in try store.runs(district: district, limit: Int(Int32.max))
        where run.status == .committed && run.id > after && run.id <= upTo {
            guard let text = run.changes,
                let changes = try? JSONDecoder().decode([String: ChangeTotals].self, from: Data(text.utf8))
            else { return nil }
            for (name, change) in changes {
                guard let entity = Entity(rawValue: name) else { continue }
                var total = totals[entity] ?? ChangeTotals()
                total.created += change.created
                total.updated += change.updated
                total.removed += change.removed
                total.restored += change.restored
                totals[entity] = total
            }
        }
        return totals
    }
}
