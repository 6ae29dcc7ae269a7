import CSSH

/// Host key algorithms accepted for each pinned key type. RSA keys are verified with SHA-2 signatures only;
/// ssh-rsa (SHA-1) signatures are used only by the destination's legacy opt-in.
private func signatureAlgorithms(forKeyType type: String) -> [String] {
    switch type {
    case "ssh-rsa": return ["rsa-sha2-512", "rsa-sha2-256"]
    case "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521": return [type]
    default: return []
    }
}

/// Every algorithm Rollbook accepts without an opt-in, offered to learn an unpinned server's key for a message.
private let safeHostKeyAlgorithms = [
    "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512",
    "rsa-sha2-256",
]

extension SFTPTransport {
    /// Connects and checks the server's host key against `knownHosts`; returns a session ready for login.
    ///
    /// Only the algorithms of the pinned key types are offered, in file order, so the server must present a
    /// pinned type. A server that signs its RSA key only with ssh-rsa (SHA-1) is rejected unless `allowSHA1RSA` is
    /// set. With the opt-in, a second connection offers ssh-rsa alone and a warning is logged.
    func openVerifiedSession(knownHosts: KnownHosts, log: DeliveryLogHandler) -> Result<SSHSession, DeliveryFailure> {
        let hostName = knownHosts.hostName
        var offered: [String] = []
        for entry in knownHosts.pinned {
            for algorithm in signatureAlgorithms(forKeyType: entry.keyType) where !offered.contains(algorithm) {
                offered.append(algorithm)
            }
        }
        if offered.isEmpty {
            return .failure(notPinnedFailure(knownHosts: knownHosts))
        }

        var session: SSHSession
        switch connect(offering: offered) {
        case .success(let connected): session = connected
        case .failure(let failure): return .failure(failure)
        case .noCommonAlgorithm(let serverOffer):
            let pinsRSA = knownHosts.pinned.contains { $0.keyType == "ssh-rsa" }
            guard pinsRSA, serverOffer.contains("ssh-rsa") else {
                return .failure(mismatchOfAlgorithms(knownHosts: knownHosts, serverOffer: serverOffer))
            }
            guard destination.allowSHA1RSA else {
                return .failure(
                    .permanent(
                        .hostKeyAlgorithmRejected,
                        "Host key rejected: server \(hostName) offers only ssh-rsa (SHA-1) signatures for its RSA "
                            + "host key (offer: '\(serverOffer.joined(separator: ","))'); enable rsa-sha2-512 or "
                            + "rsa-sha2-256 on the server, or set the destination's legacy opt-in allowSHA1RSA"))
            }
            switch connect(offering: ["ssh-rsa"]) {
            case .success(let connected): session = connected
            case .failure(let failure): return .failure(failure)
            case .noCommonAlgorithm(let offer):
                return .failure(mismatchOfAlgorithms(knownHosts: knownHosts, serverOffer: offer))
            }
            log(
                DeliveryLogEntry(
                    level: .warning, message: "accepted ssh-rsa (SHA-1) host key signature by legacy opt-in",
                    metadata: ["host": hostName, "user": destination.user]))
        }

        guard let presented = session.serverHostKey() else {
            return .failure(.transient(.handshakeFailed, "Server \(hostName) presented no readable host key"))
        }
        if knownHosts.revoked.contains(where: { $0.key == presented.blob }) {
            return .failure(
                .permanent(
                    .hostKeyRevoked,
                    "Host key rejected: server \(hostName) presented \(presented.type) \(presented.fingerprint), "
                        + "which '\(destination.knownHostsFile)' marks @revoked"))
        }
        guard knownHosts.pinned.contains(where: { $0.keyType == presented.type && $0.key == presented.blob }) else {
            let pinnedText = knownHosts.pinned.map { entry in
                "\(entry.keyType) \(SSHSession.fingerprint(type: entry.keyType, blob: entry.key) ?? "?") (line \(entry.line))"
            }.joined(separator: ", ")
            return .failure(
                .permanent(
                    .hostKeyMismatch,
                    "Host key mismatch: server \(hostName) presented \(presented.type) \(presented.fingerprint) but "
                        + "'\(destination.knownHostsFile)' pins \(pinnedText); the server's key changed or another "
                        + "host answered, so check with the server's operator before updating known_hosts"))
        }
        return .success(session)
    }

