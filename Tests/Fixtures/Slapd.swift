import Foundation
import Glibc

public let slapdPath = "/usr/sbin/slapd"
public let slapaddPath = "/usr/sbin/slapadd"
/// Whether OpenLDAP's server is installed. LDAP tests are skipped with this reason when it is not.
public let slapdMissing =
    !FileManager.default.isExecutableFile(atPath: slapdPath)
    || !FileManager.default.isExecutableFile(atPath: slapaddPath)

/// A private test PKI made with the openssl CLI: a district CA, an unrelated CA, a server certificate for
/// IP 127.0.0.1 only, and an expired certificate from the district CA.
public struct LDAPTestPKI: Sendable {
    public let folder: String
    public var districtCA: String { folder + "/district-ca.pem" }
    public var otherCA: String { folder + "/other-ca.pem" }
    public var serverCertificate: String { folder + "/server.pem" }
    public var serverKey: String { folder + "/server.key" }
    public var expiredCertificate: String { folder + "/expired.pem" }
    public var expiredKey: String { folder + "/expired.key" }

    /// The PKI, made once per test process, or why it could not be made.
    public static let shared: Result<LDAPTestPKI, FixtureError> = {
        let folder = NSTemporaryDirectory() + "rollbook-ldap-pki-\(getpid())"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try make(in: folder)
            return .success(LDAPTestPKI(folder: folder))
        } catch let error as FixtureError {
            return .failure(error)
        } catch {
            return .failure(FixtureError("\(error)"))
        }
    }()

    private static func make(in folder: String) throws {
        let openssl = "/usr/bin/openssl"
        func path(_ name: String) -> String { folder + "/" + name }
        for (name, subject) in [("district-ca", "/CN=Rollbook Test District CA"), ("other-ca", "/CN=Other Test CA")] {
            try runChecked(
                openssl,
                [
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", subject, "-keyout",
                    path(name + ".key"), "-out", path(name + ".pem"),
                ], in: folder)
        }
        try "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n".write(
            toFile: path("server.cnf"), atomically: true, encoding: .utf8)
        for name in ["server", "expired"] {
            try runChecked(
                openssl,
                [
                    "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", path(name + ".key"),
                    "-out", path(name + ".csr"),
                ], in: folder)
        }
        try runChecked(
            openssl,
            [
                "x509", "-req", "-in", path("server.csr"), "-CA", path("district-ca.pem"), "-CAkey",
                path("district-ca.key"), "-CAcreateserial", "-days", "30", "-extfile", path("server.cnf"), "-out",
                path("server.pem"),
            ], in: folder)
        // `openssl ca` is the CLI command of OpenSSL 3.0 that sets both validity dates, so the expired
        // certificate has a window wholly in the past.
        let caConfig = """
            [ca]
            default_ca = test
            [test]
            database = \(path("index.txt"))
            new_certs_dir = \(folder)
            serial = \(path("serial"))
            default_md = sha256
            policy = anything
            [anything]
            commonName = supplied

            """
        try caConfig.write(toFile: path("ca.cnf"), atomically: true, encoding: .utf8)
        try "".write(toFile: path("index.txt"), atomically: true, encoding: .utf8)
        try "01\n".write(toFile: path("serial"), atomically: true, encoding: .utf8)
        try runChecked(
            openssl,
            [
                "ca", "-batch", "-config", path("ca.cnf"), "-cert", path("district-ca.pem"), "-keyfile",
                path("district-ca.key"), "-in", path("expired.csr"), "-out", path("expired.pem"), "-startdate",
                "20200101000000Z", "-enddate", "20200201000000Z", "-extfile", path("server.cnf"), "-notext",
            ], in: folder)
    }
}

/// An OpenLDAP slapd on 127.0.0.1 that logs each operation (debug level 256, "stats") to `log`.
///
/// Plain LDAP (and StartTLS) listens on one free port and LDAPS on another. The mdb database lives in a temporary
/// folder and is loaded with slapadd before start. The process is killed when the object is released.
public final class SlapdServer {
    public let folder: String
    public let ldapPort: Int
    public let ldapsPort: Int
    private let pid: pid_t
    private var stopped = false

    public var ldapURL: String { "ldap://127.0.0.1:\(ldapPort)" }
    public var ldapsURL: String { "ldaps://127.0.0.1:\(ldapsPort)" }

    /// Starts slapd serving `suffix` with the entries in `ldif`.
    ///
    /// `schema` is slapd.conf schema text added after core, cosine, inetorgperson and nis. `databaseLines`
    /// go into the mdb database section, such as size limits.
    public init(
        suffix: String, ldif: String, schema: String = "", databaseLines: [String] = [], certificate: String,
        key: String, caFile: String
    ) throws {
        folder = NSTemporaryDirectory() + "rollbook-slapd-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/db", withIntermediateDirectories: true)
        ldapPort = try freeLoopbackTCPPort()
        ldapsPort = try freeLoopbackTCPPort()
        try schema.write(toFile: folder + "/extra.schema", atomically: true, encoding: .utf8)
        let config =
            [
                "include /etc/ldap/schema/core.schema",
                "include /etc/ldap/schema/cosine.schema",
                "include /etc/ldap/schema/inetorgperson.schema",
                "include /etc/ldap/schema/nis.schema",
                "include \(folder)/extra.schema",
                "pidfile \(folder)/slapd.pid",
                "modulepath /usr/lib/ldap",
                "moduleload back_mdb",
                "TLSCACertificateFile \(caFile)",
                "TLSCertificateFile \(certificate)",
                "TLSCertificateKeyFile \(key)",
                "database mdb",
                "maxsize 104857600",
                "suffix \"\(suffix)\"",
                "rootdn \"cn=admin,\(suffix)\"",
                "directory \(folder)/db",
            ] + databaseLines
        try (config.joined(separator: "\n") + "\n").write(
            toFile: folder + "/slapd.conf", atomically: true, encoding: .utf8)
        try ldif.write(toFile: folder + "/data.ldif", atomically: true, encoding: .utf8)
        try runChecked(slapaddPath, ["-q", "-f", folder + "/slapd.conf", "-l", folder + "/data.ldif"], in: folder)

        let listeners = "ldap://127.0.0.1:\(ldapPort)/ ldaps://127.0.0.1:\(ldapsPort)/"
        pid = try spawn(
            slapdPath, ["-d", "256", "-h", listeners, "-f", folder + "/slapd.conf"], logFile: folder + "/slapd.log")
        guard waitForLoopbackListener(port: ldapPort, timeout: 10),
            waitForLoopbackListener(port: ldapsPort, timeout: 10)
        else {
            stop()
            throw FixtureError("slapd did not listen on 127.0.0.1 within 10 s: \(log)")
        }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// The slapd log, one line per connection and operation.
    public var log: String {
        (try? String(contentsOfFile: folder + "/slapd.log", encoding: .utf8)) ?? ""
    }

    /// Kills slapd with SIGKILL and reaps it, waiting at most five seconds.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        kill(pid, SIGKILL)
        _ = try? waitForExit(pid, timeout: 5, name: "slapd")
    }
}
