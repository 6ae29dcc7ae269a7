import Dispatch
import Export
import Foundation
import HTTP
import LDAP
import SSO
import Store

/// The OpenID provider of the service: the authorization server, its signing keys and the sign-in pages.
struct SignInService: Sendable {
    let authorization: AuthorizationServer
    let pages: SignInPages
    let keys: SigningKeyRing

    /// The scopes the provider offers.
    static let scopes = ["openid", "profile", "email", "roster", "offline_access"]

    /// Builds the provider from the configuration. Loads or creates the signing keys in `store`.
    static func make(
        config: Config, issuer: String, store: SnapshotStore, views: RESTProvider, logger: Logger
    ) throws -> SignInService {
        var discovery = try OpenIDDiscovery(issuer: issuer)
        discovery.scopes = scopes
        discovery.claims = [
            "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "name", "given_name", "family_name",
            "middle_name", "preferred_username", "email", "email_verified", "district", "roster_role", "roster_roles",
            "roster_orgs", "roster_grades",
        ]
        let settings = config.server.sso
        let keys = SigningKeyRing(policy: settings.keyPolicy)
        try keys.rotate(now: Date(), store: store)
        let clients = try SSOClientRegistry(
            config.apps.flatMap { app in try app.ssoClients.map { try $0.ssoClient() } })
        let claims = AppViewClaims(provider: views)
        let authorization = AuthorizationServer(
            discovery: discovery, clients: clients, keys: keys, policy: settings.policy,
            refreshUser: { user, client in
                claims.claims(app: client.app, district: user.district, sourcedId: user.sourcedId)
            }, refreshTokens: try StoreRefreshTokenArchive(path: config.storePath))
        let links = try StoreLinkStore(path: config.storePath)
        // The lookup indexes cost every bulk sync a second per million users, so only a store that signs people in
        // gets them.
        let signsPeopleIn = config.districts.contains { !$0.identity.isEmpty }
        let directory = try StoreRosterDirectory(path: config.storePath, makesIndexes: signsPeopleIn)
        let linker = AccountLinker(directory: directory, store: links)
        let districts = try config.districts.map { district in
            SignInDistrict(
                id: district.id, name: district.name,
                providers: try district.identity.map { try signInProvider($0) })
        }
        let pages = SignInPages(
            districts: districts,
            sessions: SignInSessions(
                lifetime: Double(settings.sessionLifetime), idleTimeout: Double(settings.sessionIdleTimeout)),
            linker: linker, links: links, claims: claims, apps: config.apps, issuer: discovery.issuer,
            authorizationPath: discovery.authorizationPath, logger: logger)
        return SignInService(authorization: authorization, pages: pages, keys: keys)
    }

    /// Mounts the provider's endpoints and the sign-in pages.
    func register(into router: inout Router) {
        let pages = self.pages
        authorization.register(
            into: &router,
            signIn: { request, authorization in pages.outcome(for: request, authorization: authorization) },
            endSession: { request, subject in pages.endSession(request, subject: subject) })
        pages.register(into: &router)
    }

    /// Builds one identity provider of a district.
    static func signInProvider(_ config: IdentityProviderConfig) throws -> SignInProvider {
        let upstream = try UpstreamProvider(
            id: config.id, district: config.district, kind: try upstreamKind(config), linking: config.linking)
        if let ldap = config.ldap {
            return SignInProvider(config: config, upstream: upstream, method: .directory(LDAPDirectory(config: ldap)))
        }
        return SignInProvider(config: config, upstream: upstream, method: .redirect(try openIDClient(config, upstream)))
    }
}

extension SignInService {
    /// Returns the upstream provider kind with the settings its identity checks need.
    static func upstreamKind(_ config: IdentityProviderConfig) throws -> UpstreamProvider.Kind {
        let openID = config.openID
        switch config.kind {
        case .ldap:
            return .ldap(directoryURL: config.ldap?.url ?? "")
        case .google:
            return .google(allowedHostedDomains: openID?.hostedDomains ?? [])
        case .entra:
            return .entra(
                tenantID: openID?.tenant ?? "",
                issuerTemplate: openID?.issuerTemplate ?? UpstreamProvider.entraIssuerTemplate)
        case .adfs:
            return .adfs(issuer: openID?.issuer ?? "")
        case .oidc:
            return .oidc(issuer: openID?.issuer ?? "")
        }
    }

    /// Returns the OpenID Connect client that signs people in at `upstream`.
    static func openIDClient(_ config: IdentityProviderConfig, _ upstream: UpstreamProvider) throws
        -> UpstreamOIDCClient
    {
        guard let openID = config.openID else {
            throw ConfigError(file: "", message: "identity provider '\(config.id)' has no OpenID Connect settings")
        }
        var settings = UpstreamOIDCSettings(
            clientID: openID.clientID, clientSecret: openID.clientSecret,
            tokenEndpointAuthentication: openID.authMethod == "client_secret_post" ? .post : .basic,
            discoveryURL: openID.discoveryURL, domainHint: openID.domainHint)
        if !openID.scopes.isEmpty { settings.scopes = openID.scopes }
        if config.kind == .google, let issuer = openID.issuer { settings.googleIssuer = issuer }
        return try UpstreamOIDCClient(provider: upstream, settings: settings)
    }
}

extension UpstreamOIDCClient: RedirectSignIn {}
