import Foundation
import Testing

@testable import Runtime

/// The `server` table of config.lua and the settings a reload cannot change.
struct ServerConfigTests {
    private func load(_ server: String) throws -> Config {
        let directory = try TemporaryDirectory()
        let path = directory.file("config.lua")
        try """
        store = "\(directory.file("rollbook.sqlite"))"
        districts = { { id = "d", connector = "oneroster_csv", settings = { path = "x" } } }
        server = \(server)
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
}
