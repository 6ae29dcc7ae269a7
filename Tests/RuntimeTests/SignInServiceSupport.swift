import Foundation
import TestFixtures
import Testing

/// Whether the relying party's Python libraries are there: Authlib and requests.
let relyingPartyAvailable: Bool = {
    guard let output = try? runProgram("/usr/bin/env", ["python3", "-c", "import authlib, requests"], timeout: 60)
    else { return false }
    return output.status == 0
}()

/// Why the sign-in service tests cannot run here, or nil when they can.
let signInServiceMissing: String? = {
    if slapdMissing { return "slapd is not installed; .ci/install installs it" }
    if !UpstreamOPProcess.isAvailable { return "pyop is missing; .ci/install installs it" }
    if !relyingPartyAvailable { return "Authlib is missing; .ci/install installs it" }
    return nil
}()

/// A service with single sign-on, on 127.0.0.1: the small district `d` (Brookfield) synced for the app `vendor`,
/// which shares only the high school's students and teachers, an LDAP directory (slapd) and an upstream OpenID
/// provider (pyop) as the district's identity providers, and a second district `harbor` that only offers LDAP.
///
/// Every process it starts ends when it is released.
final class SignInServiceSetup {
    static let webClient = (id: "vendor-web", secret: "vendor-web-secret-1")
    static let spaClient = "vendor-spa"
    /// A redirect URI where nothing listens: the relying party stops when the browser is sent there.
    static let redirectURI = "http://127.0.0.1:9/vendor/callback"
    static let launchURL = "https://vendor.example.com/start"
    static let upstreamClient = (id: "rollbook-at-op", secret: "op-secret-3")

    /// The directory's people: (uid, mail, password). jsmith and agarcia are in the app's view, tkim (an
    /// elementary student) is on the roster but not in the view, and zed is on no roster.
    static let people = [
        ("jsmith", "jsmith@example.org", "James-pass-1"), ("tkim", "tkim@example.org", "Tom-pass-2"),
        ("agarcia", "agarcia@example.org", "Ana-pass-3"), ("zed", "zed@example.org", "Zed-pass-4"),
    ]

    /// Shares the high school, its students and teachers.
    static let mapping = """
        return {
            name = "vendor",
            share = {
                orgs = { types = { "school" }, where = function(org) return org.name:match("High School$") ~= nil end },
                roles = { "student", "teacher" },
                fields = { users = { "email", "grades" } },
            },
        }
        """

    let setup: APIServiceSetup
    let slapd: SlapdServer
    let upstream: UpstreamOPProcess
    let port: Int
    private(set) var service: ServiceProcess?
    private var starts = 0

    var base: String { "http://127.0.0.1:\(port)" }

    init() throws {
        setup = try APIServiceSetup()
        try setup.writeMapping(Self.mapping, name: "vendor")
        let pki = try LDAPTestPKI.shared.get()
        slapd = try SlapdServer(
            suffix: "dc=brookfield,dc=test", ldif: Self.ldif, certificate: pki.serverCertificate, key: pki.serverKey,
            caFile: pki.districtCA)
        port = try freeLoopbackTCPPort()
        // The provider has Maria Lee with her verified e-mail, which links her on her first sign-in.
        upstream = try UpstreamOPProcess(
            users: #"{"mlee": {"sub": "op-mlee-77", "email": "MLee@example.org", "email_verified": true}}"#,
            clients: [
                .init(id: Self.upstreamClient.id, secret: Self.upstreamClient.secret, method: "client_secret_basic")
            ],
            redirectURIs: ["http://127.0.0.1:\(port)/sso/callback"], defaultUser: "mlee")
        try writeConfig()
        try setup.sync()
    }

    deinit {
        stop()
        upstream.stop()
        slapd.stop()
    }

