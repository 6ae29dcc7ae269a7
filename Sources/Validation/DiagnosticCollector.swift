import OneRoster

/// Collects a run's findings: every finding is counted, and the first ones of each rule and file are kept whole.
///
/// A large district can produce millions of findings of one kind; keeping `examplesPerRule` of each
/// (rule, file) pair bounds memory while the counts stay exact.
public final class DiagnosticCollector {
    /// Count of findings per severity, rule and file.
    public struct Key: Hashable, Sendable, Codable, Comparable {
        public var severity: Severity
        public var rule: String
        public var file: String

        public init(severity: Severity, rule: String, file: String) {
            self.severity = severity
            self.rule = rule
            self.file = file
        }

        public static func < (lhs: Key, rhs: Key) -> Bool {
            (lhs.severity, lhs.rule, lhs.file) < (rhs.severity, rhs.rule, rhs.file)
        }
    }

    public let examplesPerRule: Int
    public private(set) var kept: [Diagnostic] = []
    public private(set) var counts: [Key: Int] = [:]

    /// How many findings of each rule and file a collector keeps whole by default.
    public static let defaultExamplesPerRule = 1000

    public init(examplesPerRule: Int = DiagnosticCollector.defaultExamplesPerRule) {
        self.examplesPerRule = examplesPerRule
    }

    public func add(_ diagnostic: Diagnostic) {
        let key = Key(severity: diagnostic.severity, rule: diagnostic.rule, file: diagnostic.file ?? "")
        let count = (counts[key] ?? 0) + 1
        counts[key] = count
        if count <= examplesPerRule { kept.append(diagnostic) }
    }

    public func add(contentsOf diagnostics: [Diagnostic]) {
        for diagnostic in diagnostics { add(diagnostic) }
    }

    /// The number of findings of a severity.
    public func total(_ severity: Severity) -> Int {
        counts.reduce(0) { $0 + ($1.key.severity == severity ? $1.value : 0) }
    }

    /// Kept findings in a stable order: by file, row, then rule.
    public func sorted() -> [Diagnostic] {
        kept.enumerated().sorted { left, right in
            let a = left.element
            let b = right.element
            if (a.file ?? "") != (b.file ?? "") { return (a.file ?? "") < (b.file ?? "") }
            if (a.row ?? 0) != (b.row ?? 0) { return (a.row ?? 0) < (b.row ?? 0) }
            return left.offset < right.offset
        }.map(\.element)
    }
}
