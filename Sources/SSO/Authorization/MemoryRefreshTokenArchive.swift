import Synchronization

/// Refresh tokens in process memory, lost when the process ends. The authorization server uses it when it is
/// given no other archive. It keeps used and revoked tokens until their expiry, as the store does.
final class MemoryRefreshTokenArchive: RefreshTokenArchive {
    private let table = Mutex(MemoryRefreshTable())

    func insert(_ token: ArchivedRefreshToken) throws -> Bool {
        let key = TokenKey(token.tokenHash)
        return table.withLock { table in
            guard !table.isRevoked(token.family) else { return false }
            table.tokens[key] = (token, .current)
            table.members[token.family, default: []].append(key)
            return true
        }
    }

    func redeem(tokenHash: [UInt8], now: Double) throws -> RefreshTokenRedemption {
        let key = TokenKey(tokenHash)
        return table.withLock { table in
            guard let entry = table.tokens[key] else { return .unknown }
            switch entry.state {
            case .revoked: return .unknown
            case .used:
                table.revoke(entry.token.family)
                return .reused(family: entry.token.family)
            case .current:
                guard entry.token.expiresAt > now else { return .expired }
                table.tokens[key] = (entry.token, .used)
                return .redeemed(entry.token)
            }
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
            return before - table.tokens.count
        }
    }
}

private enum MemoryRefreshState: Sendable {
    case current
    case used
    case revoked
}

private struct MemoryRefreshTable: Sendable {
    var tokens: [TokenKey: (token: ArchivedRefreshToken, state: MemoryRefreshState)] = [:]
    /// The token keys of each family, so revoking a family does not scan every token.
    var members: [UInt64: [TokenKey]] = [:]

    /// Returns whether the family is revoked. Revoking marks every member, so checking the first is enough.
    func isRevoked(_ family: UInt64) -> Bool {
        guard let first = members[family]?.first else { return false }
        return tokens[first]?.state == .revoked
    }

    mutating func revoke(_ family: UInt64) {
        for key in members[family] ?? [] {
            if let entry = tokens[key] { tokens[key] = (entry.token, .revoked) }
        }
    }
}
