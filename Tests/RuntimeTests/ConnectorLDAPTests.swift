import Foundation
import TestFixtures
import Testing

/// The ldap_users connector run through the real `rollbook` binary against slapd on 127.0.0.1, loaded with the
/// Active Directory stand-ins of the shared cases B16 (a size limit of 5 entries) and B17 (referral objects).
@Suite(.serialized, .enabled(if: !slapdMissing, "slapd or slapadd is not installed"))
struct ConnectorLDAPTests {
    static let suffix = "dc=maple-isd,dc=example,dc=org"
    static let serviceDN = "cn=svc-rollbook,dc=maple-isd,dc=example,dc=org"

    /// Returns the case folder, or nil when it is absent. The shared folder sits beside the package, or beside
    /// the folder of git worktrees that contains the package, so up to three parents are tried.
    static func caseFolder(_ name: String) -> String? {
        var folder = URL(fileURLWithPath: Paths.root)
        for _ in 0..<3 {
            folder = folder.deletingLastPathComponent()
            let candidate = folder.appendingPathComponent("shared/cases/\(name)").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Starts slapd with a case folder's schema, directory and, when present, size limits.
    static func startServer(_ folder: String) throws -> SlapdServer {
        let schema = try slapdLines(
            folder + "/ad-lite-schema.ldif",
            [
                ("olcAttributeTypes:", "attributetype"), ("olcObjectClasses:", "objectclass"),
            ]
        ).joined(separator: "\n")
        let limitsPath = folder + "/slapd-limits.ldif"
        let limits =
            FileManager.default.fileExists(atPath: limitsPath)
            ? try slapdLines(limitsPath, [("olcLimits:", "limits")]) : []
        let ldif = try String(contentsOfFile: folder + "/directory.ldif", encoding: .utf8)
        let pki = try LDAPTestPKI.shared.get()
        return try SlapdServer(
            suffix: suffix, ldif: ldif, schema: schema + "\n", databaseLines: limits,
            certificate: pki.serverCertificate, key: pki.serverKey, caFile: pki.districtCA)
    }

    /// Turns cn=config LDIF attribute lines into slapd.conf statements, such as `olcLimits:` into `limits`.
    static func slapdLines(_ path: String, _ prefixes: [(attribute: String, statement: String)]) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines: [String] = []
        for line in text.split(separator: "\n") {
            for prefix in prefixes where line.hasPrefix(prefix.attribute) {
                lines.append(prefix.statement + line.dropFirst(prefix.attribute.count))
            }
        }
        return lines
    }

    /// Writes a config.lua with district `maple` read by ldap_users with `settings` (Lua fields).
    static func writeConfig(_ directory: TemporaryDirectory, settings: String) throws -> String {
        let connectors = (Paths.root as NSString).appendingPathComponent("connectors")
        let text = """
            store = "\(directory.file("rollbook.sqlite"))"
            connectors_dir = "\(connectors)"
            districts = {
              { id = "maple", connector = "ldap_users", settings = { \(settings) } },
            }
            """
        let path = directory.file("config.lua")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Returns one stored user's columns joined with `|`, read with the sqlite3 shell.
    static func storedUser(_ directory: TemporaryDirectory, _ id: String) throws -> String {
        try sqlite(
            directory.file("rollbook.sqlite"),
            "SELECT username, givenName, familyName, email, identifier, role, orgSourcedIds FROM users "
                + "WHERE district = 'maple' AND sourcedId = '\(id)'")
    }

    static func storedIds(_ directory: TemporaryDirectory, _ table: String) throws -> [String] {
        let text = try sqlite(
            directory.file("rollbook.sqlite"),
            "SELECT sourcedId FROM \"\(table)\" WHERE district = 'maple' ORDER BY sourcedId")
        return text.split(separator: "\n").map(String.init)
    }

    static func pagingSettings(_ server: SlapdServer, password: String = "bind-secret-16") -> String {
        """
        url = "\(server.ldapURL)", bind_dn = "\(serviceDN)", bind_password = "\(password)",
        base_dn = "ou=Students,\(suffix)", filter = "(objectClass=inetOrgPerson)",
        attributes = { sourcedId = "sAMAccountName", identifier = "employeeNumber" },
        role = "student", org = "sch-16", orgs = { { sourcedId = "sch-16", name = "Maple Elementary" } },
        page_size = 500
        """
    }

    @Test(.enabled(if: caseFolder("B16") != nil, "the shared case folder B16 is absent"))
    func syncPagesPastSizeLimit() throws {
        let folder = try #require(Self.caseFolder("B16"))
        let server = try Self.startServer(folder)
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        let config = try Self.writeConfig(directory, settings: Self.pagingSettings(server))

        let output = try runRollbook(["sync", "--config", config, "--json"])

        #expect(output.status == 0, "\(output)")
        #expect(output.firstRun?["status"] as? String == "committed", "\(output)")
        #expect(output.count("users", "accepted") == 12, "\(output)")
        #expect(try Self.storedIds(directory, "users") == (1001...1012).map { "s\($0)" })
        #expect(try Self.storedIds(directory, "orgs") == ["sch-16"])
        #expect(
            try Self.storedUser(directory, "s1001")
                == "s1001|Ada|Brightwater|ada.brightwater@maple-isd.example.org|1001|student|sch-16")
    }

    @Test(.enabled(if: caseFolder("B16") != nil, "the shared case folder B16 is absent"))
    func wrongPasswordFailsCheck() throws {
        let folder = try #require(Self.caseFolder("B16"))
        let server = try Self.startServer(folder)
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        let config = try Self.writeConfig(directory, settings: Self.pagingSettings(server, password: "wrong-pass-77"))

        let output = try runRollbook(["connector", "check", "ldap_users", "--config", config])

        #expect(output.status != 0, "\(output)")
        let text = output.stdout + output.stderr
        #expect(text.contains("invalid credentials"), "\(output)")
        #expect(text.contains(Self.serviceDN), "\(output)")
        #expect(!text.contains("wrong-pass-77"), "\(output)")
    }

    @Test(.enabled(if: caseFolder("B17") != nil, "the shared case folder B17 is absent"))
    func syncSkipsReferences() throws {
        let folder = try #require(Self.caseFolder("B17"))
        let server = try Self.startServer(folder)
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        let config = try Self.writeConfig(
            directory,
            settings: """
                url = "\(server.ldapURL)", bind_dn = "\(Self.serviceDN)", bind_password = "bind-secret-17",
                base_dn = "\(Self.suffix)", filter = "(objectClass=inetOrgPerson)",
                attributes = { sourcedId = "cn", username = "cn", givenName = "cn" },
                role = "teacher", org = "sch-17", orgs = { { sourcedId = "sch-17", name = "Maple Middle" } }
                """)
        let started = ContinuousClock.now

        let output = try runRollbook(["sync", "--config", config, "--json"])

        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(output.status == 0, "\(output)")
        #expect(output.firstRun?["status"] as? String == "committed", "\(output)")
        #expect(try Self.storedIds(directory, "users") == ["Mateo Lark", "Noor Eskildsen", "svc-rollbook"])
    }

    @Test(.enabled(if: caseFolder("B17") != nil, "the shared case folder B17 is absent"))
    func checkNamesReferralBase() throws {
        let folder = try #require(Self.caseFolder("B17"))
        let server = try Self.startServer(folder)
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        let config = try Self.writeConfig(
            directory,
            settings: """
                url = "\(server.ldapURL)", bind_dn = "\(Self.serviceDN)", bind_password = "bind-secret-17",
                base_dn = "ou=Annex,\(Self.suffix)", role = "teacher", org = "sch-17"
                """)

        let output = try runRollbook(["connector", "check", "ldap_users", "--config", config, "--district", "maple"])

        #expect(output.status != 0, "\(output)")
        let text = output.stdout + output.stderr
        #expect(text.contains("ldap://annex-dc.maple-isd.example.org/"), "\(output)")
        #expect(!text.contains("bind-secret-17"), "\(output)")
    }

    @Test func badRoleRuleFailsCheck() throws {
        let directory = try TemporaryDirectory()
        let config = try Self.writeConfig(
            directory,
            settings: """
                url = "ldap://127.0.0.1:9", bind_dn = "\(Self.serviceDN)", bind_password = "x",
                base_dn = "\(Self.suffix)", role_rules = { { ou = "ou=Staff,\(Self.suffix)" } }
                """)

        let output = try runRollbook(["connector", "check", "ldap_users", "--config", config])

        #expect(output.status != 0, "\(output)")
        #expect((output.stdout + output.stderr).contains("role_rules[1] has no 'role' string"), "\(output)")
    }
}
