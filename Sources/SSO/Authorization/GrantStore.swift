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
    /// False once the token was exchanged, so presenting it again is reuse.
    var isCurrent = true
}

/// The outcome of presenting an authorization code or a refresh token.
enum Redemption<Record> {
    case unknown
    case expired
    /// A code or refresh token that was already used. Its whole family has just been revoked.
    case reused
    case valid(Record)
}

/// Authorization codes and tokens in memory, stored by the SHA-256 of their value, behind one lock.
///
/// Expired entries are swept at most once a minute of clock time, and `maximumCodes` caps the codes waiting to
/// be redeemed.
/// NOTE: live access and refresh tokens have no count cap. Only their lifetimes bound them.
final class GrantStore: Sendable {
    /// Seconds a redeemed or expired code is kept so a second use can still be detected.
    static let codeRetention: Double = 600
    let maximumCodes: Int
    private let table = Mutex(GrantTable())

    init(maximumCodes: Int = 100_000) {
        self.maximumCodes = maximumCodes
    }

    static func key(_ value: String) -> TokenKey { TokenKey(Digest.sha256(Array(value.utf8))) }

    /// Starts a new token family.
    func newFamily() -> UInt64 {
        table.withLock { table in
            table.nextFamily += 1
            return table.nextFamily
        }
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
    func redeemCode(_ code: String, now: Double) -> Redemption<CodeRecord> {
        let key = Self.key(code)
        return table.withLock { table in
            guard var record = table.codes[key] else { return .unknown }
            if record.isRedeemed {
                table.revokeFamily(record.grant.family)
                return .reused
            }
            record.isRedeemed = true
            table.codes[key] = record
            return record.expiresAt > now ? .valid(record) : .expired
        }
    }

    /// Exchanges a refresh token once. A second use revokes its whole family.
    func redeemRefresh(_ token: String, now: Double) -> Redemption<RefreshRecord> {
        let key = Self.key(token)
        return table.withLock { table in
            guard var record = table.refresh[key] else { return .unknown }
            guard record.isCurrent else {
                table.revokeFamily(record.grant.family)
                return .reused
            }
            guard record.expiresAt > now else { return .expired }
            record.isCurrent = false
            table.refresh[key] = record
            return .valid(record)
        }
    }

    /// Stores an access token and, when given, a refresh token, unless the family was revoked meanwhile.
    func storeTokens(
        access: String, grant: Grant, accessExpiresAt: Double, refresh: String?, refreshExpiresAt: Double, now: Double
    ) -> Bool {
        table.withLock { table in
            table.sweepIfDue(now: now)
            guard !table.revokedFamilies.contains(grant.family) else { return false }
            let accessKey = Self.key(access)
            table.access[accessKey] = (grant, accessExpiresAt)
            table.members[grant.family, default: []].append(accessKey)
            if let refresh {
                let refreshKey = Self.key(refresh)
                table.refresh[refreshKey] = RefreshRecord(grant: grant, expiresAt: refreshExpiresAt)
                table.members[grant.family, default: []].append(refreshKey)
            }
            return true
        }
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
    func revoke(_ token: String, clientID: String) {
        guard !token.isEmpty && token.utf8.count <= 512 else { return }
        let key = Self.key(token)
        table.withLock { table in
            let grant = table.access[key]?.grant ?? table.refresh[key]?.grant
            guard let grant, grant.clientID == clientID else { return }
            table.revokeFamily(grant.family)
        }
    }

    /// The number of live access and refresh tokens, for tests.
    var tokenCount: Int { table.withLock { $0.access.count + $0.refresh.count } }
}

private struct GrantTable: Sendable {
    var codes: [TokenKey: CodeRecord] = [:]
    var access: [TokenKey: (grant: Grant, expiresAt: Double)] = [:]
    var refresh: [TokenKey: RefreshRecord] = [:]
    /// The token keys of each family, so revoking a family does not scan every token.
    var members: [UInt64: [TokenKey]] = [:]
    /// Families revoked while one of their codes may still be in flight.
    var revokedFamilies: Set<UInt64> = []
    var nextFamily: UInt64 = 0
    var lastSweep: Double = 0

    mutating func revokeFamily(_ family: UInt64) {
        revokedFamilies.insert(family)
        for key in members.removeValue(forKey: family) ?? [] {
            access[key] = nil
            refresh[key] = nil
        }
    }

    mutating func sweepIfDue(now: Double) {
        guard now - lastSweep >= 60 else { return }
        lastSweep = now
        codes = codes.filter { $0.value.expiresAt + GrantStore.codeRetention > now }
        access = access.filter { $0.value.expiresAt > now }
        refresh = refresh.filter { $0.value.expiresAt > now }
        members = members.compactMapValues { keys in
            let live = keys.filter { access[$0] != nil || refresh[$0] != nil }
            return live.isEmpty ? nil : live
        }
        // A revoked family matters only while one of its codes can still be presented.
        let pending = Set(codes.values.map(\.grant.family))
        revokedFamilies = revokedFamilies.filter { pending.contains($0) }
    }
}
