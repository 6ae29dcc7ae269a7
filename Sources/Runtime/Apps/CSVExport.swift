import Export
import Foundation
import OneRoster
import Store

/// One run of a CSV export: the app view written as a zipped OneRoster package and delivered.
struct CSVExport {
    let exporter: AppExporter
    let export: ExportConfig
    let app: AppConfig
    let district: String
    let store: SnapshotStore
    let plan: AppExporter.Plan

    /// Writes and delivers the package. Returns nil when a delta has nothing to send and `force` is off.
    func run(force: Bool) throws -> DeliveryRecord? {
        let work = (NSTemporaryDirectory() as NSString).appendingPathComponent("rollbook-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }

        let folder = work + "/package"
        let (writer, summary, tallies) = try writePackage(into: folder)
        let rows = summary.files.reduce(0) { $0 + $1.rowCount }
        if plan.kind == .delta, rows == 0, !force { return nil }

        let name = "\(app.id)-\(district)-\(plan.kind.rawValue)-\(plan.appRun.id).zip"
        let zip = work + "/" + name
        try writer.zip(to: zip, compressionLevel: export.compressionLevel, parallelism: 2)
        let bytes = (try? FileManager.default.attributesOfItem(atPath: zip)[.size] as? Int) ?? nil

        let delivery = try store.beginDelivery(
            app: app.id, district: district, export: export.name, appRun: plan.appRun.id, sinceRun: plan.since,
            kind: plan.kind.rawValue, version: export.version.rawValue, destination: exporter.describe(export))
        for tally in tallies where tally.records > 0 {
            try store.recordDisclosure(
                app: app.id, district: district, appRun: plan.appRun.id, channel: "csv:" + export.name,
                delivery: delivery, entity: tally.entity, fields: tally.fields(in: export.version, mode: plan.kind),
                records: tally.records)
        }
        let outcome = Delivery.deliver(
            file: zip, name: name, destination: export.destination, config: exporter.config, logger: exporter.logger)
        try store.finishDelivery(
            id: delivery, state: outcome.delivered ? "delivered" : "failed", file: outcome.location ?? name,
            bytes: bytes, attempts: outcome.attempts, message: outcome.message)
        let log = ["app": app.id, "district": district, "export": export.name, "delivery": "\(delivery)"]
        if outcome.delivered {
            exporter.logger.info("package delivered", log)
        } else {
            exporter.logger.error("package not delivered", log.merging(["error": outcome.message ?? ""]) { $1 })
        }
        return try store.deliveries(app: app.id, district: district, export: export.name, limit: 1).first
    }

    /// Writes the package folder and returns its summary with what each entity's file discloses.
    private func writePackage(into folder: String) throws -> (CSVPackageWriter, PackageSummary, [DisclosureTally]) {
        let version = export.version
        let writer = try CSVPackageWriter(
            directory: folder, version: version,
            sourceSystem: SourceSystem(name: "Rollbook", code: district))
        let reader = try AppViewReader(store: store, run: plan.appRun)
        let times = try store.appRunTimes(app: app.id, district: district)
        let since = try plan.since.flatMap { try store.appRun($0) }
        let delta = plan.kind == .delta
        var tallies: [DisclosureTally] = []
        let sharedRoles = reader.count(.roles)
        let rolesByUser = version == .v1p1 && sharedRoles > 0 ? try rolesOfUsers(reader) : [:]

        for entity in Entity.all(in: version) {
            try writer.beginFile(entity, mode: plan.kind)
            var tally = DisclosureTally(entity)
            let derivesRoles = entity == .roles && sharedRoles == 0
            let source: Entity = derivesRoles ? .users : entity
            try reader.forEach(source, since: since, includeRemoved: delta) { item in
                var record = item.record
                if delta, !item.isBase, let time = times[item.changed] {
                    record.setValue(time, at: ContentHash.modifiedColumn)
                }
                if derivesRoles {
                    for role in RoleConversion.roles(derivedFrom: record) {
                        try writer.append(role)
                        tally.add(role)
                    }
                    return
                }
                if entity == .users, version == .v1p1, let roles = rolesByUser[record.sourcedId] {
                    RoleConversion.fillV1p1Fields(of: &record, from: roles)
                }
                try writer.append(record)
                tally.add(record)
            }
            tallies.append(tally)
        }
        return (writer, try writer.finish(), tallies)
    }

    /// The shared 1.2 roles by user, for 1.1 files, which carry a user's role and orgs on the user.
    private func rolesOfUsers(_ reader: AppViewReader) throws -> [String: [Record]] {
        var result: [String: [Record]] = [:]
        let userColumn = Columns.roleUser
        try reader.forEach(.roles) { item in
            result[item.record.value(at: userColumn) ?? "", default: []].append(item.record)
        }
        return result
    }
}
