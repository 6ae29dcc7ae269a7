import Foundation
import OneRoster
import Scripting

/// The limits past which a run is held for a person to approve instead of being published.
///
/// A share is a fraction of an entity's records in the last published snapshot, tombstones not counted. A run
/// whose removals (or, when set, whose updates and removals together) exceed the entity's share is held. A
/// district's first load is never held: it removes and changes nothing.
public struct SafetyPolicy: Sendable, Equatable {
    /// The largest share of each entity's records a run may remove.
    public var removed: [Entity: Double]
    /// The largest share of each entity's records a run may update or remove; no limit for entities not named.
    public var changed: [Entity: Double]
    /// How long a held or blocked run waits for a decision before it expires and stops blocking newer runs.
    public var expiresAfter: TimeInterval

    /// 10% removed for every entity, no limit on updates, and a week to decide.
    public static let standard = SafetyPolicy(
        removed: Dictionary(uniqueKeysWithValues: Entity.allCases.map { ($0, 0.10) }), changed: [:],
        expiresAfter: 7 * 24 * 3600)

    /// One limit a run went over.
    struct Violation: Codable, Equatable, Sendable {
        var entity: String
        /// `removed` or `changed`.
        var change: String
        var count: Int
        /// Records of the entity in the last published snapshot.
        var stored: Int
        var share: Double
        var limit: Double
    }

    /// Returns the limits the run's changes go over, in entity order.
    func violations(changes: [Entity: ChangeTotals], stored: [Entity: Int]) -> [Violation] {
        var result: [Violation] = []
        for entity in Entity.allCases {
            guard let change = changes[entity], let total = stored[entity], total > 0 else { continue }
            let checks: [(String, Int, Double?)] = [
                ("removed", change.removed, removed[entity]),
                ("changed", change.updated + change.removed, changed[entity]),
            ]
            for (name, count, limit) in checks {
                guard let limit else { continue }
                let share = Double(count) / Double(total)
                if share > limit {
                    result.append(
                        Violation(
                            entity: entity.rawValue, change: name, count: count, stored: total,
                            share: (share * 10000).rounded() / 10000, limit: limit))
                }
            }
        }
        return result
    }

    /// Reads a `safety` table of config.lua over `base`. `removed` and `changed` are a share from 0 to 1, or a
    /// table of shares by entity with `default` for the rest. `expires` is hours, or a text such as "36h" or "7d".
    static func parse(_ value: LuaValue?, over base: SafetyPolicy, fail: (String) -> ConfigError) throws
        -> SafetyPolicy
    {
        guard let value else { return base }
        guard case .map(let entries) = value else { throw fail("'safety' must be a table") }
        var policy = base
        for (key, item) in entries {
            guard case .string(let name) = key else { throw fail("'safety' keys must be strings") }
            switch name {
            case "removed": policy.removed = try shares(item, over: base.removed, key: "safety.removed", fail: fail)
            case "changed": policy.changed = try shares(item, over: base.changed, key: "safety.changed", fail: fail)
            case "expires": policy.expiresAfter = try duration(item, fail: fail)
            default:
                throw fail("unknown key 'safety.\(name)'; expected removed, changed or expires")
            }
        }
        return policy
    }

    private static func shares(
        _ value: LuaValue, over base: [Entity: Double], key: String, fail: (String) -> ConfigError
    ) throws -> [Entity: Double] {
        func share(_ item: LuaValue, _ name: String) throws -> Double {
            guard let number = item.doubleValue, number >= 0, number <= 1 else {
                throw fail("\(name) is \(item.debugText); expected a share from 0 to 1, such as 0.1 for 10%")
            }
            return number
        }
        switch value {
        case .map(let entries):
            var result = base
            if let fallback = entries[.string("default")] {
                let number = try share(fallback, key + ".default")
                for entity in Entity.allCases { result[entity] = number }
            }
            for (entryKey, item) in entries {
                guard case .string(let name) = entryKey else { throw fail("\(key) keys must be entity names") }
                if name == "default" { continue }
                guard let entity = Entity(rawValue: name) else {
                    let names = Entity.allCases.map(\.rawValue).joined(separator: ", ")
                    throw fail("\(key) names '\(name)', which is not an entity; expected default or one of \(names)")
                }
                result[entity] = try share(item, key + "." + name)
            }
            return result
        default:
            let number = try share(value, key)
            return Dictionary(uniqueKeysWithValues: Entity.allCases.map { ($0, number) })
        }
    }

    private static func duration(_ value: LuaValue, fail: (String) -> ConfigError) throws -> TimeInterval {
        if let hours = value.doubleValue, hours > 0 { return hours * 3600 }
        if let text = value.stringValue, let unit = text.last, let number = Double(text.dropLast()), number > 0 {
            switch unit {
            case "h": return number * 3600
            case "d": return number * 24 * 3600
            default: break
            }
        }
        throw fail("safety.expires is \(value.debugText); expected hours, or a text such as \"36h\" or \"7d\"")
    }
}