    /// Result of one connection attempt.
    private enum ConnectOutcome {
        case success(SSHSession)
        case failure(DeliveryFailure)
        /// The key exchange found no host key algorithm in common; the server's list is attached.
        case noCommonAlgorithm([String])
    }

    private func connect(offering algorithms: [String]) -> ConnectOutcome {
        let hostName = KnownHosts.hostName(host: destination.host, port: destination.port)
        guard
            let session = SSHSession(
                host: destination.host, port: destination.port, user: destination.user, hostKeyAlgorithms: algorithms,
                timeout: destination.connectTimeout)
        else {
            return .failure(
                .permanent(.invalidDestination, "Could not set up an SSH session for \(hostName); check host and user"))
        }
        guard let error = session.connect() else { return .success(session) }
        if let serverOffer = Self.serverHostKeyOffer(inKexError: error) {
            return .noCommonAlgorithm(serverOffer)
        }
        return .failure(Self.classifyConnectError(error, hostName: hostName))
    }

    /// Extracts the server's host key algorithms from libssh's key exchange error
    /// (`kex error : no match for method server host key algo: server [a,b], client [c]`).
    static func serverHostKeyOffer(inKexError error: String) -> [String]? {
        guard let marker = error.range(of: "server host key algo: server ["),
            let close = error[marker.upperBound...].firstIndex(of: "]")
        else { return nil }
        return error[marker.upperBound..<close].split(separator: ",").map(String.init)
    }

    /// Classifies a failed connect: refused or timed-out connections may pass, protocol mismatches do not.
    static func classifyConnectError(_ error: String, hostName: String) -> DeliveryFailure {
        let lowered = error.lowercased()
        if lowered.contains("timeout") || lowered.contains("timed out") {
            return .transient(.timedOut, "Connection to \(hostName) timed out: \(error)")
        }
        if lowered.contains("kex error") || lowered.contains("no match for method") {
            return .permanent(.handshakeFailed, "SSH key exchange with \(hostName) failed: \(error)")
        }
        return .transient(.connectionFailed, "Could not connect to \(hostName): \(error)")
    }

    /// Builds the rejection for a host without a pinned key, naming the key the server presents when it responds.
    private func notPinnedFailure(knownHosts: KnownHosts) -> DeliveryFailure {
        var message = "Host key rejected: no pinned key for \(knownHosts.hostName) in '\(destination.knownHostsFile)'"
        if !knownHosts.portTwentyTwoLines.isEmpty {
            let lines = knownHosts.portTwentyTwoLines.map(String.init).joined(separator: ", ")
            message += " (line \(lines) pins '\(destination.host)', which applies to port 22 only)"
        }
        if knownHosts.hashedLines > 0 {
            // TODO: match hashed `|1|salt|hmac` host names (HMAC-SHA1 of the host name) instead of skipping them.
            message +=
                " (\(knownHosts.hashedLines) hashed lines were skipped because hashed host names are not supported)"
        }
        if case .success(let session) = connect(offering: safeHostKeyAlgorithms), let key = session.serverHostKey() {
            message += "; the server presented \(key.type) \(key.fingerprint)"
        }
        message +=
            "; add a '\(knownHosts.hostName) <type> <key>' line after checking the fingerprint with the server's operator"
        return .permanent(.hostKeyNotPinned, message)
    }

    /// Builds the rejection for a server whose host key types differ from every pinned type.
    private func mismatchOfAlgorithms(knownHosts: KnownHosts, serverOffer: [String]) -> DeliveryFailure {
        var message =
            "Host key mismatch: server \(knownHosts.hostName) offers host key algorithms "
            + "'\(serverOffer.joined(separator: ","))' but '\(destination.knownHostsFile)' pins "
            + knownHosts.pinned.map(\.keyType).joined(separator: ", ")
        if case .success(let session) = connect(offering: safeHostKeyAlgorithms), let key = session.serverHostKey() {
            message += "; the server presented \(key.type) \(key.fingerprint)"
        }
        return .permanent(.hostKeyMismatch, message)
    }
}
