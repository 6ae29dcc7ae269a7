import Synchronization

/// The client, user, scopes and token family behind an authorization code, access token or refresh token.
struct Grant: Sendable {
    let clientID: String
    let user: SignedInUser
    let scopes: Set<String>
    /// The token family: every token issued from one code, through any number of refresh rotations.
    let family: UInt64
}

struct CodeRecord: Sendable {
    let grant: Grant
    let redirectURI: String
    let codeChallenge: String?
    let nonce: String?
    let expiresAt: Double
    var isRedeemed = false
}

struct RefreshRecord: Sendable {
    let grant: Grant
    /// The family's absolute expiry: rotation hands it on unchanged, so a refresh chain cannot live forever.
    let expiresAt: Double
}

/// The outcome of presenting an authorization code or a refresh token.
enum Redemption<Record> {
    case unknown
    case expired
    /// A code or refresh token that was already used. Its whole family has just been revoked.
    case reused
    case valid(Record)
}

/// Authorization codes, access tokens and refresh tokens, each found by the SHA-256 of its value.
///
/// Refresh tokens live in a `RefreshTokenArchive`, which may be a store shared by replicas. Codes and access
/// tokens stay in memory behind one lock, so a restart drops them: a code lives 60 s at most, and a client whose
/// access token stops working refreshes it. Expired entries are swept at most once a minute of clock time, the
/// archive at most once every `archiveSweepInterval`, and `maximumCodes` caps the codes waiting to be redeemed.
/// NOTE: live access tokens, and refresh tokens in the in-memory archive, have no count cap. Only their lifetimes
/// bound them.
/// NOTE: with replicas, a revocation ends the family's refresh tokens on every replica, but its access tokens only
/// on the replica that handled it. Elsewhere they stay valid for the rest of their lifetime.
final class GrantStore: Sendable {
    /// Seconds a redeemed or expired code is kept so a second use can still be detected.
    static let codeRetention: Double = 600
    /// Seconds between two deletions of expired refresh tokens from the archive.
    static let archiveSweepInterval: Double = 3600
    let maximumCodes: Int
    let archive: any RefreshTokenArchive
    private let table = Mutex(GrantTable())
    private let lastArchiveSweep = Mutex<Double>(0)

    init(maximumCodes: Int = 100_000, archive: (any RefreshTokenArchive)? = nil) {
        self.maximumCodes = maximumCodes
        self.archive = archive ?? MemoryRefreshTokenArchive()
    }

    static func key(_ value: String) -> TokenKey { TokenKey(Digest.sha256(Array(value.utf8))) }

