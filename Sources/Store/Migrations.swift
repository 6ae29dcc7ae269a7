import OneRoster

/// One step of the store's schema history; `PRAGMA user_version` records the last step applied.
struct Migration {
    let version: Int
    let apply: (Database) throws -> Void
}

/// The store's schema versions, oldest first. A later version appends a step; steps already shipped never change.
enum Migrations {
    static var steps: [Migration] {
        [
            Migration(version: 1, apply: createInitialSchema),
            Migration(version: 2, apply: addChangeHistory),
            Migration(version: 3, apply: addAppViews),
            Migration(version: 4, apply: addSigningKeys),
            Migration(version: 5, apply: addAccountLinks),
            Migration(version: 6, apply: addRefreshTokens),
        ]
    }

    static var latestVersion: Int { steps.last?.version ?? 0 }

    /// Applies every step newer than the file's `user_version`, each in its own transaction with its version number.
    static func migrate(_ database: Database) throws {
        let current = Int(try database.scalarInt("PRAGMA user_version") ?? 0)
        guard current <= latestVersion else {
            throw StoreError.newerSchema(path: database.path, found: current, supported: latestVersion)
        }
        for step in steps where step.version > current {
            try database.transaction {
                try step.apply(database)
                // PRAGMA takes no parameters; the version is an integer from the list above.
                try database.execute("PRAGMA user_version = \(step.version)")
            }
        }
    }

    private static func createInitialSchema(_ database: Database) throws {
        try database.execute(
            """
            CREATE TABLE districts (id TEXT PRIMARY KEY, name TEXT);
            CREATE TABLE runs (
                id INTEGER PRIMARY KEY,
                district TEXT NOT NULL REFERENCES districts (id),
                kind TEXT NOT NULL,
                started_at TEXT NOT NULL,
                ended_at TEXT,
                status TEXT NOT NULL,
                counts TEXT,
                diagnostic_totals TEXT,
                error TEXT
            );
            CREATE INDEX runs_district ON runs (district, id);
            CREATE TABLE diagnostics (
                run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                severity TEXT NOT NULL,
                rule TEXT NOT NULL,
                file TEXT,
                row INTEGER,
                field TEXT,
                value TEXT,
                sourced_id TEXT,
                message TEXT NOT NULL
            );
            CREATE INDEX diagnostics_run ON diagnostics (run_id);
            """)
        for entity in Entity.allCases {
            let table = EntityTable.of(entity)
            try database.execute(table.createTable)
            try database.execute(table.createFirstIndex)
        }
    }

    /// Adds what change detection, the safety hold and incremental connectors need: each record's last changing
    /// run, a change table per entity (a run's staged changes, then the history), and the run's outcome.
    private static func addChangeHistory(_ database: Database) throws {
        try database.execute(
            """
            ALTER TABLE runs ADD COLUMN changes TEXT;
            ALTER TABLE runs ADD COLUMN base_run INTEGER;
            ALTER TABLE runs ADD COLUMN hold TEXT;
            ALTER TABLE runs ADD COLUMN state TEXT;
            ALTER TABLE runs ADD COLUMN inputs TEXT;
            ALTER TABLE runs ADD COLUMN published_at TEXT;
            ALTER TABLE runs ADD COLUMN decided_at TEXT;
            ALTER TABLE runs ADD COLUMN diagnostic_counts TEXT;
            CREATE TABLE connector_state (
                district TEXT PRIMARY KEY REFERENCES districts (id),
                state TEXT NOT NULL,
                run INTEGER NOT NULL
            );
            """)
        for entity in Entity.allCases {
            let table = EntityTable.of(entity)
            try database.execute("ALTER TABLE \(table.name) ADD COLUMN run INTEGER")
            try database.execute("ALTER TABLE \(table.name) ADD COLUMN key INTEGER")
            try fillKeys(of: table, in: database)
            try database.execute("DROP INDEX \(quoted(entity.rawValue + "_district_sourcedId"))")
            try database.execute(table.createIndex)
            try database.execute(table.createChangeTable)
            try database.execute(table.createChangeIndexes)
        }
    }

    /// Sets the key of every stored record, which SQLite cannot compute itself.
    private static func fillKeys(of table: EntityTable, in database: Database) throws {
        let rows = try database.prepare("SELECT rowid, \(table.columns[0]) FROM \(table.name)", cached: false)
        var keys: [(Int64, Int64)] = []
        while try rows.step() {
            keys.append((rows.int64(at: 0), RecordKey.of(rows.string(at: 1) ?? "")))
        }
        let update = try database.prepare("UPDATE \(table.name) SET key = ?2 WHERE rowid = ?1")
        for (rowid, key) in keys {
            try update.bind(rowid, at: 1)
            try update.bind(key, at: 2)
            try update.run()
        }
    }

