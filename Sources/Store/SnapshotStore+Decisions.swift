import Foundation
import OneRoster

extension SnapshotStore {
    /// Returns the district's newest published run, or nil before its first.
    public func lastPublishedRun(district: String) throws -> Int64? {
        let statement = try database.prepare(
            "SELECT max(id) FROM runs WHERE district = ?1 AND status = 'committed'")
        defer { statement.reset() }
        try statement.bind(district, at: 1)
        guard try statement.step(), !statement.isNull(at: 0) else { return nil }
        return statement.int64(at: 0)
    }

    /// Returns the district's held and blocked runs, oldest first.
    public func pendingRuns(district: String) throws -> [RunSummary] {
        try runs(district: district, limit: 1000).filter { $0.status.isPending }.reversed()
    }

    /// Publishes a held or blocked run's staged changes, with its connector state, and marks it committed.
    ///
    /// Throws when an older run of the district is still held, or when another run was published after this
    /// run compared its records with the snapshot: its changes would undo that run's.
    @discardableResult
    public func approve(run id: Int64) throws -> RunSummary {
        try database.transaction {
            let run = try pendingRun(id, action: "approved")
            if let older = try pendingRuns(district: run.district).first(where: { $0.id < id }) {
                throw StoreError.notDecidable(
                    "Run \(id) cannot be approved while the older run \(older.id) of district '\(run.district)' is "
                        + "\(older.status.rawValue); approve or discard run \(older.id) first")
            }
            let published = try lastPublishedRun(district: run.district)
            if published != run.baseRun {
                throw StoreError.notDecidable(
                    "Run \(id) compared its records with run \(run.baseRun.map(String.init) ?? "none"), but run "
                        + "\(published.map(String.init) ?? "none") has been published since; discard run \(id) and "
                        + "sync again")
            }
            let state = try scalarText("SELECT state FROM runs WHERE id = ?1", id)
            try SnapshotStore.publish(runId: id, district: run.district, state: state, in: database)
            try markDecided(id)
            return try self.run(id) ?? run
        }
    }

    /// Drops a held or blocked run's staged changes and marks it discarded; the snapshot stays as it was.
    @discardableResult
    public func discard(run id: Int64) throws -> RunSummary {
        try database.transaction {
            let run = try pendingRun(id, action: "discarded")
            try SnapshotStore.dropStagedChanges(of: id, status: .discarded, in: database)
            return try self.run(id) ?? run
        }
    }

    /// Marks held and blocked runs of the district that began before `cutoff` as expired, dropping their staged
    /// changes, and returns their ids.
    @discardableResult
    public func expirePendingRuns(district: String, before cutoff: Date) throws -> [Int64] {
        let expired = try pendingRuns(district: district).filter { $0.startedAt < cutoff }.map(\.id)
        guard !expired.isEmpty else { return [] }
        try database.transaction {
            for id in expired { try SnapshotStore.dropStagedChanges(of: id, status: .expired, in: database) }
        }
        return expired
    }

    /// Returns the `ctx.state` JSON the district's connector left with its last published run.
    public func connectorState(district: String) throws -> String? {
        let statement = try database.prepare("SELECT state FROM connector_state WHERE district = ?1")
        defer { statement.reset() }
        try statement.bind(district, at: 1)
        return try statement.step() ? statement.string(at: 0) : nil
    }

    /// Counts a run's staged or published changes by entity and kind, from the change tables.
    public func changeCounts(run id: Int64) throws -> [Entity: [Change: Int]] {
        var result: [Entity: [Change: Int]] = [:]
        for entity in Entity.allCases {
            let statement = try database.prepare(EntityTable.of(entity).countChanges)
            defer { statement.reset() }
            try statement.bind(id, at: 1)
            while try statement.step() {
                guard let name = statement.string(at: 0), let change = Change(rawValue: name) else { continue }
                result[entity, default: [:]][change] = Int(statement.int64(at: 1))
            }
        }
        return result
    }

