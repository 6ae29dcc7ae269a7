import Foundation

/// One stored signing key of the OpenID provider, as a row of the `sso_signing_keys` table.
///
/// The private key is kept as unencrypted PEM text. NOTE: the store creates its file with the process umask and
/// does not restrict it, so deployments must keep the store file and its `-wal` file at mode 0600.
public struct StoredSigningKey: Sendable, Equatable {
    /// The key id that tokens and the JWKS carry.
    public var kid: String
    /// The private key, PKCS#8 PEM.
    public var pem: String
    /// `next`, `current` or `retired`.
    public var state: String
    /// When the key was generated.
    public var createdAt: Date
    /// When the key starts, or started, to sign.
    public var activatesAt: Date
    /// The time the key stopped signing, or nil while it still signs or waits as next.
    public var retiresAt: Date?

    /// Creates a row value.
    public init(kid: String, pem: String, state: String, createdAt: Date, activatesAt: Date, retiresAt: Date?) {
        self.kid = kid
        self.pem = pem
        self.state = state
        self.createdAt = createdAt
        self.activatesAt = activatesAt
        self.retiresAt = retiresAt
    }
}

extension SnapshotStore {
    /// Returns every stored signing key, oldest activation first.
    public func signingKeys() throws -> [StoredSigningKey] {
        let statement = try database.prepare(
            "SELECT kid, pem, state, created_at, activates_at, retires_at FROM sso_signing_keys "
                + "ORDER BY activates_at, kid")
        defer { statement.reset() }
        var keys: [StoredSigningKey] = []
        while try statement.step() {
            keys.append(
                StoredSigningKey(
                    kid: statement.string(at: 0) ?? "", pem: statement.string(at: 1) ?? "",
                    state: statement.string(at: 2) ?? "",
                    createdAt: try Self.signingKeyDate(statement.string(at: 3), column: "created_at"),
                    activatesAt: try Self.signingKeyDate(statement.string(at: 4), column: "activates_at"),
                    retiresAt: statement.isNull(at: 5)
                        ? nil : try Self.signingKeyDate(statement.string(at: 5), column: "retires_at")))
        }
        return keys
    }

    /// Reads the signing keys, lets `body` change the list, and writes the changes, all in one IMMEDIATE
    /// transaction, so that two replicas rotating at once cannot both add keys.
    ///
    /// Keys that `body` removes from the list are deleted, and added or changed ones are written.
    public func updateSigningKeys<T>(_ body: (inout [StoredSigningKey]) throws -> T) throws -> T {
        try database.transaction {
            let before = try signingKeys()
            var keys = before
            let result = try body(&keys)
            let kept = Set(keys.map(\.kid))
            let delete = try database.prepare("DELETE FROM sso_signing_keys WHERE kid = ?1")
            for old in before where !kept.contains(old.kid) {
                try delete.bind(old.kid, at: 1)
                try delete.run()
            }
            let upsert = try database.prepare(
                """
                INSERT INTO sso_signing_keys (kid, pem, state, created_at, activates_at, retires_at)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                ON CONFLICT (kid) DO UPDATE SET pem = excluded.pem, state = excluded.state,
                    created_at = excluded.created_at, activates_at = excluded.activates_at,
                    retires_at = excluded.retires_at
                """)
            for key in keys where !before.contains(key) {
                try upsert.bind(key.kid, at: 1)
                try upsert.bind(key.pem, at: 2)
                try upsert.bind(key.state, at: 3)
                try upsert.bind(Self.timestamp(key.createdAt), at: 4)
                try upsert.bind(Self.timestamp(key.activatesAt), at: 5)
                try upsert.bind(key.retiresAt.map { Self.timestamp($0) }, at: 6)
                try upsert.run()
            }
            return result
        }
    }

    private static func signingKeyDate(_ text: String?, column: String) throws -> Date {
        guard let text, let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        else {
            throw StoreError.invalidStoredValue(
                text ?? "NULL", table: "sso_signing_keys", column: column,
                expected: "an ISO 8601 time in UTC with milliseconds")
        }
        return date
    }
}
