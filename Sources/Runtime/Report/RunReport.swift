import Foundation
import Store

/// The data-quality report of one run: what `rollbook report` writes as JSON and renders as an HTML page.
///
/// The JSON keys are the property names, and the shape is a contract for tools that read the report. Optional
/// values are written as `null`, so every key is present in every report.
public struct RunReport: Codable, Sendable, Equatable {
    public var district: String
    public var districtName: String?
    public var run: Int64
    /// `sync` or `validate`.
    public var kind: String
    /// One of committed, held, blocked, failed, discarded, expired, superseded, running, interrupted.
    public var status: String
    /// ISO 8601 UTC time, shown as given.
    public var startedAt: String
    public var endedAt: String?
    public var seconds: Double?
    public var error: String?
    /// Accepted and rejected records per entity name (`orgs`, `users`, ...).
    public var counts: [String: EntityTotals]
    /// Change counts per entity name, or nil when the run does not know them.
    public var changes: [String: ChangeTotals]?
    public var totals: SeverityTotals
    /// Rules with findings, worst first: errors before warnings before infos, then by count.
    public var rules: [RuleSummary]
    public var files: [FileSummary]
    /// The reason the run is held and the limits it went over, or nil when it was never held.
    public var hold: HoldSummary?
    /// A few sourcedIds per entity and change kind.
    public var samples: [ChangeSample]
    /// The district's last runs, oldest first, this run included.
    public var history: [HistoryPoint]

    public init(
        district: String, districtName: String? = nil, run: Int64, kind: String, status: String, startedAt: String,
        endedAt: String? = nil, seconds: Double? = nil, error: String? = nil, counts: [String: EntityTotals] = [:],
        changes: [String: ChangeTotals]? = nil, totals: SeverityTotals = SeverityTotals(), rules: [RuleSummary] = [],
        files: [FileSummary] = [], hold: HoldSummary? = nil, samples: [ChangeSample] = [],
        history: [HistoryPoint] = []
    ) {
        self.district = district
        self.districtName = districtName
        self.run = run
        self.kind = kind
        self.status = status
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.seconds = seconds
        self.error = error
        self.counts = counts
        self.changes = changes
        self.totals = totals
        self.rules = rules
        self.files = files
        self.hold = hold
        self.samples = samples
        self.history = history
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(district, forKey: .district)
        try container.encode(districtName, forKey: .districtName)
        try container.encode(run, forKey: .run)
        try container.encode(kind, forKey: .kind)
        try container.encode(status, forKey: .status)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(endedAt, forKey: .endedAt)
        try container.encode(seconds, forKey: .seconds)
        try container.encode(error, forKey: .error)
        try container.encode(counts, forKey: .counts)
        try container.encode(changes, forKey: .changes)
        try container.encode(totals, forKey: .totals)
        try container.encode(rules, forKey: .rules)
        try container.encode(files, forKey: .files)
        try container.encode(hold, forKey: .hold)
        try container.encode(samples, forKey: .samples)
        try container.encode(history, forKey: .history)
    }

    /// Encodes the report as pretty-printed JSON with sorted keys, so equal reports give equal bytes.
    ///
    /// Throws `EncodingError` when a `Double` is not finite, because JSON has no form for NaN or infinity.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// Records accepted and rejected for one entity: the same counts a run's `--json` output has.
public typealias EntityTotals = EntityCount

/// Stored records of one entity that the run created, updated, left unchanged, removed or restored.
public struct ChangeTotals: Codable, Sendable, Equatable {
    public var created: Int
    public var updated: Int
    public var unchanged: Int
    public var removed: Int
    public var restored: Int

    public init(created: Int = 0, updated: Int = 0, unchanged: Int = 0, removed: Int = 0, restored: Int = 0) {
        self.created = created
        self.updated = updated
        self.unchanged = unchanged
        self.removed = removed
        self.restored = restored
    }

    /// Records the run adds, alters or removes.
    var changed: Int { created + updated + removed + restored }

    /// Counts one more (or, with a negative amount, fewer) records of a kind of change; nil is unchanged.
    mutating func add(_ change: Change?, _ amount: Int = 1) {
        switch change {
        case .created: created += amount
        case .updated: updated += amount
        case .restored: restored += amount
        case .removed: removed += amount
        case nil: unchanged += amount
        }
    }
}

/// Findings per severity.
public struct SeverityTotals: Codable, Sendable, Equatable {
    public var errors: Int
    public var warnings: Int
    public var infos: Int

