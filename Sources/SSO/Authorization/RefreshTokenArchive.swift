/// A refresh token as an archive keeps it: the SHA-256 of its value, never the value, with its grant.
public struct ArchivedRefreshToken: Sendable {
    /// The SHA-256 digest of the token, 32 bytes.
    public let tokenHash: [UInt8]
    /// The token family: every token issued from one authorization code, through any number of rotations.
    public let family: UInt64
    /// The id of the SSO client the token was issued to.
    public let clientID: String
    /// The signed-in user with the claims the client's app may see.
    public let user: SignedInUser
    /// The granted scopes.
    public let scopes: Set<String>
    /// The family's absolute expiry in seconds since 1970. Rotation hands it on unchanged.
    public let expiresAt: Double

    /// Creates an archived token.
    public init(
        tokenHash: [UInt8], family: UInt64, clientID: String, user: SignedInUser, scopes: Set<String>,
        expiresAt: Double
    ) {
        self.tokenHash = tokenHash
        self.family = family
        self.clientID = clientID
        self.user = user
        self.scopes = scopes
        self.expiresAt = expiresAt
    }
}

/// The outcome of presenting a refresh token to an archive.
public enum RefreshTokenRedemption: Sendable {
    /// No token has the hash, or its family was revoked.
    case unknown
    /// The token is current but its family's expiry has passed.
    case expired
    /// The token was already used. Its whole family, `family`, has just been revoked.
    case reused(family: UInt64)
    /// The token was current and is now used, so this caller may issue the next one.
    case redeemed(ArchivedRefreshToken)
}

/// The storage of the authorization server's refresh tokens.
///
/// Implementations must decide and mark a redemption in one atomic step: of two callers that present the same
/// current token, in one process or in two, exactly one gets `.redeemed`, and the other gets `.reused`, which
/// revokes the family. Methods may block on I/O, so call them off Swift's cooperative pool.
public protocol RefreshTokenArchive: Sendable {
    /// Stores a new current token. Returns false, and stores nothing, when its family is revoked.
    func insert(_ token: ArchivedRefreshToken) throws -> Bool

    /// Exchanges the token with SHA-256 digest `tokenHash` once, at `now` in seconds since 1970.
    func redeem(tokenHash: [UInt8], now: Double) throws -> RefreshTokenRedemption

    /// Revokes every token of `family`.
    func revokeFamily(_ family: UInt64) throws

    /// Revokes the family of the token with digest `tokenHash` when it was issued to `clientID`, and returns that
    /// family, or nil when no token of that client has the digest.
    func revokeFamily(ofTokenHash tokenHash: [UInt8], clientID: String) throws -> UInt64?

    /// Deletes the tokens whose family expired at or before `now` and returns how many.
    func deleteExpired(now: Double) throws -> Int
}
