import Dispatch
import Export
import Foundation
import HTTP
import SSO
import Store
import Synchronization

/// `rollbook serve`: the HTTP service that serves the REST API and the admin pages and runs scheduled syncs.
///
/// The configuration in force is one value, replaced whole on SIGHUP when the new file loads, so a request or
/// a sync gets either the old configuration or the new one. SIGTERM and SIGINT stop it gracefully: no new
/// requests, those in flight are answered, and a running sync finishes its current step.
public final class Service: ServiceControl {
    public let logger: Logger
    let configPath: String
    let metrics: ServiceMetrics
    let jobs: SyncJobs
    let scheduler = SyncScheduler()
    private let current: Mutex<Config>
    /// The server settings the service started with; the ones `restartSettings` names keep these values.
    private let startedServer: ServerConfig
    /// The SSO clients and identity providers the service started with, which also change only on restart.
    private let startedSignIn: String
    private let stopping = Atomic<Bool>(false)
    /// The store the service opened first, kept open so that the service holds the owner lock: a later open
    /// in this process, by a sync or a page, then never marks a running sync interrupted.
    private let ownerStore: Mutex<SnapshotStore>
    private let routes = RouterSlot()
    private let server: HTTPServer
    /// The API clients of every app. A reload replaces them, and the tokens they were issued stay valid.
    let clients: APIClientRegistry
    let tokens: TokenService
    let authenticator: APIAuthenticator
    /// The OneRoster REST API, set once the server has bound its port.
    private let provider: Mutex<RESTProvider?> = Mutex(nil)
    /// The OpenID provider and the sign-in pages, set once the server has bound its port.
    private let signIn: Mutex<SignInService?> = Mutex(nil)

