import Foundation

/// The kind of work a run does.
public enum RunKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// Fetches a district's roster from its SIS and writes a new snapshot.
    case sync
}

/// The state of a run.
public enum RunStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// Began and not finished; on a store that no live process owns, this means the process died.
    case running
    /// Its snapshot was committed.
    case committed
    /// It ended with an error and left the previous snapshot in place.
    case failed
    /// Its process ended before the run finished, found when the store was next opened by its owner.
    case interrupted
    /// Over a safety limit: its changes are staged and wait for `approve` or `discard`.
    case held
    /// Its changes are staged, but a held run of the district was waiting, so it was not published.
    case blocked
    /// A person discarded its staged changes.
    case discarded
    /// Held or blocked for longer than the district allows; its staged changes were dropped.
    case expired
    /// Held or blocked when another run of the district was published, which made its changes out of date;
    /// its staged changes were dropped.
    case superseded

    /// Whether the run's staged changes wait for a decision.
    public var isPending: Bool { self == .held || self == .blocked }
}

/// One row of the run history.
public struct RunSummary: Sendable, Hashable {
    public var id: Int64
    public var district: String
    public var kind: RunKind
    public var status: RunStatus
    public var startedAt: Date
    public var endedAt: Date?
    /// Record counts by name, such as entity names; empty until the run finishes.
    public var counts: [String: Int]
    /// Diagnostic counts by name, such as severities or rule ids; empty until the run finishes.
    public var diagnosticTotals: [String: Int]
    /// The reason the run failed or was interrupted.
    public var error: String?
    /// The reason the run is held or blocked, as the JSON text the runner wrote.
    public var hold: String? = nil
    /// Changes by entity and kind, as the JSON text the runner wrote.
    public var changes: String? = nil
    /// The last published run when this run compared its records with the snapshot.
    public var baseRun: Int64? = nil
    /// When its changes reached the snapshot.
    public var publishedAt: Date? = nil
    /// When a person approved or discarded it, or it expired.
    public var decidedAt: Date? = nil
}
