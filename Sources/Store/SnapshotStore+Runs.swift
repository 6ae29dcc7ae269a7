import Foundation

extension SnapshotStore {
    /// Records the start of a run in its own committed transaction and returns its id.
    ///
    /// Call it before `writeSnapshot(district:runId:)`: SQLite raises an error when a transaction is already open.
    public func beginRun(district: String, kind: RunKind) throws -> Int64 {
        try database.transaction {
            try ensureDistrict(district)
            let statement = try database.prepare(
                "INSERT INTO runs (district, kind, started_at, status) VALUES (?1, ?2, ?3, 'running')")
            try statement.bind(district, at: 1)
            try statement.bind(kind.rawValue, at: 2)
            try statement.bind(SnapshotStore.timestamp(), at: 3)
            try statement.run()
            return database.lastInsertRowid
        }
    }

    /// Stores how a run ended, with its record counts, diagnostic totals and error.
    public func finishRun(
        id: Int64, status: RunStatus, counts: [String: Int] = [:], diagnosticTotals: [String: Int] = [:],
        error: String? = nil
    ) throws {
        let statement = try database.prepare(
            """
            UPDATE runs SET status = ?2, ended_at = ?3, counts = ?4, diagnostic_totals = ?5, error = ?6
            WHERE id = ?1
            """)
        try statement.bind(id, at: 1)
        try statement.bind(status.rawValue, at: 2)
        try statement.bind(SnapshotStore.timestamp(), at: 3)
        try statement.bind(try SnapshotStore.encodeCounts(counts), at: 4)
        try statement.bind(try SnapshotStore.encodeCounts(diagnosticTotals), at: 5)
        try statement.bind(error, at: 6)
        try statement.run()
        if database.changes == 0 {
            let district = try runDistrict(id)
            throw StoreError.unknownRun(id, district: district ?? "unknown")
        }
    }

    /// Returns the district's runs, newest first, at most `limit` of them.
    public func runs(district: String, limit: Int = 50) throws -> [RunSummary] {
        let statement = try database.prepare(
            """
            SELECT \(SnapshotStore.runColumns) FROM runs WHERE district = ?1 ORDER BY id DESC LIMIT ?2
            """)
        defer { statement.reset() }
        try statement.bind(district, at: 1)
        try statement.bind(Int64(limit), at: 2)
        var result: [RunSummary] = []
        while try statement.step() {
            result.append(try runSummary(from: statement))
        }
        return result
    }

    /// Marks every `running` run as `interrupted`; called when this connection becomes the owner.
    @discardableResult
    func markInterruptedRuns() throws -> Int {
        let statement = try database.prepare(
            """
            UPDATE runs SET status = 'interrupted', ended_at = ?1,
                error = coalesce(error, 'The process running it ended before the run finished')
            WHERE status = 'running'
            """)
        try statement.bind(SnapshotStore.timestamp(), at: 1)
        try statement.run()
        return database.changes
    }

    private func runDistrict(_ id: Int64) throws -> String? {
        let statement = try database.prepare("SELECT district FROM runs WHERE id = ?1")
        defer { statement.reset() }
        try statement.bind(id, at: 1)
        return try statement.step() ? statement.string(at: 0) : nil
    }

    /// Returns one run, or nil when there is none with this id.
    public func run(_ id: Int64) throws -> RunSummary? {
        let statement = try database.prepare("SELECT \(SnapshotStore.runColumns) FROM runs WHERE id = ?1")
        defer { statement.reset() }
        try statement.bind(id, at: 1)
        return try statement.step() ? try runSummary(from: statement) : nil
    }

    /// Returns the runs of every district, newest first, at most `limit` of them.
    public func allRuns(limit: Int = 50) throws -> [RunSummary] {
        let statement = try database.prepare(
            "SELECT \(SnapshotStore.runColumns) FROM runs ORDER BY id DESC LIMIT ?1")
        defer { statement.reset() }
        try statement.bind(Int64(limit), at: 1)
        var result: [RunSummary] = []
        while try statement.step() {
            result.append(try runSummary(from: statement))
        }
        return result
    }