    public init(errors: Int = 0, warnings: Int = 0, infos: Int = 0) {
        self.errors = errors
        self.warnings = warnings
        self.infos = infos
    }
}

/// The findings of one rule: how many, in which files, and a few examples.
public struct RuleSummary: Codable, Sendable, Equatable {
    /// A stable rule id such as `field.enum`.
    public var rule: String
    /// `error`, `warning` or `info`.
    public var severity: String
    public var count: Int
    public var files: [String]
    public var examples: [Example]

    public init(rule: String, severity: String, count: Int, files: [String] = [], examples: [Example] = []) {
        self.rule = rule
        self.severity = severity
        self.count = count
        self.files = files
        self.examples = examples
    }
}

/// One finding shown as an example of its rule.
public struct Example: Codable, Sendable, Equatable {
    public var file: String?
    /// The 1-based record number in the file, the header being row 1.
    public var row: Int?
    public var field: String?
    public var value: String?
    public var sourcedId: String?
    public var message: String

    public init(
        file: String? = nil, row: Int? = nil, field: String? = nil, value: String? = nil, sourcedId: String? = nil,
        message: String
    ) {
        self.file = file
        self.row = row
        self.field = field
        self.value = value
        self.sourcedId = sourcedId
        self.message = message
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(file, forKey: .file)
        try container.encode(row, forKey: .row)
        try container.encode(field, forKey: .field)
        try container.encode(value, forKey: .value)
        try container.encode(sourcedId, forKey: .sourcedId)
        try container.encode(message, forKey: .message)
    }
}

/// Findings per severity in one file.
public struct FileSummary: Codable, Sendable, Equatable {
    public var file: String
    public var errors: Int
    public var warnings: Int
    public var infos: Int

    public init(file: String, errors: Int = 0, warnings: Int = 0, infos: Int = 0) {
        self.file = file
        self.errors = errors
        self.warnings = warnings
        self.infos = infos
    }
}

/// The reason a run is held for review, with the limits it went over.
public struct HoldSummary: Codable, Sendable, Equatable {
    public var reason: String
    public var limits: [HoldLimit]
    /// ISO 8601 UTC time after which the held run expires, or nil when it does not.
    public var expiresAt: String?

    public init(reason: String, limits: [HoldLimit] = [], expiresAt: String? = nil) {
        self.reason = reason
        self.limits = limits
        self.expiresAt = expiresAt
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(reason, forKey: .reason)
        try container.encode(limits, forKey: .limits)
        try container.encode(expiresAt, forKey: .expiresAt)
    }
}

/// One change limit a held run went over, such as more than 10 % of stored users removed.
public struct HoldLimit: Codable, Sendable, Equatable {
    public var entity: String
    /// `removed` or `changed`.
    public var change: String
    /// Records the run would remove or change.
    public var count: Int
    /// Records of the entity stored before the run.
    public var stored: Int
    /// `count / stored` as a fraction (0.25 is 25 %). Must be finite, so 0 when nothing was stored.
    public var share: Double
    /// The largest allowed share, as a fraction.
    public var limit: Double

    public init(entity: String, change: String, count: Int, stored: Int, share: Double, limit: Double) {
        self.entity = entity
        self.change = change
        self.count = count
        self.stored = stored
        self.share = share
        self.limit = limit
    }
}

/// A few sourcedIds of one entity that a run changed in one way.
public struct ChangeSample: Codable, Sendable, Equatable {
    public var entity: String
    /// `created`, `updated`, `removed` or `restored`.
    public var change: String
    public var sourcedIds: [String]

    public init(entity: String, change: String, sourcedIds: [String]) {
        self.entity = entity
        self.change = change
        self.sourcedIds = sourcedIds
    }
}

/// One run of the district, as the history chart shows it.
public struct HistoryPoint: Codable, Sendable, Equatable {
    public var run: Int64
    public var startedAt: String
    public var status: String
    /// Records of the run over all entities, as the history chart plots them.
    public var records: Int
    public var errors: Int
    public var warnings: Int

    public init(run: Int64, startedAt: String, status: String, records: Int, errors: Int, warnings: Int) {
        self.run = run
        self.startedAt = startedAt
        self.status = status
        self.records = records
        self.errors = errors
        self.warnings = warnings
    }
}
