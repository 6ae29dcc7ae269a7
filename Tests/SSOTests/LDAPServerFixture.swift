import Foundation
import Glibc
import Testing

/// A test setup failure, such as a tool that did not start or a server that did not listen.
struct LDAPFixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

let slapdPath = "/usr/sbin/slapd"
let slapaddPath = "/usr/sbin/slapadd"
/// Whether OpenLDAP's server is installed. LDAP tests are skipped with this reason when it is not.
let slapdMissing =
    !FileManager.default.isExecutableFile(atPath: slapdPath)
    || !FileManager.default.isExecutableFile(atPath: slapaddPath)

/// Starts `executable` with posix_spawn, its output appended to `logFile`, and returns its process id.
func spawn(_ executable: String, _ arguments: [String], logFile: String) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, logFile, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { for argument in argv { free(argument) } }
    var child: pid_t = 0
    let status = posix_spawn(&child, executable, &actions, nil, argv, environ)
    guard status == 0 else {
        throw LDAPFixtureError("could not start \(executable): \(String(cString: strerror(status)))")
    }
    return child
}

/// Waits up to `timeout` seconds for `pid` to exit and returns its exit status, or kills it and throws.
@discardableResult
func waitForExit(_ pid: pid_t, timeout: Double, name: String) throws -> Int32 {
    let deadline = Date().addingTimeInterval(timeout)
    var status: Int32 = 0
    while Date() < deadline {
        if waitpid(pid, &status, WNOHANG) == pid { return (status >> 8) & 0xff }
        usleep(5_000)
    }
    kill(pid, SIGKILL)
    waitpid(pid, &status, 0)
    throw LDAPFixtureError("\(name) did not finish within \(timeout) s")
}

/// Runs a short tool to completion within `timeout` seconds and throws when it fails.
func runChecked(_ executable: String, _ arguments: [String], in folder: String, timeout: Double = 30) throws {
    let log = folder + "/tools.log"
    let pid = try spawn(executable, arguments, logFile: log)
    let status = try waitForExit(pid, timeout: timeout, name: executable)
    guard status == 0 else {
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        throw LDAPFixtureError("\(executable) \(arguments.joined(separator: " ")) exited with \(status): \(output)")
    }
}

/// Returns a TCP port on 127.0.0.1 that was free a moment ago.
func freeLoopbackTCPPort() throws -> Int {
    let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socketFD >= 0 else { throw LDAPFixtureError("socket() failed") }
    defer { close(socketFD) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(socketFD, pointer, length) == 0 && getsockname(socketFD, pointer, &length) == 0
        }
    }
    guard bound else { throw LDAPFixtureError("could not bind a free port on 127.0.0.1") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Polls 127.0.0.1:`port` for at most `timeout` seconds and returns whether a TCP connection succeeded.
func waitForLoopbackListener(port: Int, timeout: Double) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        close(socketFD)
        if connected { return true }
        usleep(20_000)
    }
    return false
}

/// A private test PKI made with the openssl CLI: a district CA, an unrelated CA, a server certificate for
/// IP 127.0.0.1 only, and an expired certificate from the district CA.
struct LDAPTestPKI: Sendable {
    let folder: String
    var districtCA: String { folder + "/district-ca.pem" }
    var otherCA: String { folder + "/other-ca.pem" }
    var serverCertificate: String { folder + "/server.pem" }
    var serverKey: String { folder + "/server.key" }
    var expiredCertificate: String { folder + "/expired.pem" }
    var expiredKey: String { folder + "/expired.key" }

    /// The PKI, made once per test process, or why it could not be made.
    static let shared: Result<LDAPTestPKI, LDAPFixtureError> = {
        let folder = NSTemporaryDirectory() + "rollbook-ldap-pki-\(getpid())"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try make(in: folder)
            return .success(LDAPTestPKI(folder: folder))
        } catch let error as LDAPFixtureError {
            return .failure(error)
        } catch {
            return .failure(LDAPFixtureError("\(error)"))
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
final class SlapdServer {
    let folder: String
    let ldapPort: Int
    let ldapsPort: Int
    private let pid: pid_t
    private var stopped = false

    var ldapURL: String { "ldap://127.0.0.1:\(ldapPort)" }
    var ldapsURL: String { "ldaps://127.0.0.1:\(ldapsPort)" }

    /// Starts slapd serving `suffix` with the entries in `ldif`.
    ///
    /// `schema` is slapd.conf schema text added after core, cosine, inetorgperson and nis. `databaseLines`
    /// go into the mdb database section, such as size limits.
    init(
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
            throw LDAPFixtureError("slapd did not listen on 127.0.0.1 within 10 s: \(log)")
        }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// The slapd log, one line per connection and operation.
    var log: String {
        (try? String(contentsOfFile: folder + "/slapd.log", encoding: .utf8)) ?? ""
    }

    /// Kills slapd with SIGKILL and reaps it, waiting at most five seconds.
    func stop() {
        guard !stopped else { return }
        stopped = true
        kill(pid, SIGKILL)
        _ = try? waitForExit(pid, timeout: 5, name: "slapd")
    }
}
