import Foundation
import OneRoster
import Store

extension Application {
    /// Finds a configured app, or reports that it is not configured.
    private static func configuredApp(_ id: String, in config: Config) throws -> AppConfig {
        guard let app = config.apps.first(where: { $0.id == id }) else {
            let known = config.apps.map(\.id).joined(separator: ", ")
            throw ConfigError(
                file: config.path, message: "no app '\(id)'; configured: \(known.isEmpty ? "none" : known)")
        }
        return app
    }

    private static func districts(of app: AppConfig, only district: String?, config: Config) throws -> [String] {
        guard let district else { return app.districts }
        guard app.districts.contains(district) else {
            throw ConfigError(
                file: config.path,
                message: "app '\(app.id)' is not shared by district '\(district)'; it is shared by "
                    + app.districts.joined(separator: ", "))
        }
        return [district]
    }

    static func previewApp(
        _ id: String, configPath: String?, district: String?, limit: Int, json: Bool, logger: Logger
    ) -> ExitStatus {
        guard let (config, store) = openStore(configPath: configPath, json: json) else { return .failure }
        do {
            let app = try configuredApp(id, in: config)
            let materializer = AppMaterializer(config: config, logger: logger)
            var previews: [AppPreview] = []
            for district in try districts(of: app, only: district, config: config) {
                let preview = try materializer.preview(app, district: district, store: store) {
                    run, builder, _ in
                    var records: [Entity: [Record]] = [:]
                    let reader = try AppViewReader(store: store, run: run)
                    for entity in Entity.allCases where reader.count(entity) > 0 {
                        try reader.forEach(entity, limit: limit) { records[entity, default: []].append($0.record) }
                    }
                    return AppPreview(
                        app: app.id, district: district, counts: run.counts, records: records,
                        errors: builder.errors.map(\.description), errorCount: builder.errorCount)
                }
                if let preview {
                    previews.append(preview)
                } else if !json {
                    print("App \(app.id), district \(district): no published snapshot yet; run `rollbook sync` first.")
                }
            }
            if json {
                print(String(decoding: try RunListing.encoder.encode(["previews": previews]), as: UTF8.self))
            } else {
                for preview in previews { print(preview.text(limit: limit)) }
            }
            return previews.contains { $0.errorCount > 0 } ? .rejectedRecords : .success
        } catch {
            report(error, json: json)
            return .failure
        }
    }

    static func audit(_ id: String, configPath: String?, district: String?, limit: Int, json: Bool) -> ExitStatus {
        guard let (config, store) = openStore(configPath: configPath, json: json) else { return .failure }
        do {
            let app = try configuredApp(id, in: config)
            if let district { _ = try districts(of: app, only: district, config: config) }
            let entries = try store.disclosures(app: app.id, district: district, limit: limit)
            let deliveries = try store.deliveries(app: app.id, district: district, limit: limit)
            if json {
                let document = AuditDocument(
                    app: app.id, disclosures: entries.map(AuditEntry.init),
                    deliveries: deliveries.map(JSONDelivery.init))
                print(String(decoding: try RunListing.encoder.encode(document), as: UTF8.self))
                return .success
            }
            print(AuditText.render(app: app, disclosures: entries, deliveries: deliveries))
            return .success
        } catch {
            report(error, json: json)
            return .failure
        }
    }

    static func exportApp(
        _ id: String, configPath: String?, district: String?, export: String?, bulk: Bool, json: Bool, logger: Logger
    ) -> ExitStatus {
        guard let (config, store) = openStore(configPath: configPath, json: json) else { return .failure }
        do {
            let app = try configuredApp(id, in: config)
            if let export, !app.exports.contains(where: { $0.name == export }) {
                let known = app.exports.map(\.name).joined(separator: ", ")
                throw ConfigError(
                    file: config.path, message: "app '\(app.id)' has no export '\(export)'; configured: \(known)")
            }
            var results: [AppSyncResult] = []
            for district in try districts(of: app, only: district, config: config) {
                let view = AppMaterializer(config: config, logger: logger).refresh(
                    app, district: district, store: store)
                var result = AppSyncResult(view: view)
                if view.error == nil {
                    result.deliveries = AppExporter(config: config, logger: logger).runExports(
                        of: app, district: district, store: store, only: export, forceBulk: bulk, force: bulk)
                }
                results.append(result)
            }
            if json {
                print(String(decoding: try RunListing.encoder.encode(["apps": results]), as: UTF8.self))
            } else {
                for result in results {
                    print(result.summary())
                    if result.view.error == nil, result.deliveries.isEmpty {
                        print("  nothing new to deliver; `rollbook export \(app.id) --bulk` sends the whole view")
                    }
                }
            }
            return results.contains(where: \.failed) ? .appsFailed : .success
        } catch {
            report(error, json: json)
            return .failure
        }
    }
}

