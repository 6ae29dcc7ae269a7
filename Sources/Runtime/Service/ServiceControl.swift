import Foundation

/// The result of a request to sync a district now, from the admin pages or the scheduler.
public enum SyncTrigger: Sendable, Equatable {
    /// The sync was accepted and starts at once on its own thread.
    case started(district: String)
    /// A sync of the district is already running, so nothing new was started.
    case alreadyRunning(district: String)
    /// No configured district has this id.
    case unknownDistrict(String)
    /// The service is shutting down and starts no new syncs.
    case stopping
}

/// The current sync state of one district, as the service tracks it.
public struct DistrictActivity: Sendable, Equatable {
    public var district: String
    /// Whether a sync of the district is running.
    public var running: Bool
    /// The step of the running sync: `sync`, `report` or `apps`.
    public var step: String?
    public var startedAt: Date?
    /// The file being read and the rows read from it so far, while a sync reads its input.
    public var file: String?
    public var rows: Int
    /// When the schedule starts the next sync, for a district with a schedule.
    public var nextScheduled: Date?

    public init(
        district: String, running: Bool = false, step: String? = nil, startedAt: Date? = nil, file: String? = nil,
        rows: Int = 0, nextScheduled: Date? = nil
    ) {
        self.district = district
        self.running = running
        self.step = step
        self.startedAt = startedAt
        self.file = file
        self.rows = rows
        self.nextScheduled = nextScheduled
    }
}

/// The running service as its routes and pages use it: the configuration in force, the sync queue and the
/// admin accounts.
public protocol ServiceControl: Sendable {
    /// The configuration in force. A reload replaces it as a whole.
    var config: Config { get }
    /// The service's logger, whose lines are JSON objects.
    var logger: Logger { get }
    /// Starts a sync of the district now unless one is running.
    func triggerSync(district: String, reason: String) -> SyncTrigger
    /// Returns the activity of every configured district, in configuration order.
    func activity() -> [DistrictActivity]
    /// Checks an admin's name and password against the hashes in the configuration.
    func verifyAdmin(name: String, password: String) -> Bool
}