    /// Returns up to `limit` sourcedIds of a run's changes of one entity and kind, in ascending order.
    public func changeSamples(run id: Int64, entity: Entity, change: Change, limit: Int) throws -> [String] {
        let statement = try database.prepare(EntityTable.of(entity).sampleChanges)
        defer { statement.reset() }
        try statement.bind(id, at: 1)
        try statement.bind(change.rawValue, at: 2)
        try statement.bind(Int64(limit), at: 3)
        var result: [String] = []
        while try statement.step() {
            if let id = statement.string(at: 0) { result.append(id) }
        }
        return result
    }

    /// Returns up to `limit` sourcedIds of records a first load wrote straight into the snapshot, first written first.
    public func loadedSamples(run id: Int64, district: String, entity: Entity, limit: Int) throws -> [String] {
        let statement = try database.prepare(EntityTable.of(entity).sampleLoaded)
        defer { statement.reset() }
        try statement.bind(district, at: 1)
        try statement.bind(id, at: 2)
        try statement.bind(Int64(limit), at: 3)
        var result: [String] = []
        while try statement.step() {
            if let id = statement.string(at: 0) { result.append(id) }
        }
        return result
    }

    /// Returns the record a run staged, with its change kind, or nil when the run did not change it.
    public func stagedRecord(run id: Int64, district: String, entity: Entity, sourcedId: String) throws -> (
        Record, Change
    )? {
        let statement = try database.prepare(EntityTable.of(entity).selectChange)
        defer { statement.reset() }
        try statement.bind(id, at: 1)
        try statement.bind(district, at: 2)
        try statement.bind(sourcedId, at: 3)
        guard try statement.step() else { return nil }
        let columnCount = Int32(Schema.columns(of: entity).count)
        let changeText = statement.string(at: columnCount + 1) ?? ""
        guard let change = Change(rawValue: changeText) else {
            throw StoreError.invalidStoredValue(
                changeText, table: entity.rawValue + "_changes", column: "change", expected: "a change kind")
        }
        return (try record(of: entity, from: statement), change)
    }

    /// Returns every change of one record, oldest first: the run, the kind and when it was published.
    public func history(district: String, entity: Entity, sourcedId: String) throws -> [(Int64, Change, String?)] {
        let statement = try database.prepare(EntityTable.of(entity).selectHistory)
        defer { statement.reset() }
        try statement.bind(district, at: 1)
        try statement.bind(sourcedId, at: 2)
        var result: [(Int64, Change, String?)] = []
        while try statement.step() {
            guard let change = Change(rawValue: statement.string(at: 1) ?? "") else { continue }
            result.append((statement.int64(at: 0), change, statement.string(at: 2)))
        }
        return result
    }

    /// Counts the district's records of an entity that are not tombstones.
    public func liveCount(district: String, entity: Entity) throws -> Int {
        let statement = try database.prepare(EntityTable.of(entity).countLive)
        defer { statement.reset() }
        try statement.bind(district, at: 1)
        try statement.step()
        return Int(statement.int64(at: 0))
    }

    /// Calls `body` with the sourcedId, content hash and tombstone flag of each stored record of an entity.
    public func forEachState(district: String, entity: Entity, _ body: (String, UInt64, Bool) throws -> Void) throws {
        let statement = try database.prepare(EntityTable.of(entity).selectStates, cached: false)
        try statement.bind(district, at: 1)
        while try statement.step() {
            try body(
                statement.string(at: 0) ?? "", UInt64(bitPattern: statement.int64(at: 1)), statement.int64(at: 2) != 0)
        }
    }

    private func pendingRun(_ id: Int64, action: String) throws -> RunSummary {
        guard let run = try run(id) else {
            throw StoreError.notDecidable("There is no run \(id); `rollbook runs` lists the runs")
        }
        guard run.status.isPending else {
            throw StoreError.notDecidable(
                "Run \(id) is \(run.status.rawValue); only held or blocked runs can be \(action)")
        }
        return run
    }

    private func markDecided(_ id: Int64) throws {
        let statement = try database.prepare("UPDATE runs SET decided_at = ?2 WHERE id = ?1")
        try statement.bind(id, at: 1)
        try statement.bind(SnapshotStore.timestamp(), at: 2)
        try statement.run()
    }

    private func scalarText(_ sql: String, _ id: Int64) throws -> String? {
        let statement = try database.prepare(sql)
        defer { statement.reset() }
        try statement.bind(id, at: 1)
        return try statement.step() ? statement.string(at: 0) : nil
    }
}
