import SSO
import Scripting

/// The `sso` table of the `server` settings: the OpenID provider's issuer, lifetimes and key rotation.
public struct SSOSettings: Sendable, Equatable {
    /// The issuer identifier, the `iss` of every id_token. Nil means the service's public URL.
    public var issuer: String?
    /// Seconds an access token of the authorization code flow stays valid.
    public var accessTokenLifetime = 3600
    /// Seconds an id_token stays valid.
    public var idTokenLifetime = 300
    /// Seconds a refresh token stays valid after it was issued.
    public var refreshTokenLifetime = 30 * 86_400
    /// Seconds a sign-in session stays valid from sign-in, whatever the activity.
    public var sessionLifetime = 8 * 3600
    /// Seconds a sign-in session may stay unused before it ends.
    public var sessionIdleTimeout = 3600
    /// Days a signing key signs before the next one takes over.
    public var keyRotationDays = 30

    public init() {}

    /// The authorization server's lifetimes.
    var policy: AuthorizationPolicy {
        var policy = AuthorizationPolicy()
        policy.accessTokenLifetime = accessTokenLifetime
        policy.idTokenLifetime = idTokenLifetime
        policy.refreshTokenLifetime = refreshTokenLifetime
        return policy
    }

    /// The key rotation schedule: a key is published a day before it signs and stays published as long as the
    /// longest token it signed can live.
    var keyPolicy: SigningKeyPolicy {
        SigningKeyPolicy(
            rotationInterval: Double(keyRotationDays) * 86_400, publishAhead: 86_400,
            maxTokenLifetime: Double(max(accessTokenLifetime, idTokenLifetime)))
    }
}

extension Config {
    static let ssoSettingKeys = [
        "issuer", "access_token_lifetime", "id_token_lifetime", "refresh_token_lifetime", "session_lifetime",
        "session_idle_timeout", "key_rotation_days",
    ]

    /// Reads the `sso` table of `server`.
    static func parseSSOSettings(_ value: LuaValue?, path: String) throws -> SSOSettings {
        var settings = SSOSettings()
        guard let value else { return settings }
        let fail = { (message: String) in ConfigError(file: path, message: "server.sso: \(message)") }
        guard case .map(let entries) = value else { throw fail("must be a table") }
        for key in entries.keys {
            guard case .string(let name) = key, ssoSettingKeys.contains(name) else {
                throw fail("unknown key \(describe(key))\(suggestion(for: key, among: ssoSettingKeys))")
            }
        }
        if let issuer = value["issuer"] {
            guard let text = issuer.stringValue else { throw fail("'issuer' must be a string") }
            do {
                settings.issuer = try OpenIDDiscovery(issuer: text).issuer
            } catch {
                throw fail("\(error)")
            }
        }
        let lifetimes: [(String, WritableKeyPath<SSOSettings, Int>, ClosedRange<Int>)] = [
            ("access_token_lifetime", \.accessTokenLifetime, 60...86_400),
            ("id_token_lifetime", \.idTokenLifetime, 60...86_400),
            ("refresh_token_lifetime", \.refreshTokenLifetime, 60...(365 * 86_400)),
            ("session_lifetime", \.sessionLifetime, 60...(30 * 86_400)),
            ("session_idle_timeout", \.sessionIdleTimeout, 60...(30 * 86_400)),
            ("key_rotation_days", \.keyRotationDays, 2...365),
        ]
        for (name, path, range) in lifetimes {
            if let number = try whole(value[name], name: name, range: range, fail: fail) {
                settings[keyPath: path] = number
            }
        }
        return settings
    }
}
