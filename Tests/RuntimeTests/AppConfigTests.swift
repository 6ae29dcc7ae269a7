import Export
import Foundation
import Testing

@testable import Runtime

/// The apps table of config.lua and the destinations of its exports.
@Suite struct AppConfigTests {
    private func load(_ apps: String) throws -> Config {
        let directory = try TemporaryDirectory()
        let text = """
            store = "\(directory.file("store.sqlite"))"
            districts = { { id = "d", connector = "oneroster_csv", settings = { path = "x" } } }
            apps = \(apps)
            """
        try text.write(toFile: directory.file("config.lua"), atomically: true, encoding: .utf8)
        return try Config.load(path: directory.file("config.lua"))
    }

    private func error(_ apps: String) -> String {
        do {
            _ = try load(apps)
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func sftpDestinationReadsEveryKey() throws {
        let config = try load(
            """
            { { id = "v", districts = { "d" }, mapping = "v", exports = { { name = "drop", type = "csv",
                destination = { type = "sftp", host = "127.0.0.1", port = 2222, user = "vendor-drop", path = "in",
                    private_key = "keys/id_ed25519", known_hosts = "keys/known_hosts", allow_sha1_rsa = true,
                    retry = { attempts = 2, backoff = 0.5 } } } } } }
            """)
        let export = try #require(config.apps.first?.exports.first)
        #expect(export.version == .v1p1)
        #expect(export.mode == .delta)
        #expect(export.compressionLevel == 1)
        let (target, retry) = try Delivery.parse(export.destination, config: config)
        guard case .sftp(let sftp) = target else {
            Issue.record("expected an sftp target, got \(target)")
            return
        }
        #expect(sftp.port == 2222)
        #expect(sftp.user == "vendor-drop")
        #expect(sftp.remoteDirectory == "in")
        #expect(sftp.privateKeyFile == config.directory + "/keys/id_ed25519")
        #expect(sftp.knownHostsFile == config.directory + "/keys/known_hosts")
        #expect(sftp.allowSHA1RSA)
        #expect(retry.maximumAttempts == 2)
        #expect(retry.backoffBase == 0.5)
    }

    @Test func httpsDestinationReadsHeadersAndField() throws {
        let config = try load(
            """
            { { id = "v", districts = { "d" }, mapping = "v", exports = { { name = "up", type = "csv", version = "1.2",
                mode = "bulk", compression = 6, destination = { type = "https", url = "https://vendor.example/in",
                method = "post", field = "package", headers = { Authorization = "Bearer x" } } } } } }
            """)
        let export = try #require(config.apps.first?.exports.first)
        #expect(export.version == .v1p2)
        #expect(export.mode == .bulk)
        #expect(export.compressionLevel == 6)
        let (target, _) = try Delivery.parse(export.destination, config: config)
        guard case .https(let https) = target else {
            Issue.record("expected an https target, got \(target)")
            return
        }
        #expect(https.method == .post)
        #expect(https.body == .multipart(field: "package"))
        #expect(https.headers == [HTTPSDestination.Header(name: "Authorization", value: "Bearer x")])
    }

    @Test func badAppsNameTheProblem() {
        let cases: [(String, String)] = [
            (
                "{ { id = \"v\", districts = { \"other\" }, mapping = \"v\" } }",
                "apps[1]: 'districts' names 'other', which is not a configured district; configured: d"
            ),
            (
                "{ { id = \"v\", districts = \"d\", mapping = \"v\" } }",
                "apps[1]: 'districts' must be a list of district ids, such as { \"lakeview\" }"
            ),
            (
                "{ { id = \"v\", districts = { \"d\" }, mapping = \"v\", exports = { { name = \"x\", type = \"csv\", "
                    + "destination = { type = \"folder\", path = \"o\", retry = { backof = 1 } } } } } }",
                "app 'v', export 'x': unknown key 'backof' in 'retry'; expected attempts, backoff, max_backoff, total"
            ),
            (
                "{ { id = \"v\", districts = { \"d\" } } }",
                "apps[1]: missing required key 'mapping' (a script name in connectors/apps, such as \"v\")"
            ),
            (
                "{ { id = \"v\", districts = { \"d\" }, mapping = \"v\", exprts = {} } }",
                "apps[1]: unknown key 'exprts'; did you mean 'exports'?"
            ),
            (
                "{ { id = \"v\", districts = { \"d\" }, mapping = \"v\", exports = { { name = \"x\", type = \"csv\", "
                    + "destination = { type = \"sftp\", host = \"h\", user = \"u\", path = \"p\", private_key = \"k\" } } } } }",
                "app 'v', export 'x': the sftp destination needs 'known_hosts'"
            ),
            (
                "{ { id = \"v\", districts = { \"d\" }, mapping = \"v\", exports = { { name = \"x\", type = \"csv\", "
                    + "destination = { type = \"ftp\" } } } } }",
                "app 'v', export 'x': destination type is 'ftp'; expected folder, sftp or https"
            ),
            (
                "{ { id = \"v\", districts = { \"d\" }, mapping = \"v\", exports = { { name = \"x\", type = \"csv\", "
                    + "version = \"2.0\", destination = { type = \"folder\", path = \"o\" } } } } }",
                "apps[1].exports[1]: 'version' is '2.0'; expected \"1.1\" or \"1.2\""
            ),
        ]
        for (apps, expected) in cases {
            let message = error(apps)
            #expect(message.hasSuffix(expected), "\(message)")
        }
    }
}