    /// Starts a new token family with a random 64-bit id, so ids stay unique across restarts and replicas.
    func newFamily() -> UInt64 {
        SecureRandom.bytes(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Stores a code, or returns false when too many codes are waiting.
    func storeCode(_ code: String, _ record: CodeRecord, now: Double) -> Bool {
        let cap = maximumCodes
        return table.withLock { table in
            table.sweepIfDue(now: now)
            guard table.codes.count < cap else { return false }
            table.codes[Self.key(code)] = record
            return true
        }
    }

    /// Redeems a code once. A second use revokes every token issued from the first.
    func redeemCode(_ code: String, now: Double) throws -> Redemption<CodeRecord> {
        let key = Self.key(code)
        let outcome: Redemption<CodeRecord> = table.withLock { table in
            guard var record = table.codes[key] else { return .unknown }
            if record.isRedeemed {
                table.revokeFamily(record.grant.family)
                return .reused
            }
            record.isRedeemed = true
            table.codes[key] = record
            return record.expiresAt > now ? .valid(record) : .expired
        }
        if case .reused = outcome, let family = table.withLock({ $0.codes[key]?.grant.family }) {
            try archive.revokeFamily(family)
        }
        return outcome
    }

    /// Exchanges a refresh token once. A second use revokes its whole family.
    func redeemRefresh(_ token: String, now: Double) throws -> Redemption<RefreshRecord> {
        let digest = Digest.sha256(Array(token.utf8))
        switch try archive.redeem(tokenHash: digest, now: now) {
        case .unknown: return .unknown
        case .expired: return .expired
        case .reused(let family):
            // The archive has revoked the family's refresh tokens. Its access tokens in this process go too.
            table.withLock { $0.revokeFamily(family) }
            return .reused
        case .redeemed(let archived):
            let grant = Grant(
                clientID: archived.clientID, user: archived.user, scopes: archived.scopes, family: archived.family)
            return .valid(RefreshRecord(grant: grant, expiresAt: archived.expiresAt))
        }
    }

    /// Stores an access token and, when given, a refresh token, unless the family was revoked meanwhile.
    func storeTokens(
        access: String, grant: Grant, accessExpiresAt: Double, refresh: String?, refreshExpiresAt: Double, now: Double
    ) throws -> Bool {
        guard !table.withLock({ $0.revokedFamilies.contains(grant.family) }) else { return false }
        try sweepArchiveIfDue(now: now)
        if let refresh {
            let archived = ArchivedRefreshToken(
                tokenHash: Digest.sha256(Array(refresh.utf8)), family: grant.family, clientID: grant.clientID,
                user: grant.user, scopes: grant.scopes, expiresAt: refreshExpiresAt)
            guard try archive.insert(archived) else {
                table.withLock { $0.revokeFamily(grant.family) }
                return false
            }
        }
        let stored = table.withLock { table in
            table.sweepIfDue(now: now)
            guard !table.revokedFamilies.contains(grant.family) else { return false }
            let accessKey = Self.key(access)
            table.access[accessKey] = (grant, accessExpiresAt)
            table.members[grant.family, default: []].append(accessKey)
            return true
        }
        // A code reuse revoked the family while the refresh token was being stored, and may have revoked the
        // archive's copy before it existed.
        if !stored && refresh != nil { try archive.revokeFamily(grant.family) }
        return stored
    }

    /// Returns the grant of a live access token.
    func accessGrant(_ token: String, now: Double) -> Grant? {
        guard !token.isEmpty && token.utf8.count <= 512 else { return nil }
        let key = Self.key(token)
        return table.withLock { table in
            guard let entry = table.access[key], entry.expiresAt > now else { return nil }
            return entry.grant
        }
    }

    /// Revokes the family of an access or refresh token issued to `clientID`. Other tokens are left alone.
    func revoke(_ token: String, clientID: String) throws {
        guard !token.isEmpty && token.utf8.count <= 512 else { return }
        let digest = Digest.sha256(Array(token.utf8))
        let accessFamily: UInt64? = table.withLock { table in
            guard let grant = table.access[TokenKey(digest)]?.grant, grant.clientID == clientID else { return nil }
            table.revokeFamily(grant.family)
            return grant.family
        }
        if let accessFamily {
            try archive.revokeFamily(accessFamily)
        } else if let family = try archive.revokeFamily(ofTokenHash: digest, clientID: clientID) {
            table.withLock { $0.revokeFamily(family) }
        }
    }

    private func sweepArchiveIfDue(now: Double) throws {
        let isDue = lastArchiveSweep.withLock { last in
            guard now - last >= Self.archiveSweepInterval else { return false }
            last = now
            return true
        }
        if isDue { _ = try archive.deleteExpired(now: now) }
    }
}

private struct GrantTable: Sendable {
    var codes: [TokenKey: CodeRecord] = [:]
    var access: [TokenKey: (grant: Grant, expiresAt: Double)] = [:]
    /// The access token keys of each family, so revoking a family does not scan every token.
    var members: [UInt64: [TokenKey]] = [:]
    /// Families revoked while one of their codes may still be in flight.
    var revokedFamilies: Set<UInt64> = []
    var lastSweep: Double = 0

    mutating func revokeFamily(_ family: UInt64) {
        revokedFamilies.insert(family)
        for key in members.removeValue(forKey: family) ?? [] {
            access[key] = nil
        }
    }

    mutating func sweepIfDue(now: Double) {
        guard now - lastSweep >= 60 else { return }
        lastSweep = now
        codes = codes.filter { $0.value.expiresAt + GrantStore.codeRetention > now }
        access = access.filter { $0.value.expiresAt > now }
        members = members.compactMapValues { keys in
            let live = keys.filter { access[$0] != nil }
            return live.isEmpty ? nil : live
        }
        // A revoked family matters only while one of its codes can still be presented.
        let pending = Set(codes.values.map(\.grant.family))
        revokedFamilies = revokedFamilies.filter { pending.contains($0) }
    }
}
