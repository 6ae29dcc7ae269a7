import Foundation
import OneRoster

extension SnapshotStore {
    /// Starts a delivery log entry before anything leaves the hub, and returns its id.
    public func beginDelivery(
        app: String, district: String, export: String, appRun: Int64, sinceRun: Int64?, kind: String,
        version: String, destination: String
    ) throws -> Int64 {
        let statement = try database.prepare(
            """
            INSERT INTO app_deliveries (app, district, export, app_run, since_run, kind, version, destination,
                state, started_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'running', ?9)
            """)
        defer { statement.reset() }
        try statement.bind(app, at: 1)
        try statement.bind(district, at: 2)
        try statement.bind(export, at: 3)
        try statement.bind(appRun, at: 4)
        if let sinceRun { try statement.bind(sinceRun, at: 5) } else { try statement.bindNull(at: 5) }
        try statement.bind(kind, at: 6)
        try statement.bind(version, at: 7)
        try statement.bind(destination, at: 8)
        try statement.bind(SnapshotStore.timestamp(), at: 9)
        try statement.run()
        return database.lastInsertRowid
    }

    /// Records how a delivery ended: `delivered` or `failed`, with its file, size, attempts and message.
    public func finishDelivery(
        id: Int64, state: String, file: String?, bytes: Int?, attempts: String?, message: String?
    ) throws {
        let statement = try database.prepare(
            """
            UPDATE app_deliveries SET state = ?2, file = ?3, bytes = ?4, attempts = ?5, message = ?6, ended_at = ?7
            WHERE id = ?1
            """)
        defer { statement.reset() }
        try statement.bind(id, at: 1)
        try statement.bind(state, at: 2)
        try statement.bind(file, at: 3)
        if let bytes { try statement.bind(Int64(bytes), at: 4) } else { try statement.bindNull(at: 4) }
        try statement.bind(attempts, at: 5)
        try statement.bind(message, at: 6)
        try statement.bind(SnapshotStore.timestamp(), at: 7)
        try statement.run()
    }

    /// Returns the last delivery of an export that reached its destination, or nil.
    public func lastDelivered(app: String, district: String, export: String) throws -> DeliveryRecord? {
        try deliveries(app: app, district: district, export: export, deliveredOnly: true, limit: 1).first
    }

    /// Returns an app's delivery log, newest first.
    public func deliveries(
        app: String, district: String? = nil, export: String? = nil, deliveredOnly: Bool = false, limit: Int = 50
    ) throws -> [DeliveryRecord] {
        let statement = try database.prepare(
            """
            SELECT id, app, district, export, app_run, since_run, kind, version, destination, file, bytes, state,
                attempts, message, started_at, ended_at
            FROM app_deliveries WHERE app = ?1 AND (?2 IS NULL OR district = ?2) AND (?3 IS NULL OR export = ?3)
                AND (?4 = 0 OR state = 'delivered')
            ORDER BY id DESC LIMIT ?5
            """)
        defer { statement.reset() }
        try statement.bind(app, at: 1)
        try statement.bind(district, at: 2)
        try statement.bind(export, at: 3)
        try statement.bind(Int64(deliveredOnly ? 1 : 0), at: 4)
        try statement.bind(Int64(limit), at: 5)
        var result: [DeliveryRecord] = []
        while try statement.step() {
            result.append(
                DeliveryRecord(
                    id: statement.int64(at: 0), app: statement.string(at: 1) ?? "",
                    district: statement.string(at: 2) ?? "", export: statement.string(at: 3) ?? "",
                    appRun: statement.int64(at: 4), sinceRun: statement.isNull(at: 5) ? nil : statement.int64(at: 5),
                    kind: statement.string(at: 6) ?? "", version: statement.string(at: 7) ?? "",
                    destination: statement.string(at: 8) ?? "", file: statement.string(at: 9),
                    bytes: statement.isNull(at: 10) ? nil : Int(statement.int64(at: 10)),
                    state: statement.string(at: 11) ?? "", attempts: statement.string(at: 12),
                    message: statement.string(at: 13),
                    startedAt: SnapshotStore.date(statement.string(at: 14) ?? "") ?? Date(timeIntervalSince1970: 0),
                    endedAt: statement.string(at: 15).flatMap(SnapshotStore.date)))
        }
        return result
    }

    /// Adds an entry to the disclosure audit.
    public func recordDisclosure(
        app: String, district: String, appRun: Int64, channel: String, delivery: Int64?, entity: Entity,
        fields: [String], records: Int
    ) throws {
        let statement = try database.prepare(
            """
            INSERT INTO app_disclosures (app, district, app_run, channel, delivery, entity, fields, records,
                disclosed_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
            """)
        defer { statement.reset() }
        try statement.bind(app, at: 1)
        try statement.bind(district, at: 2)
        try statement.bind(appRun, at: 3)
        try statement.bind(channel, at: 4)
        if let delivery { try statement.bind(delivery, at: 5) } else { try statement.bindNull(at: 5) }
        try statement.bind(entity.rawValue, at: 6)
        try statement.bind(fields.joined(separator: ","), at: 7)
        try statement.bind(Int64(records), at: 8)
        try statement.bind(SnapshotStore.timestamp(), at: 9)
        try statement.run()
    }

    /// Returns an app's disclosure audit, newest first.
    public func disclosures(app: String, district: String? = nil, limit: Int = 100) throws -> [Disclosure] {
        let statement = try database.prepare(
            """
            SELECT id, app, district, app_run, channel, delivery, entity, fields, records, disclosed_at
            FROM app_disclosures WHERE app = ?1 AND (?2 IS NULL OR district = ?2) ORDER BY id DESC LIMIT ?3
            """)
        defer { statement.reset() }
        try statement.bind(app, at: 1)
        try statement.bind(district, at: 2)
        try statement.bind(Int64(limit), at: 3)
        var result: [Disclosure] = []
        while try statement.step() {
            let fields = (statement.string(at: 7) ?? "").split(separator: ",").map(String.init)
            result.append(
                Disclosure(
                    id: statement.int64(at: 0), app: statement.string(at: 1) ?? "",
                    district: statement.string(at: 2) ?? "", appRun: statement.int64(at: 3),
                    channel: statement.string(at: 4) ?? "",
                    delivery: statement.isNull(at: 5) ? nil : statement.int64(at: 5),
                    entity: Entity(rawValue: statement.string(at: 6) ?? "") ?? .orgs, fields: fields,
                    records: Int(statement.int64(at: 8)),
                    disclosedAt: SnapshotStore.date(statement.string(at: 9) ?? "") ?? Date(timeIntervalSince1970: 0)))
        }
        return result
    }
}
