import OneRoster

extension SnapshotStore {
    /// Stores a run's diagnostics in one transaction; call it while no snapshot writer is open.
    public func insertDiagnostics(runId: Int64, _ diagnostics: [Diagnostic]) throws {
        try database.transaction {
            let statement = try database.prepare(
                """
                INSERT INTO diagnostics (run_id, severity, rule, file, row, field, value, sourced_id, message)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                """)
            try statement.bind(runId, at: 1)
            for diagnostic in diagnostics {
                try statement.bind(diagnostic.severity.rawValue, at: 2)
                try statement.bind(diagnostic.rule, at: 3)
                try statement.bind(diagnostic.file, at: 4)
                if let row = diagnostic.row {
                    try statement.bind(Int64(row), at: 5)
                } else {
                    try statement.bindNull(at: 5)
                }
                try statement.bind(diagnostic.field, at: 6)
                try statement.bind(diagnostic.value, at: 7)
                try statement.bind(diagnostic.sourcedId, at: 8)
                try statement.bind(diagnostic.message, at: 9)
                try statement.run()
            }
        }
    }

    /// Calls `body` with each diagnostic of a run, in the order they were inserted.
    public func forEachDiagnostic(runId: Int64, _ body: (Diagnostic) throws -> Void) throws {
        let statement = try database.prepare(
            """
            SELECT severity, rule, file, row, field, value, sourced_id, message
            FROM diagnostics WHERE run_id = ?1 ORDER BY rowid
            """, cached: false)
        try statement.bind(runId, at: 1)
        while try statement.step() {
            let severityText = statement.string(at: 0) ?? ""
            guard let severity = Severity(rawValue: severityText) else {
                throw StoreError.invalidStoredValue(
                    severityText, table: "diagnostics", column: "severity", expected: "error, warning or info")
            }
            let diagnostic = Diagnostic(
                severity,
                rule: statement.string(at: 1) ?? "",
                file: statement.string(at: 2),
                row: statement.isNull(at: 3) ? nil : Int(statement.int64(at: 3)),
                field: statement.string(at: 4),
                value: statement.string(at: 5),
                sourcedId: statement.string(at: 6),
                message: statement.string(at: 7) ?? "")
            try body(diagnostic)
        }
    }

    /// Returns a run's diagnostics in the order they were inserted.
    public func diagnostics(runId: Int64) throws -> [Diagnostic] {
        var result: [Diagnostic] = []
        try forEachDiagnostic(runId: runId) { result.append($0) }
        return result
    }
}
