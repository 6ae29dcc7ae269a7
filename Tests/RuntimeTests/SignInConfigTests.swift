import Foundation
import SSO
import Testing

@testable import Runtime

/// The sign-in parts of config.lua: `server.sso`, each app's `sso.clients` and each district's `identity`.
struct SignInConfigTests {
    private static let hash = "pbkdf2-sha256$600000$DISmS3ib6Be99Ca3GHHNkw$z8ZTQil1teuh5knv9D0BzD2ZoXqCPxh1z/HlOY/STN4"

    private func load(server: String = "{}", sso: String = "nil", identity: String = "nil") throws -> Config {
        let directory = try TemporaryDirectory()
        let path = directory.file("config.lua")
        try """
        store = "\(directory.file("rollbook.sqlite"))"
        districts = { { id = "d", name = "Maple", connector = "oneroster_csv", settings = { path = "x" },
            identity = \(identity) } }
        server = \(server)
        apps = { { id = "vendor", districts = { "d" }, mapping = "m", sso = \(sso) } }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return try Config.load(path: path)
    }

    private func message(_ body: () throws -> Config) -> String? {
        do {
            _ = try body()
            return nil
        } catch {
            return (error as? ConfigError)?.message
        }
    }

    @Test func ssoSettingsDefaultsAndBounds() throws {
        let defaults = try load().server.sso
        #expect(defaults.issuer == nil)
        #expect(defaults.idTokenLifetime == 300)
        #expect(defaults.sessionLifetime == 8 * 3600)
        let set = try load(server: #"{ sso = { issuer = "https://sso.example.org/", id_token_lifetime = 600 } }"#)
        #expect(set.server.sso.issuer == "https://sso.example.org")
        #expect(set.server.sso.idTokenLifetime == 600)
        #expect(set.server.sso.keyPolicy.maxTokenLifetime == 3600)
        #expect(
            message { try load(server: #"{ sso = { issuer = "http://sso.example.org" } }"#) }?
                .contains("server.sso: Issuer 'http://sso.example.org' is invalid") == true)
        #expect(
            message { try load(server: "{ sso = { key_rotation_days = 1 } }") }
                == "server.sso: 'key_rotation_days' must be a whole number from 2 to 365")
        #expect(
            message { try load(server: "{ sso = { session_lifetme = 60 } }") }
                == "server.sso: unknown key 'session_lifetme'; did you mean 'session_lifetime'?")
    }

    @Test func clientsParsed() throws {
        let config = try load(
            sso: """
                { clients = {
                    { id = "web", secret_hash = "\(Self.hash)", redirect_uris = { "https://app.example.com/cb" },
                      scopes = { "openid", "roster", "offline_access" }, require_pkce = false,
                      launch_url = "https://app.example.com/login" },
                    { id = "mobile", redirect_uris = { "http://127.0.0.1:7000/cb" } },
                } }
                """)
        let clients = config.apps[0].ssoClients
        #expect(clients.map(\.id) == ["web", "mobile"])
        let web = try clients[0].ssoClient()
        #expect(!web.isPublic)
        #expect(!web.requiresPKCE)
        #expect(web.allowedScopes == ["openid", "roster", "offline_access"])
        #expect(web.app == "vendor")
        #expect(clients[0].launchURL == "https://app.example.com/login")
        let mobile = try clients[1].ssoClient()
        #expect(mobile.isPublic)
        #expect(mobile.requiresPKCE)
        #expect(mobile.allowedScopes == Set(SSOClientConfig.defaultScopes))
    }

    @Test func clientErrorsNamed() {
        #expect(
            message { try load(sso: #"{ clients = { { id = "web" } } }"#) }
                == "apps[1].sso: clients[1]: missing required key 'redirect_uris' (such as "
                + "{ \"https://app.example.com/callback\" })")
        #expect(
            message {
                try load(
                    sso: #"{ clients = { { id = "web", redirect_uris = { "https://a/cb" }, scopes = { "admin" } } } }"#)
            }
                == "apps[1].sso: clients[1]: 'scopes' names 'admin'; expected some of email, offline_access, openid, "
                + "profile, roster")
        #expect(
            message { try load(sso: #"{ clients = { { id = "web", redirect_uris = { "https://a/cb#x" } } } }"#) }?
                .hasPrefix("apps[1].sso: clients[1]: ") == true)
        #expect(
            message {
                try load(
                    sso:
                        #"{ clients = { { id = "w", redirect_uris = { "https://a/cb" } }, { id = "w", redirect_uris = { "https://a/cb" } } } }"#
                )
            } == "apps[1].sso: client id 'w' is used twice")
    }

    @Test func identityProvidersParsed() throws {
        let config = try load(
            identity: """
                {
                    { id = "google", type = "google", client_id = "g-1", client_secret = "s",
                      hosted_domains = { "maple.example.org" }, trust_email = true },
                    { id = "staff", type = "entra", client_id = "e-1", tenant = "5e0c1f2a-7b3d-4c8e-9a61-3f2b7c9d0a11",
                      username_claim = "preferred_username", label = "Staff sign-in" },
                    { id = "ad", type = "ldap", url = "ldaps://dc1.maple.example.org:636", bind_dn = "cn=svc",
                      bind_password = "pw", base_dn = "dc=maple", user_filter = "uid" },
                }
                """)
        let identity = config.districts[0].identity
        #expect(identity.map(\.id) == ["google", "staff", "ad"])
        #expect(identity[0].kind == .google)
        #expect(identity[0].openID?.hostedDomains == ["maple.example.org"])
        #expect(identity[0].linking.trustEmail)
        #expect(identity[0].label == "Sign in with Google")
        #expect(identity[1].label == "Staff sign-in")
        #expect(identity[1].linking.usernameClaim == "preferred_username")
        #expect(identity[2].ldap?.userFilter == .uid)
        #expect(identity[2].ldap?.baseDN == "dc=maple")
        #expect(identity[2].openID == nil)
    }

    @Test func identityErrorsNamed() {
        #expect(
            message { try load(identity: #"{ { id = "x", type = "saml" } }"#) }
                == "districts[1]: identity[1]: 'type' must be one of \"google\", \"entra\", \"adfs\", \"oidc\", \"ldap\""
        )
        #expect(
            message { try load(identity: #"{ { id = "x", type = "google", client_id = "c" } }"#) }
                == "districts[1]: identity[1]: missing required key 'hosted_domains' (the district's Workspace domains)"
        )
        #expect(
            message { try load(identity: #"{ { id = "x", type = "oidc", client_id = "c", url = "ldap://a" } }"#) }
                == "districts[1]: identity[1]: key 'url' does not apply to a provider of type \"oidc\"")
        #expect(
            message {
                try load(
                    identity: #"{ { id = "x", type = "ldap", url = "ldap://a", bind_dn = "cn=a", base_dn = "dc=a" } }"#)
            }?.contains("bindPassword") == true)
        #expect(
            message {
                try load(
                    identity:
                        #"{ { id = "x", type = "ldap", url = "ldap://a", bind_dn = "cn=a", bind_password = "p", base_dn = "dc=a" }, { id = "x", type = "ldap", url = "ldap://b", bind_dn = "cn=a", bind_password = "p", base_dn = "dc=a" } }"#
                )
            } == "districts[1]: identity[2]: provider id 'x' is used twice in the district")
    }

    @Test func providerChecksRunAtLoad() {
        let tenant = message {
            try load(identity: #"{ { id = "staff", type = "entra", client_id = "c", tenant = "maple" } }"#)
        }
        #expect(tenant?.hasPrefix("districts[1]: identity[1]: ") == true)
        #expect(tenant?.contains("'maple'") == true)
        let issuer = message {
            try load(
                identity: #"{ { id = "sts", type = "adfs", client_id = "c", issuer = "http://sts.maple.org/adfs" } }"#)
        }
        #expect(issuer?.contains("'http://sts.maple.org/adfs'") == true)
        let loopback = try? load(
            identity: #"{ { id = "dev", type = "oidc", client_id = "c", issuer = "http://127.0.0.1:9000" } }"#)
        #expect(loopback?.districts[0].identity.first?.openID?.issuer == "http://127.0.0.1:9000")
    }

    @Test func viewUserClaims() {
        let user: [String: Any] = [
            "sourcedId": "u-1", "username": "ana.diaz", "givenName": "Ana", "familyName": "Diaz", "middleName": "",
            "email": "ana.diaz@maple.example.org", "grades": ["09"],
            "roles": [
                ["roleType": "secondary", "role": "aide", "org": ["sourcedId": "s-2"]],
                ["roleType": "primary", "role": "student", "org": ["sourcedId": "s-1"]],
            ],
        ]
        let claims = AppViewClaims.claims(of: user, district: "maple")
        #expect(claims["name"] == .string("Ana Diaz"))
        #expect(claims["middle_name"] == nil)
        #expect(claims["preferred_username"] == .string("ana.diaz"))
        #expect(claims["email_verified"] == .boolean(true))
        #expect(claims["roster_role"] == .string("student"))
        #expect(claims["roster_roles"] == .strings(["aide", "student"]))
        #expect(claims["roster_orgs"] == .strings(["s-2", "s-1"]))
        #expect(claims["roster_grades"] == .strings(["09"]))
        #expect(claims["district"] == .string("maple"))
        let bare = AppViewClaims.claims(of: ["sourcedId": "u-2", "roles": []], district: "maple")
        #expect(bare == ["district": .string("maple")])
    }
}
