import OneRoster

extension RunReport {
    /// Sorts rule summaries worst first: errors before warnings before infos, then by count, then by rule id.
    public static func sortedRules(_ rules: [RuleSummary]) -> [RuleSummary] {
        rules.sorted { lhs, rhs in
            let lhsRank = severityRank(lhs.severity)
            let rhsRank = severityRank(rhs.severity)
            if lhsRank != rhsRank { return lhsRank < rhsRank }
            if lhs.count != rhs.count { return lhs.count > rhs.count }
            return lhs.rule < rhs.rule
        }
    }

    /// Sorts entity names in OneRoster dependency order; names that are not OneRoster entities come last, by name.
    public static func sortedEntityNames<S: Sequence>(_ names: S) -> [String] where S.Element == String {
        names.sorted { lhs, rhs in
            let lhsOrder = entityOrder(lhs)
            let rhsOrder = entityOrder(rhs)
            if lhsOrder != rhsOrder { return lhsOrder < rhsOrder }
            return lhs < rhs
        }
    }

    /// Position of a severity name: error 0, warning 1, info 2, anything else 3.
    static func severityRank(_ severity: String) -> Int {
        Severity(rawValue: severity).map { Severity.allCases.firstIndex(of: $0) ?? 3 } ?? 3
    }

    /// Position of an entity name in dependency order, after all entities when it is not one.
    static func entityOrder(_ name: String) -> Int {
        Entity(rawValue: name)?.order ?? Entity.allCases.count
    }

    /// Position of a file such as `users.csv` in dependency order, after all entities when it is not one.
    static func fileOrder(_ file: String) -> Int {
        Entity(fileName: file)?.order ?? Entity.allCases.count
    }
}
