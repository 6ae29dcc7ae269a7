import CSSH
import Foundation

/// One libssh client session: TCP connection, key exchange restricted to chosen host key algorithms, login.
///
/// The session is used from one thread and freed on deinit.
final class SSHSession {
    let handle: ssh_session

    /// A server's host key as presented during key exchange.
    struct HostKey {
        /// Key type, such as `ssh-ed25519` or `ssh-rsa`.
        let type: String
        /// The public key blob.
        let blob: [UInt8]
        /// OpenSSH-style fingerprint, `SHA256:` and unpadded base64.
        let fingerprint: String
    }

    /// Creates a session that offers only `hostKeyAlgorithms` and reads no ssh_config or known_hosts file.
    init?(host: String, port: Int, user: String, hostKeyAlgorithms: [String], timeout: Double) {
        guard let handle = ssh_new() else { return nil }
        self.handle = handle
        var portValue = Int32(clamping: port)
        var processConfig = false
        // Without TCP_NODELAY each synchronous 32 KiB SFTP write waited for a delayed ACK: 64 MiB took 60 s
        // over loopback in a debug build, and 0.35 s with it.
        var noDelay: Int32 = 1
        guard setOption(SSH_OPTIONS_HOST, host), setOption(SSH_OPTIONS_USER, user),
            ssh_options_set(handle, SSH_OPTIONS_PORT, &portValue) == SSH_OK,
            ssh_options_set(handle, SSH_OPTIONS_PROCESS_CONFIG, &processConfig) == SSH_OK,
            ssh_options_set(handle, SSH_OPTIONS_NODELAY, &noDelay) == SSH_OK,
            setOption(SSH_OPTIONS_KNOWNHOSTS, "/dev/null"), setOption(SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null"),
            setOption(SSH_OPTIONS_HOSTKEYS, hostKeyAlgorithms.joined(separator: ","))
        else { return nil }
        setTimeout(timeout)
    }

    deinit {
        if ssh_is_connected(handle) != 0 { ssh_disconnect(handle) }
        ssh_free(handle)
    }

    /// Sets the limit of each blocking call (connect, key exchange, SFTP request) in seconds.
    func setTimeout(_ seconds: Double) {
        let bounded = max(0.001, seconds)
        var whole = Int(bounded.rounded(.down))
        var micro = Int((bounded - Double(whole)) * 1_000_000)
        // libssh adds the microseconds to the seconds; both zero would mean "no timeout".
        if whole == 0 && micro == 0 { micro = 1000 }
        _ = ssh_options_set(handle, SSH_OPTIONS_TIMEOUT, &whole)
        _ = ssh_options_set(handle, SSH_OPTIONS_TIMEOUT_USEC, &micro)
    }

    /// Opens the TCP connection and runs the key exchange; returns libssh's error text on failure.
    func connect() -> String? {
        ssh_connect(handle) == SSH_OK ? nil : errorText
    }

    /// Returns the host key the server presented, or nil before a successful key exchange.
    func serverHostKey() -> HostKey? {
        var key: ssh_key?
        guard ssh_get_server_publickey(handle, &key) == SSH_OK, let key else { return nil }
        defer { ssh_key_free(key) }
        var encoded: UnsafeMutablePointer<CChar>?
        guard ssh_pki_export_pubkey_base64(key, &encoded) == SSH_OK, let encoded else { return nil }
        defer { ssh_string_free_char(encoded) }
        guard let blob = Data(base64Encoded: String(cString: encoded)),
            let type = ssh_key_type_to_char(ssh_key_type(key))
        else { return nil }
        return HostKey(type: String(cString: type), blob: [UInt8](blob), fingerprint: Self.fingerprint(of: key) ?? "")
    }

    /// Logs in with the private key; the public key file, when given, is offered first so a refused key is
    /// never used to sign. Returns a reason on failure.
    func authenticate(privateKeyFile: String, publicKeyFile: String?, passphrase: String?) -> AuthenticationFailure? {
        if let publicKeyFile {
            var publicKey: ssh_key?
            guard ssh_pki_import_pubkey_file(publicKeyFile, &publicKey) == SSH_OK, let publicKey else {
                return .unreadableKey("Public key file '\(publicKeyFile)' is missing or not an SSH public key")
            }
            defer { ssh_key_free(publicKey) }
            let offered = ssh_userauth_try_publickey(handle, nil, publicKey)
            if offered != SSH_AUTH_SUCCESS.rawValue {
                return .rejected(errorText)
            }
        }
        var privateKey: ssh_key?
        guard ssh_pki_import_privkey_file(privateKeyFile, passphrase, nil, nil, &privateKey) == SSH_OK, let privateKey
        else {
            return .unreadableKey(
                "Private key file '\(privateKeyFile)' is missing, not a private key, or its passphrase is wrong")
        }
        defer { ssh_key_free(privateKey) }
        let result = ssh_userauth_publickey(handle, nil, privateKey)
        return result == SSH_AUTH_SUCCESS.rawValue ? nil : .rejected(errorText)
    }

    /// The reason a login failed.
    enum AuthenticationFailure {
        case unreadableKey(String)
        case rejected(String)
    }

    /// The last libssh error of this session.
    var errorText: String {
        guard let text = ssh_get_error(UnsafeMutableRawPointer(handle)) else { return "unknown libssh error" }
        return String(cString: text)
    }

    /// Whether the last error broke the connection (libssh's SSH_FATAL), as opposed to a refused request.
    var lastErrorIsFatal: Bool {
        ssh_get_error_code(UnsafeMutableRawPointer(handle)) == Int32(SSH_FATAL.rawValue)
    }

    /// Returns the OpenSSH-style SHA-256 fingerprint of a key.
    static func fingerprint(of key: ssh_key) -> String? {
        var hash: UnsafeMutablePointer<UInt8>?
        var length = 0
        guard ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &length) == SSH_OK, hash != nil else {
            return nil
        }
        defer { ssh_clean_pubkey_hash(&hash) }
        guard let text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, length) else { return nil }
        defer { ssh_string_free_char(text) }
        return String(cString: text)
    }

    /// Returns the SHA-256 fingerprint of a key given as its type and blob, as pinned in known_hosts.
    static func fingerprint(type: String, blob: [UInt8]) -> String? {
        var key: ssh_key?
        let encoded = Data(blob).base64EncodedString()
        guard ssh_pki_import_pubkey_base64(encoded, ssh_key_type_from_name(type), &key) == SSH_OK, let key else {
            return nil
        }
        defer { ssh_key_free(key) }
        return fingerprint(of: key)
    }

    private func setOption(_ option: ssh_options_e, _ value: String) -> Bool {
        value.withCString { ssh_options_set(handle, option, $0) == SSH_OK }
    }
}
