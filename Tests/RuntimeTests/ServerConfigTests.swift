import Foundation
import Testing

@testable import Runtime

/// The `server` table of config.lua and the settings a reload cannot change.
struct ServerConfigTests {
    private func load(_ server: String, apps: String = "{}") throws -> Config {
        let directory = try TemporaryDirectory()
        let path = directory.file("config.lua")
        try """
        store = "\(directory.file("rollbook.sqlite"))"
        districts = { { id = "d", connector = "oneroster_csv", settings = { path = "x" } } }
        server = \(server)
        apps = \(apps)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return try Config.load(path: path)
    }

    @Test func pageLimitBounds() throws {
        #expect(try load("{ max_limit = 100 }").server.maxLimit == 100)
        #expect(try load("{}").server.maxLimit == 10_000)
        #expect(throws: ConfigError.self) { try load("{ max_limit = 99 }") }
        #expect(throws: ConfigError.self) { try load("{ max_limit = 10.5 }") }
    }

    @Test func listenAndPublicURL() throws {
        let server = try load(#"{ listen = "127.0.0.1:9090", public_url = "https://roster.example.org/" }"#).server
        #expect(server.host == "127.0.0.1")
        #expect(server.port == 9090)
        #expect(server.publicURL == "https://roster.example.org")
        #expect(throws: ConfigError.self) { try load(#"{ listen = "localhost:80" }"#) }
        #expect(throws: ConfigError.self) { try load(#"{ public_url = "ftp://x" }"#) }
        #expect(throws: ConfigError.self) { try load(#"{ listne = "127.0.0.1:1" }"#) }
    }

    @Test func restartSettingsNamed() {
        let running = ServerConfig()
        var configured = running
        #expect(Service.restartSettings(running: running, configured: configured) == [])
        configured.port = 9999
        configured.tokenLifetime = 60
        configured.maxLimit = 500
        #expect(
            Service.restartSettings(running: running, configured: configured)
                == ["listen", "max_limit", "token_lifetime"])
    }

    /// Returns the message of the configuration error that loading an app with `clients` raises.
    private func clientError(_ clients: String, districts: String = #"{ "d" }"#) -> String? {
        let apps = "{ { id = \"vendor\", districts = \(districts), mapping = \"m\", api = { clients = \(clients) } } }"
        do {
            _ = try load("{}", apps: apps)
            return nil
        } catch {
            return (error as? ConfigError)?.message
        }
    }

    @Test func apiClientErrorsNamed() throws {
        let hash = "pbkdf2-sha256$200000$c2FsdHNhbHRzYWx0c2FsdA$c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2U"
        #expect(
            clientError(#"{ { id = "c" } }"#)
                == "apps[1].api: clients[1]: missing key 'secret_hash' (OAuth 2.0) or 'oauth1_secret' (OAuth 1.0a); "
                + "give one or both")
        #expect(
            clientError(#"{ { id = "a:b", oauth1_secret = "s" } }"#)
                == "apps[1].api: clients[1]: id 'a:b' may use only printable ASCII characters other than ':' and spaces"
        )
        #expect(
            clientError(#"{ { id = "c", oauth1_secret = "" } }"#)
                == "apps[1].api: clients[1]: 'oauth1_secret' must be a non-empty string, such as "
                + #"env("CODEYARD_OAUTH1_SECRET")"#)
        #expect(
            clientError(#"{ { id = "c", oauth1_secret = "s", district = "x" } }"#)
                == "apps[1].api: clients[1]: 'district' must be one of the app's districts: d")
        #expect(
            clientError(#"{ { id = "c", oauth1_secret = "s", scopes = "roster" } }"#)
                == "apps[1].api: clients[1]: 'scopes' must be a list of scope names, such as { \"roster-core.readonly\" }"
        )
        #expect(
            clientError(#"{ { id = "c", oauth1_secret = "s" }, { id = "c", oauth1_secret = "t" } }"#)
                == "apps[1].api: client id 'c' is used twice")
        #expect(
            clientError(#"{ { id = "c", secret_hash = "not-a-hash" } }"#)
                == "apps[1].api: clients[1]: API client 'c': the secret hash is invalid. Secret hash has 1 "
                + "'$'-separated fields; expected 'pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>' with 4 "
                + "fields; make a new one with `rollbook hash-secret`.")
        #expect(
            clientError("{ { id = \"c\", secret_hash = \"\(hash)\", scopes = { \"roster-core.readonly\" } } }") == nil)
    }
}
