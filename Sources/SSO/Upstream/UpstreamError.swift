/// The reason a login from a district's identity provider was rejected, with a short stable code such as
/// `sso.tenant_not_allowed` for logs and metrics.
///
/// `message` names the district, the claim and its value, and what an administrator can change. It contains token
/// content, so log it and show the user a page keyed by `code` rather than the message itself.
public struct UpstreamError: Error, CustomStringConvertible, Sendable, Equatable {
    enum Code: String, Sendable {
        case invalidConfig = "sso.invalid_config"
        case invalidIssuer = "sso.invalid_issuer"
        case tenantNotAllowed = "sso.tenant_not_allowed"
        case domainNotAllowed = "sso.domain_not_allowed"
        case notWorkspaceAccount = "sso.not_workspace_account"
        case guestNotLinked = "sso.guest_not_linked"
        case missingClaim = "sso.missing_claim"
        case ambiguousUser = "sso.ambiguous_user"
        case noLinkedUser = "sso.no_linked_user"
        case userAlreadyLinked = "sso.user_already_linked"
        case upstreamTimedOut = "sso.upstream_timed_out"
        case upstreamUnreachable = "sso.upstream_unreachable"
        case upstreamStatus = "sso.upstream_status"
        case upstreamInvalidResponse = "sso.upstream_invalid_response"
        case discoveryIssuerMismatch = "sso.discovery_issuer_mismatch"
        case tokenRequestFailed = "sso.token_request_failed"
        case invalidIDToken = "sso.invalid_id_token"
        case nonceMismatch = "sso.nonce_mismatch"
    }

    private let kind: Code
    /// The rejected value and the reason, naming the district, the claim and its value.
    public let message: String

    /// The short stable code, usable as a metric label.
    public var code: String { kind.rawValue }
    public var description: String { message }

    init(_ kind: Code, _ message: String) {
        self.kind = kind
        self.message = message
    }

    static func invalidConfig(district: String, field: String, value: String, expected: String) -> UpstreamError {
        UpstreamError(
            .invalidConfig,
            "District '\(district)': provider setting '\(field)' is '\(value.clipped)'; expected \(expected)")
    }

    static func invalidIssuer(district: String, found: String?, expected: String, hint: String) -> UpstreamError {
        UpstreamError(
            .invalidIssuer,
            "District '\(district)': claim 'iss' is '\(found?.clipped ?? "(missing)")'; expected '\(expected)'. \(hint)"
        )
    }

    static func tenantNotAllowed(district: String, found: String, configured: String) -> UpstreamError {
        UpstreamError(
            .tenantNotAllowed,
            "District '\(district)': claim 'tid' is '\(found.clipped)', but the district's tenant is '\(configured)'. "
                + "The account belongs to another Microsoft Entra tenant; if the district moved tenants, update its "
                + "tenant ID")
    }

    static func domainNotAllowed(district: String, found: String, allowed: [String]) -> UpstreamError {
        UpstreamError(
            .domainNotAllowed,
            "District '\(district)': claim 'hd' is '\(found.clipped)', which is not an allowed hosted domain "
                + "(allowed: \(allowed.joined(separator: ", ")); domains must match whole). "
                + "If it is a Workspace domain of the district, add it to the allowed hosted domains")
    }

    static func notWorkspaceAccount(district: String, email: String?) -> UpstreamError {
        UpstreamError(
            .notWorkspaceAccount,
            "District '\(district)': the Google account '\(email?.clipped ?? "(no email)")' has no 'hd' claim, so "
                + "it is a personal account that the district's Workspace does not manage. "
                + "Sign in with the district's Workspace account")
    }

    static func guestNotLinked(district: String, subject: String, homeIssuer: String?) -> UpstreamError {
        let home = homeIssuer.map { " from '\($0.clipped)'" } ?? ""
        return UpstreamError(
            .guestNotLinked,
            "District '\(district)': the guest account '\(subject.clipped)'\(home) has no stored link, and guest "
                + "accounts are never linked automatically. An administrator can link it to a roster user by hand")
    }

    static func missingClaim(district: String, claim: String, provider: String) -> UpstreamError {
        UpstreamError(
            .missingClaim,
            "District '\(district)': claim '\(claim)' is missing or not a non-empty string; the \(provider) "
                + "provider requires it")
    }

    static func ambiguousUser(district: String, count: Int, rule: String, value: String) -> UpstreamError {
        UpstreamError(
            .ambiguousUser,
            "District '\(district)': \(count) roster users match \(rule) '\(value.clipped)', so the login is not "
                + "linked to any of them. Make the value unique in the roster or add a userIds entry to one user")
    }

    static func noLinkedUser(district: String, key: LinkKey, tried: [String]) -> UpstreamError {
        UpstreamError(
            .noLinkedUser,
            "District '\(district)': no linked roster user for subject '\(key.subject.clipped)' at "
                + "'\(key.namespace.clipped)' (tried: \(tried.joined(separator: ", "))). An administrator can add "
                + "a userIds entry with this subject to the user's roster record")
    }

    static func userAlreadyLinked(district: String, user: String, provider: String) -> UpstreamError {
        UpstreamError(
            .userAlreadyLinked,
            "District '\(district)': roster user '\(user)' is already linked to another account of provider "
                + "'\(provider)', so this login is not linked. An administrator can remove the old link first")
    }
}

extension String {
    /// The first 80 characters, with `...` when cut, so that a hostile claim cannot flood a log line.
    fileprivate var clipped: String {
        count > 80 ? String(prefix(80)) + "..." : self
    }
}
