import CLDAP
import Foundation
import Glibc

/// One libldap session to a district's server, used by one thread from open to close.
///
/// libldap handles are not safe to share between threads, so every `LDAPDirectory` call opens its own.
final class LDAPConnection {
    let config: LDAPDirectoryConfig
    let handle: OpaquePointer

    /// Opens a connection, with TLS when the configuration requires it, and checks the server's certificate.
    init(config: LDAPDirectoryConfig) throws(LDAPError) {
        self.config = config
        var created: OpaquePointer?
        let status = ldap_initialize(&created, config.url)
        guard status == LDAP_SUCCESS, let created else {
            throw .invalidConfig(field: "url", value: config.url, expected: "a URL that libldap can parse")
        }
        handle = created
        // Every stored property is set, so a throw from here on runs deinit, which frees the handle.
        try applyOptions()
        try connect()
    }

    deinit {
        ldap_unbind_ext_s(handle, nil, nil)
    }

    /// Sets protocol version, referral chasing off, timeouts and a TLS context of this handle's own.
    private func applyOptions() throws(LDAPError) {
        var version = LDAP_VERSION3
        try setOption(LDAP_OPT_PROTOCOL_VERSION, &version, name: "protocol version")
        // LDAP_OPT_OFF is a null pointer: with it libldap returns referrals instead of chasing them.
        try setOption(LDAP_OPT_REFERRALS, nil, name: "referrals off")
        var connectLimit = Self.timeval(config.connectTimeout)
        try setOption(LDAP_OPT_NETWORK_TIMEOUT, &connectLimit, name: "network timeout")
        var operationLimit = Self.timeval(config.operationTimeout)
        try setOption(LDAP_OPT_TIMEOUT, &operationLimit, name: "operation timeout")
        guard config.usesLDAPS || config.startTLS else { return }

        // The CA and the check level are set on this handle, then LDAP_OPT_X_TLS_NEWCTX builds a TLS context
        // from them, so one district's CA is never trusted on another district's connection.
        if let caFile = config.caCertificateFile {
            try setOption(LDAP_OPT_X_TLS_CACERTFILE, caFile, name: "CA certificate file")
        }
        var demand = LDAP_OPT_X_TLS_DEMAND
        try setOption(LDAP_OPT_X_TLS_REQUIRE_CERT, &demand, name: "certificate check")
        var client: Int32 = 0
        try setOption(LDAP_OPT_X_TLS_NEWCTX, &client, name: "new TLS context")
    }

    private func setOption(_ option: Int32, _ value: UnsafeRawPointer?, name: String) throws(LDAPError) {
        let status = ldap_set_option(handle, option, value)
        guard status == LDAP_OPT_SUCCESS else {
            throw .operationFailed(
                server: config.url, operation: "setting of libldap option '\(name)'", result: status,
                message: String(cString: ldap_err2string(status)))
        }
    }

    /// Connects, runs StartTLS when configured, and turns a failure into an unreachable, TLS or timeout error.
    private func connect() throws(LDAPError) {
        let started = ContinuousClock.now
        let (result, lines) = LDAPDebugLog.capture { () throws(LDAPError) -> Int32 in
            var status = ldap_connect(handle)
            if status == LDAP_SUCCESS && config.startTLS {
                status = ldap_start_tls_s(handle, nil, nil)
            }
            return status
        }
        let status: Int32
        switch result {
        case .success(let value): status = value
        case .failure(let error): throw error
        }
        if status == LDAP_SUCCESS { return }

        let diagnostic = diagnosticMessage()
        let usedTLS = config.usesLDAPS || config.startTLS
        if usedTLS,
            let cause = LDAPTLSDiagnosis.cause(
                lines: lines, diagnosticMessage: diagnostic, caFile: config.caCertificateFile)
        {
            throw .tls(server: config.url, cause: cause)
        }
        if status == LDAP_TIMEOUT {
            throw .timeout(server: config.url, operation: "connection", seconds: Self.seconds(config.operationTimeout))
        }
        if status == LDAP_SERVER_DOWN || status == LDAP_CONNECT_ERROR {
            let timedOut = ContinuousClock.now - started >= config.connectTimeout
            throw .unreachable(server: config.url, hostAndPort: config.hostAndPort, timedOut: timedOut)
        }
        let operation = config.startTLS ? "StartTLS request" : "connection"
        throw .operationFailed(
            server: config.url, operation: operation, result: status, message: describe(status, diagnostic))
    }

    /// Binds with a simple bind. The caller has rejected an empty password, which would bind anonymously.
    func bind(dn: String, password: String) -> Int32 {
        var utf8 = Array(password.utf8)
        return utf8.withUnsafeMutableBufferPointer { bytes in
            var credential = berval(
                bv_len: ber_len_t(bytes.count),
                bv_val: UnsafeMutableRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self))
            // LDAP_SASL_SIMPLE is a null mechanism name.
            return ldap_sasl_bind_s(handle, dn, nil, &credential, nil, nil, nil)
        }
    }

    /// Binds as the service account from the configuration.
    func bindServiceAccount() throws(LDAPError) {
        let status = bind(dn: config.bindDN, password: config.bindPassword)
        if status == LDAP_SUCCESS { return }
        try throwIfConnectionLost(status, operation: "service account bind")
        let reason =
            status == LDAP_INVALID_CREDENTIALS
            ? "invalid credentials" : describe(status, diagnosticMessage())
        throw .serviceBindFailed(server: config.url, dn: config.bindDN, reason: reason)
    }

    /// Throws a timeout or unreachable error for the client-side result codes of a lost or slow server.
    func throwIfConnectionLost(_ status: Int32, operation: String) throws(LDAPError) {
        if status == LDAP_TIMEOUT {
            throw .timeout(server: config.url, operation: operation, seconds: Self.seconds(config.operationTimeout))
        }
        if status == LDAP_SERVER_DOWN || status == LDAP_CONNECT_ERROR {
            throw .unreachable(server: config.url, hostAndPort: config.hostAndPort, timedOut: false)
        }
    }

    /// Returns the server's or libldap's diagnostic message for the last operation, if any.
    func diagnosticMessage() -> String? {
        var text: UnsafeMutablePointer<CChar>?
        guard ldap_get_option(handle, LDAP_OPT_DIAGNOSTIC_MESSAGE, &text) == LDAP_OPT_SUCCESS, let text else {
            return nil
        }
        defer { ldap_memfree(text) }
        let message = String(cString: text)
        return message.isEmpty ? nil : message
    }

    /// Formats the result code's name from libldap, with the diagnostic message when there is one.
    func describe(_ status: Int32, _ diagnostic: String?) -> String {
        let name = String(cString: ldap_err2string(status))
        guard let diagnostic else { return name }
        return "\(name): \(diagnostic)"
    }

    static func timeval(_ duration: Duration) -> Glibc.timeval {
        let parts = duration.components
        return Glibc.timeval(tv_sec: Int(parts.seconds), tv_usec: Int(parts.attoseconds / 1_000_000_000_000))
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
