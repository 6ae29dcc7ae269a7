import Foundation
import OneRoster

/// The counts of one app run for one entity of an app view.
public struct ViewCounts: Sendable, Hashable, Codable {
    /// Records the app sees after the run.
    public var shared: Int
    /// Records that entered the view or whose shared content changed.
    public var changed: Int
    /// Records that left the view.
    public var removed: Int
    /// Records for which the mapping's Lua function ran.
    public var mapped: Int

    public init(shared: Int = 0, changed: Int = 0, removed: Int = 0, mapped: Int = 0) {
        self.shared = shared
        self.changed = changed
        self.removed = removed
        self.mapped = mapped
    }
}

/// The state of an app run.
public enum AppRunState: String, Sendable, Hashable, Codable {
    case running
    /// The view was brought up to date with its base snapshot.
    case committed
    /// The mapping failed as a whole (for example, it does not load); the view kept its previous content.
    case failed
    /// A preview: computed and rolled back.
    case preview
}

/// One materialization of an app's view of a district from a published snapshot.
public struct AppRun: Sendable, Hashable {
    public var id: Int64
    public var app: String
    public var district: String
    /// The published sync run the view was built from.
    public var baseRun: Int64
    /// A digest of the mapping script and the app settings it ran with.
    public var mapping: String
    public var startedAt: Date
    public var endedAt: Date?
    public var state: AppRunState
    public var counts: [Entity: ViewCounts]
    /// Entities shared whole, with no filter or reshaping: their view rows point at the base rows as they are.
    public var whole: Set<Entity>
    /// Mapping errors of single records, which left those records out of the view.
    public var errors: [String]
}

/// One delivery of an export package to its destination, as the delivery log keeps it.
public struct DeliveryRecord: Sendable, Hashable, Codable {
    public var id: Int64
    public var app: String
    public var district: String
    /// The export's name in the app's configuration.
    public var export: String
    /// The app run whose view the package holds.
    public var appRun: Int64
    /// For a delta: the app run of the last successful delivery it continues from.
    public var sinceRun: Int64?
    /// `bulk` or `delta`.
    public var kind: String
    public var version: String
    /// The destination, without secrets, such as `sftp://vendor@127.0.0.1:2222/drop`.
    public var destination: String
    public var file: String?
    public var bytes: Int?
    /// `delivered`, `failed` or `running`.
    public var state: String
    /// The attempts as JSON text the exporter wrote.
    public var attempts: String?
    public var message: String?
    public var startedAt: Date
    public var endedAt: Date?

    public init(
        id: Int64, app: String, district: String, export: String, appRun: Int64, sinceRun: Int64?, kind: String,
        version: String, destination: String, file: String?, bytes: Int?, state: String, attempts: String?,
        message: String?, startedAt: Date, endedAt: Date?
    ) {
        self.id = id
        self.app = app
        self.district = district
        self.export = export
        self.appRun = appRun
        self.sinceRun = sinceRun
        self.kind = kind
        self.version = version
        self.destination = destination
        self.file = file
        self.bytes = bytes
        self.state = state
        self.attempts = attempts
        self.message = message
        self.startedAt = startedAt
        self.endedAt = endedAt
    }
}

/// One entry of the disclosure audit: what an app was given of one entity, through which channel.
public struct Disclosure: Sendable, Hashable, Codable {
    public var id: Int64
    public var app: String
    public var district: String
    public var appRun: Int64
    /// The channel the data left through, such as `csv:nightly` for an export named nightly.
    public var channel: String
    public var delivery: Int64?
    public var entity: Entity
    /// The fields that had a value in at least one record given.
    public var fields: [String]
    public var records: Int
    public var disclosedAt: Date
}
