/// A failed LDAP sign-in, search or configuration, with a message that names the server, DN or username.
///
/// Messages never contain a password. `shortCode` is stable and bounded, so it can label a metric.
public struct LDAPError: Error, Sendable, CustomStringConvertible {
    enum TLSCause: Sendable, Equatable {
        case untrustedIssuer(caFile: String?)
        case hostnameMismatch(checkedName: String, certificateName: String)
        case expired
        case notYetValid
        case revoked
        case other(String)
    }

    private enum Code: Sendable {
        case invalidConfig(field: String, value: String, expected: String)
        case unreachable(server: String, hostAndPort: String, timedOut: Bool)
        case tls(server: String, cause: TLSCause)
        case timeout(server: String, operation: String, seconds: Double)
        case serviceBindFailed(server: String, dn: String, reason: String)
        case invalidCredentials(server: String, username: String)
        case emptyPassword(username: String)
        case invalidUsername(username: String, reason: String)
        case noAccount(server: String, username: String, filter: String, baseDN: String)
        case ambiguousAccount(server: String, username: String, count: Int, baseDN: String)
        case referral(server: String, baseDN: String, urls: [String])
        case sizeLimit(server: String, baseDN: String, received: Int)
        case invalidFilter(server: String, filter: String)
        case noSuchBase(server: String, baseDN: String)
        case operationFailed(server: String, operation: String, result: Int32, message: String)
    }

    private let code: Code

    static func invalidConfig(field: String, value: String, expected: String) -> LDAPError {
        LDAPError(code: .invalidConfig(field: field, value: value, expected: expected))
    }
    static func unreachable(server: String, hostAndPort: String, timedOut: Bool) -> LDAPError {
        LDAPError(code: .unreachable(server: server, hostAndPort: hostAndPort, timedOut: timedOut))
    }
    static func tls(server: String, cause: TLSCause) -> LDAPError {
        LDAPError(code: .tls(server: server, cause: cause))
    }
    static func timeout(server: String, operation: String, seconds: Double) -> LDAPError {
        LDAPError(code: .timeout(server: server, operation: operation, seconds: seconds))
    }
    static func serviceBindFailed(server: String, dn: String, reason: String) -> LDAPError {
        LDAPError(code: .serviceBindFailed(server: server, dn: dn, reason: reason))
    }
    static func invalidCredentials(server: String, username: String) -> LDAPError {
        LDAPError(code: .invalidCredentials(server: server, username: username))
    }
    static func emptyPassword(username: String) -> LDAPError { LDAPError(code: .emptyPassword(username: username)) }
    static func invalidUsername(_ username: String, reason: String) -> LDAPError {
        LDAPError(code: .invalidUsername(username: username, reason: reason))
    }
    static func noAccount(server: String, username: String, filter: String, baseDN: String) -> LDAPError {
        LDAPError(code: .noAccount(server: server, username: username, filter: filter, baseDN: baseDN))
    }
    static func ambiguousAccount(server: String, username: String, count: Int, baseDN: String) -> LDAPError {
        LDAPError(code: .ambiguousAccount(server: server, username: username, count: count, baseDN: baseDN))
    }
    static func referral(server: String, baseDN: String, urls: [String]) -> LDAPError {
        LDAPError(code: .referral(server: server, baseDN: baseDN, urls: urls))
    }
    static func sizeLimit(server: String, baseDN: String, received: Int) -> LDAPError {
        LDAPError(code: .sizeLimit(server: server, baseDN: baseDN, received: received))
    }
    static func invalidFilter(server: String, filter: String) -> LDAPError {
        LDAPError(code: .invalidFilter(server: server, filter: filter))
    }
    static func noSuchBase(server: String, baseDN: String) -> LDAPError {
        LDAPError(code: .noSuchBase(server: server, baseDN: baseDN))
    }
    static func operationFailed(server: String, operation: String, result: Int32, message: String) -> LDAPError {
        LDAPError(code: .operationFailed(server: server, operation: operation, result: result, message: message))
    }

    /// A short stable identifier of the problem, such as `ldap.tls` or `ldap.invalid_credentials`.
    public var shortCode: String {
        switch code {
        case .invalidConfig: "ldap.config"
        case .unreachable: "ldap.unreachable"
        case .tls: "ldap.tls"
        case .timeout: "ldap.timeout"
        case .serviceBindFailed: "ldap.service_bind_failed"
        case .invalidCredentials: "ldap.invalid_credentials"
        case .emptyPassword: "ldap.empty_password"
        case .invalidUsername: "ldap.invalid_username"
        case .noAccount: "ldap.no_account"
        case .ambiguousAccount: "ldap.ambiguous_account"
        case .referral: "ldap.referral"
        case .sizeLimit: "ldap.size_limit"
        case .invalidFilter: "ldap.invalid_filter"
        case .noSuchBase: "ldap.no_such_object"
        case .operationFailed: "ldap.operation_failed"
        }
    }