    /// Adds what applications need: a number per app, the app view tables, the runs that materialize them,
    /// the delivery log and the disclosure audit.
    private static func addAppViews(_ database: Database) throws {
        try database.execute(
            """
            CREATE TABLE apps (number INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
            CREATE TABLE app_runs (
                id INTEGER PRIMARY KEY,
                app TEXT NOT NULL,
                district TEXT NOT NULL,
                base_run INTEGER NOT NULL,
                mapping TEXT NOT NULL,
                started_at TEXT NOT NULL,
                ended_at TEXT,
                state TEXT NOT NULL,
                counts TEXT,
                whole TEXT,
                errors TEXT
            );
            CREATE INDEX app_runs_app ON app_runs (app, district, id);
            CREATE TABLE app_deliveries (
                id INTEGER PRIMARY KEY,
                app TEXT NOT NULL,
                district TEXT NOT NULL,
                export TEXT NOT NULL,
                app_run INTEGER NOT NULL,
                since_run INTEGER,
                kind TEXT NOT NULL,
                version TEXT NOT NULL,
                destination TEXT NOT NULL,
                file TEXT,
                bytes INTEGER,
                state TEXT NOT NULL,
                attempts TEXT,
                message TEXT,
                started_at TEXT NOT NULL,
                ended_at TEXT
            );
            CREATE INDEX app_deliveries_app ON app_deliveries (app, district, export, id);
            CREATE TABLE app_disclosures (
                id INTEGER PRIMARY KEY,
                app TEXT NOT NULL,
                district TEXT NOT NULL,
                app_run INTEGER NOT NULL,
                channel TEXT NOT NULL,
                delivery INTEGER,
                entity TEXT NOT NULL,
                fields TEXT NOT NULL,
                records INTEGER NOT NULL,
                disclosed_at TEXT NOT NULL
            );
            CREATE INDEX app_disclosures_app ON app_disclosures (app, id);
            """)
        for entity in Entity.allCases {
            try database.execute(AppViewTable.of(entity).createTable)
        }
    }

    /// Adds the OpenID provider's RSA signing keys, so that a restart or a second replica signs with the same keys.
    /// `pem` contains the unencrypted private key, so the store file must be readable by the service account only.
    private static func addSigningKeys(_ database: Database) throws {
        try database.execute(
            """
            CREATE TABLE sso_signing_keys (
                kid TEXT PRIMARY KEY,
                pem TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('next', 'current', 'retired')),
                created_at TEXT NOT NULL,
                activates_at TEXT NOT NULL,
                retires_at TEXT
            );
            """)
    }

    /// Adds the links from upstream sign-in accounts to roster users, and the user indexes that sign-in lookups use.
    ///
    /// A link is unique per upstream account (namespace, subject) and per provider and roster user, both within
    /// a district, so two concurrent first logins cannot store two links. The user indexes are partial: they
    /// leave out tombstones (`status` 'tobedeleted'), which sign-in never matches, and a query uses them only
    /// when its WHERE clause repeats that condition. SQLite's built-in `lower()` folds ASCII letters only.
    private static func addAccountLinks(_ database: Database) throws {
        try database.execute(
            """
            CREATE TABLE sso_links (
                district TEXT NOT NULL,
                provider TEXT NOT NULL,
                namespace TEXT NOT NULL,
                subject TEXT NOT NULL,
                user_sourced_id TEXT NOT NULL,
                created_at TEXT NOT NULL,
                last_used_at TEXT,
                UNIQUE (district, namespace, subject),
                UNIQUE (district, provider, user_sourced_id)
            );
            CREATE INDEX sso_links_user ON sso_links (district, user_sourced_id);
            """)
        // The sign-in lookup indexes of the users table are made on demand by `ensureSignInIndexes()`, so that a
        // store without single sign-on never maintains them.
    }

    /// Adds the OpenID provider's refresh tokens, so they outlive a restart and every replica on the file accepts
    /// them.
    ///
    /// A row is keyed by the SHA-256 of the token, never the token. `expires_at` is the family's absolute expiry
    /// in seconds since 1970. The family index serves revocation and the revoked-family check on insert, and the
    /// expiry index serves the sweep.
    private static func addRefreshTokens(_ database: Database) throws {
        try database.execute(
            """
            CREATE TABLE sso_refresh_tokens (
                token_hash BLOB PRIMARY KEY CHECK (length(token_hash) = 32),
                family INTEGER NOT NULL,
                client_id TEXT NOT NULL,
                user_sourced_id TEXT NOT NULL,
                district TEXT NOT NULL,
                claims TEXT NOT NULL,
                auth_time INTEGER NOT NULL,
                scopes TEXT NOT NULL,
                expires_at REAL NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('current', 'used', 'revoked'))
            ) WITHOUT ROWID;
            CREATE INDEX sso_refresh_tokens_family ON sso_refresh_tokens (family, state);
            CREATE INDEX sso_refresh_tokens_expiry ON sso_refresh_tokens (expires_at);
            """)
    }
}
