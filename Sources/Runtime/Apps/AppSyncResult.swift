import Foundation
import OneRoster
import Store

/// The outcome of a sync for one app and district after the snapshot was published: the view and its exports.
public struct AppSyncResult: Sendable, Encodable {
    public var view: AppViewResult
    public var deliveries: [DeliveryRecord] = []

    /// Whether the view could not be built or an export was not delivered.
    public var failed: Bool { view.error != nil || deliveries.contains { $0.state != "delivered" } }

    enum CodingKeys: String, CodingKey {
        case app, district, appRun, error, counts, recordErrors, recordErrorCount, deliveries
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(view.app, forKey: .app)
        try container.encode(view.district, forKey: .district)
        try container.encode(view.run?.id, forKey: .appRun)
        try container.encode(view.error, forKey: .error)
        var counts: [String: ViewCounts] = [:]
        for (entity, count) in view.run?.counts ?? [:] { counts[entity.rawValue] = count }
        try container.encode(counts, forKey: .counts)
        try container.encode(view.recordErrors, forKey: .recordErrors)
        try container.encode(view.recordErrorCount, forKey: .recordErrorCount)
        try container.encode(deliveries.map(JSONDelivery.init), forKey: .deliveries)
    }

    /// Returns lines for a terminal.
    public func summary() -> String {
        var lines: [String] = []
        let label = "App \(view.app), district \(view.district)"
        if let error = view.error {
            lines.append("\(label): view not updated: \(error)")
        } else if let run = view.run {
            let parts = Entity.allCases.compactMap { entity -> String? in
                guard let count = run.counts[entity], count.shared + count.changed + count.removed > 0 else {
                    return nil
                }
                return "\(entity.rawValue) \(count.shared) (+\(count.changed) -\(count.removed))"
            }
            lines.append("\(label): view updated (app run \(run.id)): " + parts.joined(separator: ", "))
        } else {
            lines.append("\(label): view already up to date")
        }
        if view.recordErrorCount > 0 {
            lines.append("  \(view.recordErrorCount) record(s) left out by mapping errors, first:")
            for error in view.recordErrors.prefix(5) { lines.append("    " + error) }
        }
        for delivery in deliveries {
            let size = delivery.bytes.map { ", \($0) bytes" } ?? ""
            var line =
                "  export \(delivery.export): \(delivery.kind) \(delivery.state) to \(delivery.destination)\(size)"
            if let message = delivery.message { line += ": " + message }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}

extension AppViewResult: Encodable {
    enum CodingKeys: String, CodingKey { case app, district, error }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(app, forKey: .app)
        try container.encode(district, forKey: .district)
        try container.encode(error, forKey: .error)
    }
}

/// A delivery log entry in JSON, with dates as ISO 8601 text.
struct JSONDelivery: Encodable {
    var delivery: DeliveryRecord

    enum CodingKeys: String, CodingKey {
        case id, export, appRun, sinceRun, kind, version, destination, file, bytes, state, message, startedAt, endedAt
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(delivery.id, forKey: .id)
        try container.encode(delivery.export, forKey: .export)
        try container.encode(delivery.appRun, forKey: .appRun)
        try container.encode(delivery.sinceRun, forKey: .sinceRun)
        try container.encode(delivery.kind, forKey: .kind)
        try container.encode(delivery.version, forKey: .version)
        try container.encode(delivery.destination, forKey: .destination)
        try container.encode(delivery.file, forKey: .file)
        try container.encode(delivery.bytes, forKey: .bytes)
        try container.encode(delivery.state, forKey: .state)
        try container.encode(delivery.message, forKey: .message)
        try container.encode(SnapshotStore.timestamp(delivery.startedAt), forKey: .startedAt)
        try container.encode(delivery.endedAt.map { SnapshotStore.timestamp($0) }, forKey: .endedAt)
    }
}
