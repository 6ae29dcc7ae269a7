import Foundation

/// The life stage of a stored refresh token.
public enum StoredRefreshTokenState: String, Sendable {
    /// Issued and not yet exchanged.
    case current
    /// Exchanged once, so presenting it again is reuse.
    case used
    /// Revoked with its whole family.
    case revoked
}

/// One refresh token of the OpenID provider, as a row of the `sso_refresh_tokens` table.
public struct StoredRefreshToken: Sendable, Equatable {
    /// The SHA-256 digest of the token, 32 bytes. The token itself is never stored.
    public var tokenHash: Data
    /// The token family: every token issued from one authorization code, through any number of rotations.
    public var family: UInt64
    /// The id of the SSO client the token was issued to.
    public var clientID: String
    /// The signed-in user's `sourcedId`.
    public var userSourcedId: String
    /// The user's district.
    public var district: String
    /// The user's claims as one JSON object, in the encoding the SSO module chose.
    public var claimsJSON: String
    /// The time the user authenticated, in seconds since 1970.
    public var authTime: Int64
    /// The granted scopes, separated by single spaces.
    public var scopes: String
    /// The family's absolute expiry, in seconds since 1970.
    public var expiresAt: Double
    /// Whether the token is current, used or revoked.
    public var state: StoredRefreshTokenState

    /// Creates a row value.
    public init(
        tokenHash: Data, family: UInt64, clientID: String, userSourcedId: String, district: String,
        claimsJSON: String, authTime: Int64, scopes: String, expiresAt: Double,
        state: StoredRefreshTokenState = .current
    ) {
        self.tokenHash = tokenHash
        self.family = family
        self.clientID = clientID
        self.userSourcedId = userSourcedId
        self.district = district
        self.claimsJSON = claimsJSON
        self.authTime = authTime
        self.scopes = scopes
        self.expiresAt = expiresAt
        self.state = state
    }
}

/// The outcome of presenting a refresh token to `redeemSSORefreshToken(hash:now:)`.
public enum StoredRefreshTokenRedemption: Sendable, Equatable {
    /// No row has the hash.
    case unknown
    /// The token's family was revoked earlier.
    case revoked
    /// The token is current but its family's expiry has passed.
    case expired
    /// The token was already used. Its whole family, `family`, has just been revoked.
    case reused(family: UInt64)
    /// The token was current and is now marked used. The value is the row as it was before.
    case redeemed(StoredRefreshToken)
}

extension SnapshotStore {
    private static let refreshTokenColumns =
        "token_hash, family, client_id, user_sourced_id, district, claims, auth_time, scopes, expires_at, state"

    /// Returns the refresh token row with SHA-256 digest `hash`, or nil.
    public func ssoRefreshToken(hash: Data) throws -> StoredRefreshToken? {
        let statement = try database.prepare(
            "SELECT \(Self.refreshTokenColumns) FROM sso_refresh_tokens WHERE token_hash = ?1")
        defer { statement.reset() }
        try statement.bind(hash, at: 1)
        return try statement.step() ? try Self.refreshToken(from: statement) : nil
    }

    /// Stores a new refresh token row, unless a token of its family is revoked. Returns whether it was stored.
    ///
    /// The check and the insert are one statement, so a revocation by another connection either comes first and
    /// blocks the insert or comes after and revokes the new row too.
    public func insertSSORefreshToken(_ token: StoredRefreshToken) throws -> Bool {
        let insert = try database.prepare(
            """
            INSERT INTO sso_refresh_tokens (\(Self.refreshTokenColumns))
            SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10
            WHERE NOT EXISTS (SELECT 1 FROM sso_refresh_tokens WHERE family = ?2 AND state = 'revoked')
            """)
        try insert.bind(token.tokenHash, at: 1)
        try insert.bind(Int64(bitPattern: token.family), at: 2)
        try insert.bind(token.clientID, at: 3)
        try insert.bind(token.userSourcedId, at: 4)
        try insert.bind(token.district, at: 5)
        try insert.bind(token.claimsJSON, at: 6)
        try insert.bind(token.authTime, at: 7)
        try insert.bind(token.scopes, at: 8)
        try insert.bind(token.expiresAt, at: 9)
        try insert.bind(token.state.rawValue, at: 10)
        try insert.run()
        return database.changes == 1
    }

    /// Exchanges the refresh token with SHA-256 digest `hash` once: marks it used when it is current and its
    /// expiry is after `now` (seconds since 1970).
    ///
    /// The decision and the mark are one UPDATE, so of two connections that present the same token only one gets
    /// `.redeemed`. The other gets `.reused`, and its call revokes the whole family.
    public func redeemSSORefreshToken(hash: Data, now: Double) throws -> StoredRefreshTokenRedemption {
        let update = try database.prepare(
            """
            UPDATE sso_refresh_tokens SET state = 'used'
            WHERE token_hash = ?1 AND state = 'current' AND expires_at > ?2
            RETURNING \(Self.refreshTokenColumns)
            """)
        defer { update.reset() }
        try update.bind(hash, at: 1)
        try update.bind(now, at: 2)
        var redeemed: StoredRefreshToken?
        while try update.step() {
            redeemed = try Self.refreshToken(from: update)
        }
        if var redeemed {
            redeemed.state = .current
            return .redeemed(redeemed)
        }

        // The UPDATE matched nothing, so the row is missing, already used or revoked, or expired.
        guard let row = try ssoRefreshToken(hash: hash) else { return .unknown }
        switch row.state {
        case .revoked: return .revoked
        case .current: return .expired
        case .used:
            try revokeSSORefreshTokenFamily(row.family)
            return .reused(family: row.family)
        }
    }

    /// Marks every refresh token of `family` revoked and returns how many rows changed.
    @discardableResult
    public func revokeSSORefreshTokenFamily(_ family: UInt64) throws -> Int {
        let update = try database.prepare(
            "UPDATE sso_refresh_tokens SET state = 'revoked' WHERE family = ?1 AND state <> 'revoked'")
        try update.bind(Int64(bitPattern: family), at: 1)
        try update.run()
        return database.changes
    }

    /// Deletes the refresh tokens whose expiry is at or before `now` (seconds since 1970) and returns how many.
    ///
    /// Rotation keeps a family's expiry, so this deletes whole families, and no revoked mark outlives tokens that
    /// could still be presented.
    @discardableResult
    public func deleteExpiredSSORefreshTokens(now: Double) throws -> Int {
        let delete = try database.prepare("DELETE FROM sso_refresh_tokens WHERE expires_at <= ?1")
        try delete.bind(now, at: 1)
        try delete.run()
        return database.changes
    }

    private static func refreshToken(from statement: Statement) throws -> StoredRefreshToken {
        let stateText = statement.string(at: 9) ?? "NULL"
        guard let state = StoredRefreshTokenState(rawValue: stateText) else {
            throw StoreError.invalidStoredValue(
                stateText, table: "sso_refresh_tokens", column: "state", expected: "current, used or revoked")
        }
        return StoredRefreshToken(
            tokenHash: statement.data(at: 0) ?? Data(), family: UInt64(bitPattern: statement.int64(at: 1)),
            clientID: statement.string(at: 2) ?? "", userSourcedId: statement.string(at: 3) ?? "",
            district: statement.string(at: 4) ?? "", claimsJSON: statement.string(at: 5) ?? "{}",
            authTime: statement.int64(at: 6), scopes: statement.string(at: 7) ?? "",
            expiresAt: statement.double(at: 8), state: state)
    }
}
