import Foundation
import OneRoster

/// The sourcedIds of an entity that an app view has, as later entities look them up.
enum SharedSet {
    /// Every live record: the entity is shared whole.
    case all
    case only(Set<String>)

    func contains(_ sourcedId: String) -> Bool {
        switch self {
        case .all: return true
        case .only(let ids): return ids.contains(sourcedId)
        }
    }

    /// Keeps only the shared ids of a comma-separated list, in their order; nil when none is left.
    func filterList(_ list: String?) -> String? {
        guard let list, !list.isEmpty else { return nil }
        if case .all = self { return list }
        let kept = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty && contains($0)
        }
        return kept.isEmpty ? nil : kept.joined(separator: ",")
    }
}