    /// Opens the store, binds the HTTP server to the configured address and builds its routes. `run()` serves.
    public init(config: Config, logger: Logger) throws {
        self.configPath = config.path
        self.logger = logger
        self.metrics = try ServiceMetrics()
        self.jobs = SyncJobs(metrics: metrics)
        self.current = Mutex(config)
        self.startedServer = config.server
        self.startedSignIn = Self.signInFingerprint(of: config)

        let folder = (config.storePath as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // The first store the service opens takes the owner lock and marks runs of a killed process interrupted.
        let store = try SnapshotStore(path: config.storePath)
        try jobs.rememberLastStarts(from: store, districts: config.districts.map(\.id))
        self.ownerStore = Mutex(store)
        self.clients = try APIClientRegistry(try Self.apiClients(of: config))
        self.tokens = TokenService(lifetime: config.server.tokenLifetime)
        self.authenticator = APIAuthenticator(clients: clients, tokens: tokens)

        var serverConfiguration = HTTPServerConfiguration()
        serverConfiguration.threadCount = config.server.threads
        let routes = self.routes
        let metrics = self.metrics
        let log = logger
        self.server = HTTPServer(
            host: config.server.host, port: config.server.port,
            handler: { request in
                let start = ContinuousClock.now
                guard let router = routes.router else {
                    return .json("{\"status\":\"starting\"}", status: 503)
                }
                let (response, template) = router.route(request)
                let elapsed = ContinuousClock.now - start
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                metrics.request(
                    route: template ?? "unmatched", method: request.method, status: response.status, seconds: seconds)
                // A 503 is the service saying it is starting or stopping, which is no failure of the request.
                if response.status >= 500 && response.status != 503 {
                    log.error(
                        "request failed",
                        ["route": template ?? "unmatched", "method": request.method, "status": "\(response.status)"])
                }
                return response
            }, configuration: serverConfiguration)
        // The server binds now, so that the routes below know the port when the configuration requests a free one.
        try server.start()
        var router = Router()
        router.failureHandler = { template, error in
            log.error("request handler failed", ["route": template, "error": SyncRunner.describe(error)])
        }
        registerHealthRoutes(into: &router)
        let secureCookies = config.server.publicURL?.hasPrefix("https://") ?? false
        AdminPages(
            control: self, storePath: config.storePath, baseURL: config.server.publicURL, secureCookies: secureCookies
        )
        .register(into: &router)
        let provider = try RESTProvider(
            databasePath: config.storePath, baseURL: publicURL,
            limits: RESTQueryLimits(maximumLimit: config.server.maxLimit), connections: config.server.threads)
        provider.register(into: &router) { [authenticator, publicURL] request, version in
            let url = publicURL + request.path + (request.query.isEmpty ? "" : "?" + request.query)
            switch authenticator.authenticate(request, url: url) {
            case .success(let caller):
                return .caller(
                    RESTCaller(
                        app: caller.app, district: caller.district, scopes: caller.scopes, clientId: caller.clientID))
            case .failure(let failure):
                log.info("request not authenticated", ["path": request.path, "reason": failure.description])
                return .denied(failure.response(statusInfoSet: version == .v1p1))
            }
        }
        self.provider.withLock { $0 = provider }
        let issuer = config.server.sso.issuer ?? publicURL
        let signIn = try ownerStore.withLock { store in
            try SignInService.make(config: config, issuer: issuer, store: store, views: provider, logger: logger)
        }
        signIn.register(into: &router)
        self.signIn.withLock { $0 = signIn }
        let tokenEndpoint = TokenEndpoint(clients: clients, tokens: tokens)
        router.add("POST", "/token") { request, _ in
            let response = tokenEndpoint.handle(request)
            if response.status >= 400 {
                // The body is an RFC 6749 error object, which names no secret.
                let body = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
                log.info(
                    "token request rejected",
                    [
                        "status": "\(response.status)", "error": body?["error"] as? String ?? "",
                        "remote": request.remoteAddress,
                    ])
            }
            return response
        }
        routes.publish(router)
    }

    public var config: Config {
        current.withLock { $0 }
    }

    /// The port the server listens on, useful when the configuration requested port 0.
    public var port: UInt16 { server.port }

    /// The URL clients reach the service at: the `public_url` it started with, or the address the server bound.
    public var publicURL: String {
        startedServer.publicURL ?? "http://\(startedServer.host):\(server.port)"
    }

    public func triggerSync(district: String, reason: String) -> SyncTrigger {
        guard !stopping.load(ordering: .acquiring) else { return .stopping }
        let config = self.config
        guard let district = config.districts.first(where: { $0.id == district }) else {
            return .unknownDistrict(district)
        }
        return jobs.start(district, config: config, logger: logger, reason: reason) { [self] in
            warmViews(of: district.id)
        }
    }

    /// Builds the REST API's sourcedId orders of the district's app views (every district's with nil), so that the
    /// first requests after a sync or a start are as quick as the next ones.
    func warmViews(of district: String?) {
        guard let provider = provider.withLock({ $0 }) else { return }
        for app in config.apps {
            for id in app.districts where district == nil || id == district {
                do {
                    try provider.warm(app: app.id, district: id)
                } catch {
                    logger.warning(
                        "app view not prepared for the API",
                        ["app": app.id, "district": id, "error": SyncRunner.describe(error)])
                }
            }
        }
    }

    public func activity() -> [DistrictActivity] {
        config.districts.map { district in
            var activity = jobs.activity(of: district.id)
            activity.nextScheduled = scheduler.nextRun(of: district.id)
            return activity
        }
    }

    public func verifyAdmin(name: String, password: String) -> Bool {
        let account = config.server.admins.first { $0.name == name }
        // An unknown name costs the same hash check as a known one, so timing does not tell names apart.
        let verified = (try? SecretHash.verify(password, against: account?.passwordHash ?? Self.decoyHash)) ?? false
        return account != nil && verified
    }

    /// A hash no password matches in practice, checked for unknown admin names.
    private static let decoyHash = SecretHash.make(
        secret: "no admin has this password \(UInt64.random(in: 0...UInt64.max))")

    /// Returns the API clients of every app of the configuration.
    static func apiClients(of config: Config) throws -> [APIClient] {
        try config.apps.flatMap { app in try app.apiClients.map { try $0.apiClient() } }
    }

    /// Starts serving and scheduling, then waits for signals: SIGHUP reloads, SIGTERM or SIGINT stops.
    public func run() throws -> ExitStatus {
        let signals = SignalWaiter([SIGHUP, SIGTERM, SIGINT])
        let config = self.config
        logger.info(
            "service started",
            [
                "listen": "\(config.server.host):\(server.port)", "public-url": publicURL,
                "districts": "\(config.districts.count)", "apps": "\(config.apps.count)",
            ])
        scheduler.start(
            config: { [self] in self.config },
            start: { [self] district in _ = triggerSync(district: district.id, reason: "schedule") },
            lastStart: { [jobs] in jobs.lastStart(of: $0) }, isRunning: { [jobs] in jobs.isRunning($0) })
        let warming = Thread { [self] in warmViews(of: nil) }
        warming.name = "api-warm"
        warming.start()
        let rotation = startKeyRotation()
        defer { rotation.cancel() }
        while true {
            let signal = signals.next()
            if signal == SIGHUP {
                reload()
                continue
            }
            logger.info("service stopping", ["signal": signal == SIGTERM ? "SIGTERM" : "SIGINT"])
            break
        }
        shutDown()
        return .success
    }

    /// Rotates the signing keys every hour, so that a next key is published a day before it signs.
    private func startKeyRotation() -> any DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        timer.schedule(deadline: .now() + 3600, repeating: 3600, leeway: .seconds(60))
        timer.setEventHandler { [self] in
            guard let keys = signIn.withLock({ $0?.keys }) else { return }
            do {
                let result = try ownerStore.withLock { store in try keys.rotate(now: Date(), store: store) }
                if !result.isEmpty {
                    logger.info(
                        "signing keys rotated",
                        [
                            "created": result.created.joined(separator: ","),
                            "activated": result.activated.joined(separator: ","),
                            "retired": result.retired.joined(separator: ","),
                            "removed": result.removed.joined(separator: ","),
                        ])
                }
            } catch {
                logger.error("signing key rotation failed", ["error": SyncRunner.describe(error)])
            }
        }
        timer.resume()
        return timer
    }

