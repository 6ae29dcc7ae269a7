import Foundation
import OneRoster
import Validation

/// Records accepted and rejected for one entity in a run.
public struct EntityCount: Sendable, Hashable, Codable {
    public var accepted: Int
    public var rejected: Int

    public init(accepted: Int = 0, rejected: Int = 0) {
        self.accepted = accepted
        self.rejected = rejected
    }
}

/// The outcome of a run.
public enum RunOutcome: String, Sendable, Codable {
    /// The snapshot was stored (some records may have been rejected).
    case committed
    /// `validate` read the package and stored nothing.
    case validated
    /// The run could not happen: bad settings, unreadable input, a connector error. Nothing was stored.
    case failed
    /// Over a safety limit: the changes are staged, nothing was published; `rollbook approve` or `discard` decides.
    case held
    /// A held run of the district waits for a decision, so this run's staged changes were not published.
    case blocked
    /// `sync --dry-run`: compared with the snapshot and stored nothing.
    case dryRun = "dry-run"
}

/// The reason a run was held or blocked.
public struct HoldReason: Sendable, Equatable, Codable {
    /// One sentence for people.
    public var reason: String
    /// The limits the run went over; empty for a blocked run.
    var limits: [SafetyPolicy.Violation]
    /// When the run expires unless a person decides before.
    public var expiresAt: String?
}

/// The outcome of one district's run: what the `--json` output and the summary show.
public struct RunResult: Sendable {
    public var district: String
    public var runId: Int64?
    public var status: RunOutcome
    public var counts: [Entity: EntityCount]
    public var diagnostics: [Diagnostic]
    /// Findings per severity, rule and file, counted in full even where `diagnostics` keeps only the first ones.
    public var diagnosticCounts: [DiagnosticCollector.Key: Int]
    public var error: String?
    public var seconds: Double
    /// Records by entity and kind of change against the last published snapshot; empty when unknown.
    var changes: [Entity: ChangeTotals] = [:]
    /// The reason the run was held or blocked, or would be (`--dry-run`).
    public var hold: HoldReason?
    /// The published run whose input was byte for byte this run's, so this run read nothing again.
    public var sameInputAs: Int64?

    public init(
        district: String, runId: Int64? = nil, status: RunOutcome, counts: [Entity: EntityCount] = [:],
        diagnostics: [Diagnostic] = [], diagnosticCounts: [DiagnosticCollector.Key: Int] = [:], error: String? = nil,
        seconds: Double = 0
    ) {
        self.district = district
        self.runId = runId
        self.status = status
        self.counts = counts
        self.diagnostics = diagnostics
        self.diagnosticCounts = diagnosticCounts
        self.error = error
        self.seconds = seconds
    }

    /// The number of findings of a severity.
    public func total(_ severity: Severity) -> Int {
        diagnosticCounts.reduce(0) { $0 + ($1.key.severity == severity ? $1.value : 0) }
    }

    /// Records rejected over all entities.
    public var rejectedRecords: Int { counts.values.reduce(0) { $0 + $1.rejected } }
}

/// Process exit statuses, a contract for scripts and schedulers.
public enum ExitStatus: Int32, Sendable {
    /// Every run stored (or validated) with no error finding.
    case success = 0
    /// Some records were rejected, or a file was rejected; everything else was stored.
    case rejectedRecords = 1
    /// A run could not happen: bad configuration or command line, unreadable input, a connector failure.
    case failure = 2
    /// A run was held by a safety limit, or blocked behind a held run: nothing of it was published. Also a dry
    /// run that would be held.
    case held = 3
    /// The snapshot was stored, but an app's view could not be built or one of its exports was not delivered;
    /// `rollbook audit APP` and the sync output name the cause.
    case appsFailed = 4

    /// Returns the status for a set of runs: the worst of them.
    public static func of(_ results: [RunResult]) -> ExitStatus {
        if results.contains(where: { $0.status == .failed }) { return .failure }
        // A dry run that would be held exits with 3 too, so a script can check a package before it syncs.
        if results.contains(where: {
            $0.status == .held || $0.status == .blocked || ($0.status == .dryRun && $0.hold != nil)
        }) {
            return .held
        }
        if results.contains(where: { $0.rejectedRecords > 0 || $0.total(.error) > 0 }) { return .rejectedRecords }
        return .success
    }
}
