import Synchronization

/// Refresh tokens in process memory, lost when the process ends. The authorization server uses it when it is
/// given no other archive.
final class MemoryRefreshTokenArchive: RefreshTokenArchive {
    private let table = Mutex(MemoryRefreshTable())

    func insert(_ token: ArchivedRefreshToken) throws -> Bool {
        let key = TokenKey(token.tokenHash)
        return table.withLock { table in
            guard table.revokedFamilies[token.family] == nil else { return false }
            table.tokens[key] = (token, isCurrent: true)
            table.members[token.family, default: []].append(key)
            return true
        }
    }

    func redeem(tokenHash: [UInt8], now: Double) throws -> RefreshTokenRedemption {
        let key = TokenKey(tokenHash)
        return table.withLock { table in
            guard let entry = table.tokens[key] else { return .unknown }
            guard entry.isCurrent else {
                table.revoke(entry.token.family)
                return .reused(family: entry.token.family)
            }
            guard entry.token.expiresAt > now else { return .expired }
            table.tokens[key] = (entry.token, isCurrent: false)
            return .redeemed(entry.token)
        }
    }

    func revokeFamily(_ family: UInt64) throws {
        table.withLock { $0.revoke(family) }
    }

    func revokeFamily(ofTokenHash tokenHash: [UInt8], clientID: String) throws -> UInt64? {
        let key = TokenKey(tokenHash)
        return table.withLock { table in
            guard let token = table.tokens[key]?.token, token.clientID == clientID else { return nil }
            table.revoke(token.family)
            return token.family
        }
    }

    func deleteExpired(now: Double) throws -> Int {
        table.withLock { table in
            let before = table.tokens.count
            table.tokens = table.tokens.filter { $0.value.token.expiresAt > now }
            let tokens = table.tokens
            table.members = table.members.compactMapValues { keys in
                let live = keys.filter { tokens[$0] != nil }
                return live.isEmpty ? nil : live
            }
            table.revokedFamilies = table.revokedFamilies.filter { $0.value > now }
            return before - table.tokens.count
        }
    }
}

private struct MemoryRefreshTable: Sendable {
    var tokens: [TokenKey: (token: ArchivedRefreshToken, isCurrent: Bool)] = [:]
    /// The token keys of each family, so revoking a family does not scan every token.
    var members: [UInt64: [TokenKey]] = [:]
    /// The expiry of each family revoked while it had tokens. Its tokens share that expiry, so the family can be
    /// forgotten once it passes.
    var revokedFamilies: [UInt64: Double] = [:]

    /// Deletes the family's tokens, so presenting one later is `.unknown`, and blocks new ones.
    mutating func revoke(_ family: UInt64) {
        guard let keys = members.removeValue(forKey: family) else { return }
        for key in keys {
            if let entry = tokens.removeValue(forKey: key) {
                revokedFamilies[family] = max(revokedFamilies[family] ?? 0, entry.token.expiresAt)
            }
        }
    }
}
