import Export
import Foundation
import OneRoster
import Store

/// Runs an app's exports for a district and keeps the delivery log and the disclosure audit.
///
/// An export sends the view of the app's last committed app run. A delta contains what changed after the app run
/// of the export's last successful delivery, tombstones included. The first delivery, and the first after the
/// mapping changed, is bulk. Before anything is handed to a destination, the log gets the delivery and the audit
/// gets, per entity, the fields that had a value and the number of records.
struct AppExporter {
    let config: Config
    let logger: Logger

    /// Runs the app's exports whose last delivery is older than the current view. With `force`, runs them even
    /// when nothing changed since.
    func runExports(
        of app: AppConfig, district: String, store: SnapshotStore, only: String? = nil, forceBulk: Bool = false,
        force: Bool = false
    ) -> [DeliveryRecord] {
        var records: [DeliveryRecord] = []
        for export in app.exports where only == nil || export.name == only {
            do {
                if let record = try run(
                    export, of: app, district: district, store: store, forceBulk: forceBulk, force: force)
                {
                    records.append(record)
                }
            } catch {
                logger.error(
                    "export failed", ["app": app.id, "district": district, "export": export.name, "error": "\(error)"])
                records.append(
                    DeliveryRecord(
                        id: 0, app: app.id, district: district, export: export.name, appRun: 0, sinceRun: nil,
                        kind: "-", version: export.version.rawValue, destination: describe(export), file: nil,
                        bytes: nil, state: "failed", attempts: nil, message: "\(error)", startedAt: Date(),
                        endedAt: Date()))
            }
        }
        return records
    }

    /// The plan of one export run: which app run it sends and since when.
    struct Plan {
        var appRun: AppRun
        var kind: FileMode
        /// For a delta, the app run of the last successful delivery.
        var since: Int64?
    }

    func plan(_ export: ExportConfig, of app: AppConfig, district: String, store: SnapshotStore, forceBulk: Bool)
        throws -> (Plan, DeliveryRecord?)?
    {
        guard let appRun = try store.lastAppRun(app: app.id, district: district) else { return nil }
        let last = try store.lastDelivered(app: app.id, district: district, export: export.name)
        var kind: FileMode = .delta
        if export.mode == .bulk || forceBulk || last == nil {
            kind = .bulk
        } else if let last, try store.appRun(last.appRun)?.mapping != appRun.mapping {
            // What the app was sent was shaped by another mapping, so a delta could not say what to remove.
            kind = .bulk
        } else if let last, last.destination != describe(export) {
            // A new destination has none of the earlier deliveries.
            kind = .bulk
        }
        return (Plan(appRun: appRun, kind: kind, since: kind == .delta ? last?.appRun : nil), last)
    }

    private func run(
        _ export: ExportConfig, of app: AppConfig, district: String, store: SnapshotStore, forceBulk: Bool,
        force: Bool
    ) throws -> DeliveryRecord? {
        guard let (plan, last) = try plan(export, of: app, district: district, store: store, forceBulk: forceBulk)
        else { return nil }
        if !force, let last, last.appRun == plan.appRun.id, last.destination == describe(export) { return nil }
        switch export.kind {
        case .csv:
            return try CSVExport(exporter: self, export: export, app: app, district: district, store: store, plan: plan)
                .run(force: force)
        case .lua:
            return try ScriptExport(
                exporter: self, export: export, app: app, district: district, store: store, plan: plan
            ).run(force: force)
        }
    }

    /// Returns the destination as the log shows it, without secrets.
    func describe(_ export: ExportConfig) -> String {
        if export.kind == .lua { return "lua:\(export.script ?? "")" }
        // Config.load has parsed every destination, so this fails only for a config built in code.
        guard let (target, _) = try? Delivery.parse(export.destination, config: config) else {
            return export.destination["type"]?.stringValue ?? "?"
        }
        switch target {
        case .folder(let path):
            return "folder:" + path
        case .sftp(let destination):
            return destination.description
        case .https(let destination):
            // A query string can carry a token, so it is left out.
            return String(destination.url.prefix { $0 != "?" })
        }
    }
}

/// Counts what one entity's file gives away: records, and which columns had a value in any of them.
struct DisclosureTally {
    let entity: Entity
    var records = 0
    private var filled: [Bool]

    init(_ entity: Entity) {
        self.entity = entity
        filled = [Bool](repeating: false, count: Schema.columns(of: entity).count)
    }

    mutating func add(_ record: Record) {
        records += 1
        record.withValueBytes { values in
            for index in 0..<values.count where !filled[index] {
                if let value = values[index], !value.isEmpty { filled[index] = true }
            }
        }
    }

    /// The names of the columns that had a value, of those the given version writes (all with nil). A bulk
    /// file leaves status and dateLastModified blank.
    func fields(in version: OneRosterVersion?, mode: FileMode) -> [String] {
        Schema.columns(of: entity).enumerated().compactMap { index, column in
            if mode == .bulk, column.requirement == .requiredInDelta { return nil }
            if let version, !column.versions.contains(version) { return nil }
            return filled[index] ? column.name : nil
        }
    }
}
