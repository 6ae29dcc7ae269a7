import Foundation
import OneRoster
import Scripting
import Store

/// One run of a Lua export script from connectors/exports, for vendors with their own API.
///
/// The script returns a table with `name`, `version`, `description`, `settings` (a schema, as a SIS connector
/// has) and `export(ctx)`. `ctx.records(kind)` gives the records this delivery sends; `ctx.kind` is `bulk` or
/// `delta`, and `ctx.app`, `ctx.district` and `ctx.app_run` name the view. The script returns true, or
/// `nil, message` when the delivery failed. Every entity the script reads is entered in the disclosure audit
/// before the script gets it.
struct ScriptExport {
    let exporter: AppExporter
    let export: ExportConfig
    let app: AppConfig
    let district: String
    let store: SnapshotStore
    let plan: AppExporter.Plan

    static func scriptPath(of export: ExportConfig, config: Config) -> String {
        (config.connectorsDirectory as NSString).appendingPathComponent("exports/\(export.script ?? "").lua")
    }

    func run(force: Bool) throws -> DeliveryRecord? {
        let source = ViewRecordSource(
            store: store, app: app, reader: try AppViewReader(store: store, run: plan.appRun),
            since: try plan.since.flatMap { try store.appRun($0) }, district: district, plan: plan,
            channel: "lua:" + export.name)
        if plan.kind == .delta, !force, try !source.hasChanges() { return nil }

        let path = ScriptExport.scriptPath(of: export, config: exporter.config)
        let delivery = try store.beginDelivery(
            app: app.id, district: district, export: export.name, appRun: plan.appRun.id, sinceRun: plan.since,
            kind: plan.kind.rawValue, version: export.version.rawValue, destination: exporter.describe(export))
        source.delivery = delivery
        var message: String?
        do {
            guard FileManager.default.fileExists(atPath: path) else {
                throw ConfigError(
                    file: exporter.config.path,
                    message: "app '\(app.id)', export '\(export.name)': script not found at \(path)")
            }
            let settings = ConnectorPaths.absolute(export.settings, directory: exporter.config.directory)
            let runtime = try LuaRuntime(
                configuration: LuaRuntime.Configuration(
                    allowedRoots: ConnectorPaths.roots(for: settings), secrets: ProcessInfo.processInfo.environment,
                    logger: ScriptLogBridge(
                        logger: exporter.logger.with(["app": app.id, "export": export.name]))))
            let script = try Connector.load(path: path, runtime: runtime, entryPoints: ["export"])
            let problems = script.validateSettings(settings)
            guard problems.isEmpty else {
                throw ConfigError(
                    file: exporter.config.path,
                    message: "app '\(app.id)', export '\(export.name)':\n  " + problems.joined(separator: "\n  "))
            }
            try script.export(
                source: source,
                fields: [
                    "app": .string(app.id), "district": .string(district), "kind": .string(plan.kind.rawValue),
                    "app_run": .integer(plan.appRun.id),
                ])
        } catch {
            message = "\(error)"
        }
        try store.finishDelivery(
            id: delivery, state: message == nil ? "delivered" : "failed", file: nil, bytes: nil, attempts: nil,
            message: message)
        return try store.deliveries(app: app.id, district: district, export: export.name, limit: 1).first
    }
}

/// The records of an app view that one delivery sends, read on demand and entered in the audit first.
final class ViewRecordSource: ExportRecordSource {
    let store: SnapshotStore
    let app: AppConfig
    let reader: AppViewReader
    /// The app run of the last successful delivery, for a delta.
    let since: AppRun?
    let district: String
    let plan: AppExporter.Plan
    let channel: String
    var delivery: Int64?
    private var times: [Int64: String]?

    init(
        store: SnapshotStore, app: AppConfig, reader: AppViewReader, since: AppRun?, district: String,
        plan: AppExporter.Plan, channel: String
    ) {
        self.store = store
        self.app = app
        self.reader = reader
        self.since = since
        self.district = district
        self.plan = plan
        self.channel = channel
    }

    /// Checks whether any entity has a record this delta would send.
    func hasChanges() throws -> Bool {
        for entity in Entity.allCases {
            var found = false
            try reader.forEach(entity, since: since, includeRemoved: true, limit: 1) { _ in found = true }
            if found { return true }
        }
        return false
    }

    func records(_ entity: Entity) throws -> [Record] {
        if times == nil { times = try store.appRunTimes(app: app.id, district: district) }
        let delta = plan.kind == .delta
        var records: [Record] = []
        var tally = DisclosureTally(entity)
        try reader.forEach(entity, since: since, includeRemoved: delta) { item in
            var record = item.record
            if !item.isBase, let time = times?[item.changed] { record.setValue(time, at: ContentHash.modifiedColumn) }
            if !item.removed { record.setValue("active", at: 1) }
            records.append(record)
            tally.add(record)
        }
        if tally.records > 0 {
            try store.recordDisclosure(
                app: app.id, district: district, appRun: plan.appRun.id, channel: channel, delivery: delivery,
                entity: entity, fields: tally.fields(in: nil, mode: .delta), records: tally.records)
        }
        return records
    }
}