/// The output of `app preview` for one district.
struct AppPreview: Encodable {
    var app: String
    var district: String
    var counts: [Entity: ViewCounts]
    var records: [Entity: [Record]]
    var errors: [String]
    var errorCount: Int

    enum CodingKeys: String, CodingKey { case app, district, changes, records, errors, errorCount }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(app, forKey: .app)
        try container.encode(district, forKey: .district)
        var counts: [String: ViewCounts] = [:]
        for (entity, count) in self.counts { counts[entity.rawValue] = count }
        try container.encode(counts, forKey: .changes)
        var records: [String: [[String: String]]] = [:]
        for (entity, list) in self.records { records[entity.rawValue] = list.map(AppPreview.fields) }
        try container.encode(records, forKey: .records)
        try container.encode(errors, forKey: .errors)
        try container.encode(errorCount, forKey: .errorCount)
    }

    /// Returns the record's non-blank fields by name.
    static func fields(_ record: Record) -> [String: String] {
        var result: [String: String] = [:]
        for (index, column) in Schema.columns(of: record.entity).enumerated() {
            if let value = record.value(at: index), !value.isEmpty { result[column.name] = value }
        }
        return result
    }

    func text(limit: Int) -> String {
        var lines = ["App \(app), district \(district): the view would have"]
        for entity in Entity.allCases {
            guard let count = counts[entity], count.shared + count.changed + count.removed > 0 else { continue }
            lines.append(
                "  \(entity.rawValue): \(count.shared) records, \(count.changed) new or changed, \(count.removed) removed"
            )
        }
        if errorCount > 0 {
            lines.append("Mapping errors (\(errorCount); those records are left out):")
            for error in errors.prefix(limit) { lines.append("  " + error) }
        }
        for entity in Entity.allCases {
            guard let list = records[entity], !list.isEmpty else { continue }
            lines.append("\(entity.rawValue), first \(list.count):")
            for record in list {
                let fields = Schema.columns(of: entity).enumerated().compactMap { index, column -> String? in
                    guard let value = record.value(at: index), !value.isEmpty else { return nil }
                    return "\(column.name)=\(value)"
                }
                lines.append("  " + fields.joined(separator: " "))
            }
        }
        return lines.joined(separator: "\n")
    }
}

struct AuditDocument: Encodable {
    var app: String
    var disclosures: [AuditEntry]
    var deliveries: [JSONDelivery]
}

struct AuditEntry: Encodable {
    var id: Int64
    var district: String
    var appRun: Int64
    var channel: String
    var delivery: Int64?
    var entity: String
    var fields: [String]
    var records: Int
    var disclosedAt: String

    init(_ disclosure: Disclosure) {
        id = disclosure.id
        district = disclosure.district
        appRun = disclosure.appRun
        channel = disclosure.channel
        delivery = disclosure.delivery
        entity = disclosure.entity.rawValue
        fields = disclosure.fields
        records = disclosure.records
        disclosedAt = SnapshotStore.timestamp(disclosure.disclosedAt)
    }
}

enum AuditText {
    static func render(app: AppConfig, disclosures: [Disclosure], deliveries: [DeliveryRecord]) -> String {
        var lines = ["Disclosures to app \(app.id) (\(app.name)), newest first:"]
        if disclosures.isEmpty { lines.append("  none yet") }
        for entry in disclosures {
            let delivery = entry.delivery.map { ", delivery \($0)" } ?? ""
            lines.append(
                "  \(SnapshotStore.timestamp(entry.disclosedAt))  \(entry.district)  app run \(entry.appRun)  "
                    + "\(entry.channel)\(delivery)  \(entry.entity): \(entry.records) records; fields "
                    + entry.fields.joined(separator: ", "))
        }
        lines.append("Deliveries, newest first:")
        if deliveries.isEmpty { lines.append("  none yet") }
        for delivery in deliveries {
            let size = delivery.bytes.map { ", \($0) bytes" } ?? ""
            var line =
                "  \(delivery.id)  \(SnapshotStore.timestamp(delivery.startedAt))  \(delivery.district)  "
                + "\(delivery.export)  \(delivery.kind) \(delivery.version)  \(delivery.state)  "
                + "\(delivery.destination)\(size)"
            if let message = delivery.message { line += "  " + message }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