    /// Starts `rollbook serve`, or returns the running one.
    @discardableResult
    func start() throws -> ServiceProcess {
        if let service { return service }
        starts += 1
        // A log of its own for each start, so that waiting for "service started" never finds an earlier run's line.
        let started = try ServiceProcess(config: setup.config, logFile: setup.directory.file("service-\(starts).log"))
        service = started
        return started
    }

    /// Stops the service, so that `start()` runs a new one on the same store.
    func stop() {
        service?.signal(SIGTERM)
        _ = service?.waitForExit(timeout: 20)
        service = nil
    }

    private static var ldif: String {
        var text = """
            dn: dc=brookfield,dc=test
            objectClass: dcObject
            objectClass: organization
            dc: brookfield
            o: Brookfield

            dn: cn=svc,dc=brookfield,dc=test
            objectClass: inetOrgPerson
            cn: svc
            sn: Service
            userPassword: svc-pass

            dn: ou=People,dc=brookfield,dc=test
            objectClass: organizationalUnit
            ou: People


            """
        for (uid, mail, password) in people {
            text += """
                dn: uid=\(uid),ou=People,dc=brookfield,dc=test
                objectClass: inetOrgPerson
                uid: \(uid)
                cn: \(uid)
                sn: \(uid)
                mail: \(mail)
                userPassword: \(password)


                """
        }
        return text
    }

    private func writeConfig() throws {
        let webHash = try hashSecret(Self.webClient.secret)
        let directory = """
            { id = "directory", type = "ldap", url = "\(slapd.ldapURL)", bind_dn = "cn=svc,dc=brookfield,dc=test",
              bind_password = "svc-pass", base_dn = "ou=People,dc=brookfield,dc=test", user_filter = "uid",
              username_claim = "uid" }
            """
        let text = """
            store = "\(setup.store)"
            connectors_dir = "\(setup.connectors)"
            safety = { removed = 1.0 }
            server = { listen = "127.0.0.1:\(port)", sso = { access_token_lifetime = 600 } }
            districts = {
                { id = "d", name = "Brookfield District", connector = "oneroster_csv",
                  settings = { path = "\(setup.package)" },
                  identity = {
                    \(directory),
                    { id = "cloud", type = "oidc", label = "Sign in with Brookfield Cloud", issuer = "\(upstream.issuer)",
                      client_id = "\(Self.upstreamClient.id)", client_secret = "\(Self.upstreamClient.secret)",
                      trust_email = true },
                  } },
                { id = "harbor", name = "Harbor Schools", connector = "oneroster_csv",
                  settings = { path = "\(setup.package)" }, identity = { \(directory) } },
            }
            apps = {
                { id = "vendor", name = "Vendor Classroom", districts = { "d" }, mapping = "vendor",
                  sso = { clients = {
                    { id = "\(Self.webClient.id)", secret_hash = "\(webHash)", redirect_uris = { "\(Self.redirectURI)" },
                      scopes = { "openid", "profile", "email", "roster", "offline_access" },
                      post_logout_redirect_uris = { "https://vendor.example.com/bye" },
                      launch_url = "\(Self.launchURL)" },
                    { id = "\(Self.spaClient)", redirect_uris = { "\(Self.redirectURI)" }, scopes = { "openid", "email" } },
                  } } },
            }
            """
        try text.write(toFile: setup.config, atomically: true, encoding: .utf8)
    }

    /// Runs the Authlib relying party of `Tests/Fixtures/relying_party.py` and returns the JSON it printed.
    func relyingParty(
        client: String = webClient.id, secret: String = webClient.secret, options: [String]
    ) throws -> [String: Any] {
        let script = Paths.root + "/Tests/Fixtures/relying_party.py"
        let output = try runProgram(
            "/usr/bin/env", ["python3", script, base, client, secret, Self.redirectURI] + options, timeout: 90)
        let json = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
        guard let json, json["failure"] == nil else {
            throw ServiceTestError("the relying party failed: \(output.stdout) \(output.stderr)")
        }
        return json
    }
}
