import OneRoster
import Store

/// Reads what an app sees of a district, as its last app run left it: the view rows of filtered or reshaped
/// entities, and the base records of entities shared whole.
public struct AppViewReader {
    public let store: SnapshotStore
    public let app: String
    public let district: String
    /// The app run whose view is read.
    public let run: AppRun
    let number: Int64

    /// Opens the view of the app's last committed app run for the district, or returns nil before the first.
    public init?(store: SnapshotStore, app: String, district: String) throws {
        guard let run = try store.lastAppRun(app: app, district: district) else { return nil }
        try self.init(store: store, run: run)
    }

    /// Opens the view as the given app run left it.
    public init(store: SnapshotStore, run: AppRun) throws {
        self.store = store
        self.app = run.app
        self.district = run.district
        self.run = run
        self.number = try store.appNumber(run.app)
    }

    /// The number of records of an entity the app sees.
    public func count(_ entity: Entity) -> Int {
        run.counts[entity]?.shared ?? 0
    }

    /// Calls `body` with the records of an entity that changed after app run `since` (all with nil), in a
    /// stable order. Removed records come only with `includeRemoved`.
    public func forEach(
        _ entity: Entity, since: AppRun? = nil, includeRemoved: Bool = false, limit: Int? = nil,
        _ body: (ViewRecord) throws -> Void
    ) throws {
        let whole = run.whole.contains(entity)
        let after = whole ? since?.baseRun ?? 0 : since?.id ?? 0
        try store.forEachViewRecord(
            app: number, district: district, entity: entity, whole: whole, after: after,
            includeRemoved: includeRemoved, limit: limit, body)
    }
}
