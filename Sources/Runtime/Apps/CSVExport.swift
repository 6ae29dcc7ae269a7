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

        let reader = try AppViewReader(store: store, run: plan.appRun)
        let since = try plan.since.flatMap { try store.appRun($0) }
        let files = try plannedFiles(reader, since: since)
        if plan.kind == .delta, files.isEmpty, !force { return nil }

        let delivery = try store.beginDelivery(
            app: app.id, district: district, export: export.name, appRun: plan.appRun.id, sinceRun: plan.since,
            kind: plan.kind.rawValue, version: export.version.rawValue, destination: exporter.describe(export))
        // The delivery id makes each package's name unique, so that a later export of the same app run never
        // replaces a file the vendor may already be reading.
        let name = "\(app.id)-\(district)-\(plan.kind.rawValue)-\(plan.appRun.id)-\(delivery).zip"
        let zip = work + "/" + name
        let tallies: [DisclosureTally]
        do {
            tallies = try writePackage(into: work + "/package", zip: zip, files: files, reader: reader, since: since)
        } catch {
            try store.finishDelivery(
                id: delivery, state: "failed", file: nil, bytes: nil, attempts: nil,
                message: "the package was not written: \(error)")
            return try store.deliveries(app: app.id, district: district, export: export.name, limit: 1).first
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: zip)[.size] as? Int) ?? nil

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

    /// Lists the entities of the binding with at least one record to send, in file order.
    private func plannedFiles(_ reader: AppViewReader, since: AppRun?) throws -> [Entity] {
        try Entity.all(in: export.version).filter { entity in
            let source: Entity = entity == .roles && reader.count(.roles) == 0 ? .users : entity
            var found = false
            try reader.forEach(source, since: since, includeRemoved: plan.kind == .delta, limit: 1) { _ in found = true
            }
            return found
        }
    }

    /// Writes the package and zips it to `zip` on a second thread while the files are produced. Returns what each
    /// entity's file discloses.
    private func writePackage(
        into folder: String, zip: String, files: [Entity], reader: AppViewReader, since: AppRun?
    ) throws -> [DisclosureTally] {
        let version = export.version
        let writer = try CSVPackageWriter(
            directory: folder, version: version, sourceSystem: SourceSystem(name: "Rollbook", code: district))
        try writer.streamZip(to: zip, files: files, compressionLevel: export.compressionLevel)
        do {
            let tallies = try writeFiles(files, with: writer, reader: reader, since: since)
            _ = try writer.finish()
            try writer.finishStreamedZip()
            return tallies
        } catch {
            writer.abandonStreamedZip()
            throw error
        }
    }

    private func writeFiles(_ files: [Entity], with writer: CSVPackageWriter, reader: AppViewReader, since: AppRun?)
        throws -> [DisclosureTally]
    {
        let version = export.version
        let times = try store.appRunTimes(app: app.id, district: district)
        let delta = plan.kind == .delta
        var tallies: [DisclosureTally] = []
        let sharedRoles = reader.count(.roles)
        let rolesByUser = version == .v1p1 && sharedRoles > 0 ? try rolesOfUsers(reader) : [:]

        for entity in files {
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
        return tallies
    }

    /// Groups the shared 1.2 roles by user, for 1.1 files, which carry a user's role and orgs on the user.
    private func rolesOfUsers(_ reader: AppViewReader) throws -> [String: [Record]] {
        var result: [String: [Record]] = [:]
        let userColumn = Columns.roleUser
        try reader.forEach(.roles) { item in
            result[item.record.value(at: userColumn) ?? "", default: []].append(item.record)
        }
        return result
    }
}