    /// The TLS problem, for tests and callers that show a tailored hint.
    var tlsCause: TLSCause? {
        if case .tls(_, let cause) = code { return cause }
        return nil
    }

    public var description: String {
        switch code {
        case .invalidConfig(let field, let value, let expected):
            return "LDAP setting '\(field)' is '\(value)'; expected \(expected)."
        case .unreachable(let server, let hostAndPort, let timedOut):
            let reason = timedOut ? "the connection timed out" : "nothing accepted the connection"
            return "Cannot connect to \(hostAndPort) for LDAP server '\(server)': \(reason). "
                + "Check the host name, the port and any firewall between Rollbook and the server."
        case .tls(let server, let cause):
            return "TLS with LDAP server '\(server)' failed before any password was sent: "
                + Self.describe(cause)
        case .timeout(let server, let operation, let seconds):
            return "LDAP server '\(server)': the \(operation) timed out after \(Self.format(seconds)) s. "
                + "Check that the server is up, or raise 'operationTimeout'."
        case .serviceBindFailed(let server, let dn, let reason):
            return "LDAP server '\(server)' rejected the bind as service account '\(dn)': \(reason). "
                + "Check 'bindDN' and the service account's password."
        case .invalidCredentials(let server, let username):
            return "LDAP server '\(server)' rejected the password for username '\(username)'."
        case .emptyPassword(let username):
            return "The password for username '\(username)' is empty; it was not sent, because an empty simple "
                + "bind is an unauthenticated bind that servers accept."
        case .invalidUsername(let username, let reason):
            return "Username '\(username)' is invalid: \(reason)."
        case .noAccount(let server, let username, let filter, let baseDN):
            return "No account matches username '\(username)' on LDAP server '\(server)' (filter '\(filter)' "
                + "under '\(baseDN)'). Check the username, or the filter and base DN of the directory settings."
        case .ambiguousAccount(let server, let username, let count, let baseDN):
            return "Username '\(username)' matches \(count) accounts under '\(baseDN)' on LDAP server "
                + "'\(server)'; expected exactly one. Make the user filter more specific or fix the duplicates."
        case .referral(let server, let baseDN, let urls):
            let list = urls.map { "'\($0)'" }.joined(separator: ", ")
            return "Base DN '\(baseDN)' on LDAP server '\(server)' is a referral to \(list); referrals are not "
                + "followed. Point the directory settings at that server, or at the Global Catalog port 3268."
        case .sizeLimit(let server, let baseDN, let received):
            return "LDAP server '\(server)' stopped the search under '\(baseDN)' at its size limit after "
                + "\(received) entries and did not accept paging; the listing is incomplete. Allow the paged "
                + "results control (RFC 2696) for the service account, or raise its size limit."
        case .invalidFilter(let server, let filter):
            return "LDAP server '\(server)' or libldap rejected filter '\(filter)' as invalid; expected an RFC 4515 "
                + "filter such as '(objectClass=inetOrgPerson)'."
        case .noSuchBase(let server, let baseDN):
            return "Base DN '\(baseDN)' does not exist on LDAP server '\(server)'. Check 'baseDN'."
        case .operationFailed(let server, let operation, let result, let message):
            return "The \(operation) on LDAP server '\(server)' failed with result \(result) (\(message))."
        }
    }

    private static func describe(_ cause: TLSCause) -> String {
        switch cause {
        case .untrustedIssuer(let caFile):
            let trusted = caFile.map { "the CA in '\($0)'" } ?? "the system's CA store (no CA file is set)"
            return "the server's certificate is not trusted because it was not issued by \(trusted). "
                + "Set the district's CA certificate file to the CA that issued the server's certificate."
        case .hostnameMismatch(let checkedName, let certificateName):
            return "the server's certificate is for '\(certificateName)', not for host name '\(checkedName)'. "
                + "Use a host name or IP address that the certificate names in the URL "
                + "(libldap checks the machine's own name in place of 'localhost')."
        case .expired:
            return "the server's certificate has expired. Ask the directory's administrator to renew it."
        case .notYetValid:
            return "the server's certificate is not valid yet. Check the clocks of both machines."
        case .revoked:
            return "the server's certificate has been revoked. Ask the directory's administrator for a new one."
        case .other(let detail):
            return "\(detail). Check the server's certificate and the CA certificate file."
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