    /// Loads config.lua again and swaps it in when it is valid. An invalid file leaves the old configuration in force.
    func reload() {
        do {
            let fresh = try Config.load(path: configPath)
            try Self.checkScripts(of: fresh)
            try clients.replace(with: try Self.apiClients(of: fresh))
            var pending = Self.restartSettings(running: startedServer, configured: fresh.server)
            if Self.signInFingerprint(of: fresh) != startedSignIn {
                pending.append("sso clients of apps and identity providers of districts")
            }
            if !pending.isEmpty {
                logger.warning(
                    "settings change only on restart", ["settings": pending.joined(separator: ", ")])
            }
            current.withLock { $0 = fresh }
            metrics.reloaded(true)
            logger.info(
                "configuration reloaded", ["districts": "\(fresh.districts.count)", "apps": "\(fresh.apps.count)"])
        } catch {
            metrics.reloaded(false)
            logger.error(
                "configuration reload failed; keeping the previous configuration",
                ["error": SyncRunner.describe(error)])
        }
    }

    /// Returns the config.lua names of the server settings that differ from those the service started with,
    /// which take effect only on restart.
    static func restartSettings(running: ServerConfig, configured: ServerConfig) -> [String] {
        var names: [String] = []
        if running.host != configured.host || running.port != configured.port { names.append("listen") }
        if running.threads != configured.threads { names.append("threads") }
        if running.publicURL != configured.publicURL { names.append("public_url") }
        if running.maxLimit != configured.maxLimit { names.append("max_limit") }
        if running.tokenLifetime != configured.tokenLifetime { names.append("token_lifetime") }
        if running.sso != configured.sso { names.append("sso") }
        return names
    }

    /// Returns text that changes when an app's SSO clients or a district's identity providers change.
    static func signInFingerprint(of config: Config) -> String {
        let clients = config.apps.map { "\($0.id)=\($0.ssoClients)" }
        let providers = config.districts.map { "\($0.id)=\($0.identity)" }
        return (clients + providers).joined(separator: "\n")
    }

    /// Checks that every connector and mapping script the configuration names is there.
    static func checkScripts(of config: Config) throws {
        for district in config.districts {
            _ = try SyncRunner.connectorScript(of: district, config: config)
        }
        for app in config.apps {
            _ = try AppMaterializer.mappingScript(of: app, config: config)
        }
    }

    private func shutDown() {
        stopping.store(true, ordering: .releasing)
        scheduler.stop()
        server.stop()
        jobs.cancelAll()
        var waited = 0
        while jobs.runningCount > 0 {
            if waited % 100 == 0 { logger.info("waiting for syncs to finish their current step", [:]) }
            usleep(100_000)
            waited += 1
        }
        logger.info("service stopped", [:])
    }

    private func registerHealthRoutes(into router: inout Router) {
        router.add("GET", "/healthz") { _, _ in
            .json("{\"status\":\"alive\"}")
        }
        router.add("GET", "/readyz") { [self] _, _ in
            guard !stopping.load(ordering: .acquiring) else {
                return .json("{\"status\":\"stopping\"}", status: 503)
            }
            let storeOpen = ownerStore.withLock { store in
                (try? store.database.prepare("SELECT count(*) FROM districts").step()) != nil
            }
            guard storeOpen else { return .json("{\"status\":\"store unavailable\"}", status: 503) }
            return .json("{\"status\":\"ready\"}")
        }
        router.add("GET", "/metrics") { [self] _, _ in
            // Held runs change when someone approves or discards one, so they are counted at each scrape.
            let districts = config.districts.map(\.id)
            ownerStore.withLock { store in
                for district in districts {
                    if let pending = try? store.pendingRuns(district: district) {
                        metrics.held(district, count: pending.count)
                    }
                }
            }
            var response = HTTPResponse.text(metrics.registry.exposition())
            response.headers.replace(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")
            return response
        }
    }
}

/// The router that the server's handler uses, published once after the server has bound its port.
final class RouterSlot: @unchecked Sendable {
    private let published = Atomic<Bool>(false)
    private nonisolated(unsafe) var value = Router()

    /// The router, or nil before `publish` ran.
    var router: Router? {
        published.load(ordering: .acquiring) ? value : nil
    }

    /// Sets the router. Call it only once.
    func publish(_ router: Router) {
        value = router
        published.store(true, ordering: .releasing)
    }
}
