import Foundation
import Store

/// Refresh tokens in the `sso_refresh_tokens` table of the snapshot store, so they survive a restart and every
/// replica that opens the same store file accepts them.
///
/// All callers share one connection. The store decides and marks each redemption in one UPDATE, so two
/// connections presenting the same token cannot both win.
public final class StoreRefreshTokenArchive: RefreshTokenArchive {
    private let connection: SharedStoreConnection

    /// Opens the store file at `path` with one connection that all callers share.
    ///
    /// The first `SnapshotStore` a process opens takes the store's owner lock, so open the service's own store
    /// before this one.
    public init(path: String) throws {
        connection = try SharedStoreConnection(path: path)
    }

    public func insert(_ token: ArchivedRefreshToken) throws -> Bool {
        let row = StoredRefreshToken(
            tokenHash: Data(token.tokenHash), family: token.family, clientID: token.clientID,
            userSourcedId: token.user.sourcedId, district: token.user.district,
            claimsJSON: ClaimsJSON.encode(token.user.claims), authTime: Int64(token.user.authTime),
            scopes: token.scopes.sorted().joined(separator: " "), expiresAt: token.expiresAt)
        return try connection.withStore { try $0.insertSSORefreshToken(row) }
    }

    public func redeem(tokenHash: [UInt8], now: Double) throws -> RefreshTokenRedemption {
        let outcome = try connection.withStore { try $0.redeemSSORefreshToken(hash: Data(tokenHash), now: now) }
        switch outcome {
        case .unknown, .revoked: return .unknown
        case .expired: return .expired
        case .reused(let family): return .reused(family: family)
        case .redeemed(let row): return .redeemed(try Self.token(from: row))
        }
    }

    public func revokeFamily(_ family: UInt64) throws {
        try connection.withStore { _ = try $0.revokeSSORefreshTokenFamily(family) }
    }

    public func revokeFamily(ofTokenHash tokenHash: [UInt8], clientID: String) throws -> UInt64? {
        try connection.withStore { store in
            guard let row = try store.ssoRefreshToken(hash: Data(tokenHash)), row.clientID == clientID else {
                return nil
            }
            try store.revokeSSORefreshTokenFamily(row.family)
            return row.family
        }
    }

    public func deleteExpired(now: Double) throws -> Int {
        try connection.withStore { try $0.deleteExpiredSSORefreshTokens(now: now) }
    }

    private static func token(from row: StoredRefreshToken) throws -> ArchivedRefreshToken {
        guard let claims = ClaimsJSON.decode(row.claimsJSON) else {
            throw RefreshTokenArchiveError.invalidClaims(family: row.family)
        }
        let user = SignedInUser(
            sourcedId: row.userSourcedId, district: row.district, claims: claims, authTime: Int(row.authTime))
        return ArchivedRefreshToken(
            tokenHash: Array(row.tokenHash), family: row.family, clientID: row.clientID, user: user,
            scopes: Set(row.scopes.split(separator: " ").map(String.init)), expiresAt: row.expiresAt)
    }
}

/// A stored refresh token that cannot be read back.
public struct RefreshTokenArchiveError: Error, Sendable, CustomStringConvertible {
    private enum Kind: Sendable {
        case invalidClaims
    }

    private let kind: Kind
    /// The readable explanation.
    public let description: String

    /// A short stable code: `sso.invalid_stored_claims`.
    public var code: String {
        switch kind {
        case .invalidClaims: return "sso.invalid_stored_claims"
        }
    }

    static func invalidClaims(family: UInt64) -> RefreshTokenArchiveError {
        RefreshTokenArchiveError(
            kind: .invalidClaims,
            description: "Stored claims of refresh token family '\(family)' in sso_refresh_tokens.claims are not a "
                + "JSON object of strings, integers, booleans and string arrays; the file was changed outside "
                + "Rollbook or is damaged, and the user must sign in again")
    }
}

/// The JSON encoding of a user's claims in the store.
enum ClaimsJSON {
    /// Encodes the claims as one JSON object, in name order.
    static func encode(_ claims: [String: ClaimValue]) -> String {
        var writer = JSONObjectWriter()
        for name in claims.keys.sorted() {
            if let value = claims[name] { writer.add(name, claim: value) }
        }
        return writer.text
    }

    /// Decodes what `encode` wrote, or returns nil when `text` is not such an object.
    static func decode(_ text: String) -> [String: ClaimValue]? {
        guard let members = JSONValue.parse(Array(text.utf8))?.objectValue else { return nil }
        var claims: [String: ClaimValue] = [:]
        for (name, value) in members {
            switch value {
            case .string(let string): claims[name] = .string(string)
            case .bool(let flag): claims[name] = .boolean(flag)
            case .number(let number):
                guard let integer = Int(exactly: number) else { return nil }
                claims[name] = .integer(integer)
            case .array(let elements):
                let strings = elements.compactMap(\.stringValue)
                guard strings.count == elements.count else { return nil }
                claims[name] = .strings(strings)
            case .null, .object: return nil
            }
        }
        return claims
    }
}