    /// Stores a run's exact finding counts per severity, rule and file, as JSON text the runner wrote.
    public func saveDiagnosticCounts(id: Int64, _ text: String) throws {
        let statement = try database.prepare("UPDATE runs SET diagnostic_counts = ?2 WHERE id = ?1")
        try statement.bind(id, at: 1)
        try statement.bind(text, at: 2)
        try statement.run()
    }

    /// Returns a run's finding counts as saved by `saveDiagnosticCounts`, or nil.
    public func diagnosticCounts(run id: Int64) throws -> String? {
        let statement = try database.prepare("SELECT diagnostic_counts FROM runs WHERE id = ?1")
        defer { statement.reset() }
        try statement.bind(id, at: 1)
        return try statement.step() ? statement.string(at: 0) : nil
    }

    /// Returns the input fingerprint a run saved, or nil.
    public func runInputs(_ id: Int64) throws -> String? {
        let statement = try database.prepare("SELECT inputs FROM runs WHERE id = ?1")
        defer { statement.reset() }
        try statement.bind(id, at: 1)
        return try statement.step() ? statement.string(at: 0) : nil
    }

    /// Returns a district's name, or nil when it has none or is unknown.
    public func districtName(_ id: String) throws -> String? {
        let statement = try database.prepare("SELECT name FROM districts WHERE id = ?1")
        defer { statement.reset() }
        try statement.bind(id, at: 1)
        return try statement.step() ? statement.string(at: 0) : nil
    }

    /// Stores a run's changes, the run it was compared with and its input digest, before it is published or held.
    public func saveRunDetails(id: Int64, changes: String?, baseRun: Int64?, inputs: String?) throws {
        let statement = try database.prepare(
            "UPDATE runs SET changes = ?2, base_run = ?3, inputs = ?4 WHERE id = ?1")
        try statement.bind(id, at: 1)
        try statement.bind(changes, at: 2)
        if let baseRun { try statement.bind(baseRun, at: 3) } else { try statement.bindNull(at: 3) }
        try statement.bind(inputs, at: 4)
        try statement.run()
    }

    static let runColumns = """
        id, district, kind, status, started_at, ended_at, counts, diagnostic_totals, error, hold, changes, \
        base_run, published_at, decided_at
        """

    private func runSummary(from statement: Statement) throws -> RunSummary {
        let kindText = statement.string(at: 2) ?? ""
        guard let kind = RunKind(rawValue: kindText) else {
            throw StoreError.invalidStoredValue(kindText, table: "runs", column: "kind", expected: "a run kind")
        }
        let statusText = statement.string(at: 3) ?? ""
        guard let status = RunStatus(rawValue: statusText) else {
            throw StoreError.invalidStoredValue(
                statusText, table: "runs", column: "status",
                expected: RunStatus.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let startedText = statement.string(at: 4) ?? ""
        guard let startedAt = SnapshotStore.date(startedText) else {
            throw StoreError.invalidStoredValue(
                startedText, table: "runs", column: "started_at", expected: "an ISO 8601 date-time")
        }
        return RunSummary(
            id: statement.int64(at: 0),
            district: statement.string(at: 1) ?? "",
            kind: kind,
            status: status,
            startedAt: startedAt,
            endedAt: statement.string(at: 5).flatMap(SnapshotStore.date),
            counts: try SnapshotStore.decodeCounts(statement.string(at: 6), column: "counts"),
            diagnosticTotals: try SnapshotStore.decodeCounts(statement.string(at: 7), column: "diagnostic_totals"),
            error: statement.string(at: 8),
            hold: statement.string(at: 9),
            changes: statement.string(at: 10),
            baseRun: statement.isNull(at: 11) ? nil : statement.int64(at: 11),
            publishedAt: statement.string(at: 12).flatMap(SnapshotStore.date),
            decidedAt: statement.string(at: 13).flatMap(SnapshotStore.date))
    }

    static func date(_ text: String) -> Date? {
        try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static func encodeCounts(_ counts: [String: Int]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(counts), as: UTF8.self)
    }

    static func decodeCounts(_ text: String?, column: String) throws -> [String: Int] {
        guard let text else { return [:] }
        do {
            return try JSONDecoder().decode([String: Int].self, from: Data(text.utf8))
        } catch {
            throw StoreError.invalidStoredValue(
                text, table: "runs", column: column, expected: "a JSON object of integer counts")
        }
    }
}
