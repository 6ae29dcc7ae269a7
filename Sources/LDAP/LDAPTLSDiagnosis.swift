import Foundation

/// Names the reason a TLS handshake failed from libldap's debug lines and diagnostic message.
///
/// GnuTLS builds of libldap 2.5 log "TLS: peer cert untrusted or revoked (0x42)" with GnuTLS's verification
/// status bits, and "TLS: hostname (a) does not match common name in certificate (b)". OpenSSL builds put
/// OpenSSL's verification error into the diagnostic message. Both are read here.
enum LDAPTLSDiagnosis {
    // GnuTLS certificate status bits (gnutls_certificate_status_t).
    private static let revokedBit: UInt32 = 0x20
    private static let signerNotFoundBit: UInt32 = 0x40
    private static let signerNotCABit: UInt32 = 0x80
    private static let notActivatedBit: UInt32 = 0x200
    private static let expiredBit: UInt32 = 0x400

    /// Returns the TLS cause, or nil when nothing shows that TLS was reached (the server was not reachable).
    static func cause(lines: [String], diagnosticMessage: String?, caFile: String?) -> LDAPError.TLSCause? {
        for line in lines {
            if let mismatch = hostnameMismatch(in: line) { return mismatch }
            if let status = verificationStatus(in: line) { return cause(status: status, caFile: caFile) }
            if line.contains("peer cert is expired") { return .expired }
        }
        if let message = diagnosticMessage, !message.isEmpty, message != "(unknown error code)" {
            return cause(openSSLMessage: message, caFile: caFile)
        }
        if let line = lines.first(where: { $0.hasPrefix("TLS:") }) {
            return .other(line.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return nil
    }

    private static func hostnameMismatch(in line: String) -> LDAPError.TLSCause? {
        guard line.contains("does not match common name in certificate") else { return nil }
        let names = parenthesized(line)
        guard names.count >= 2 else { return .hostnameMismatch(checkedName: "?", certificateName: "?") }
        return .hostnameMismatch(checkedName: names[0], certificateName: names[1])
    }

    private static func verificationStatus(in line: String) -> UInt32? {
        guard line.contains("peer cert untrusted or revoked"), let hex = parenthesized(line).last else { return nil }
        return UInt32(hex.hasPrefix("0x") ? String(hex.dropFirst(2)) : hex, radix: 16)
    }

    private static func cause(status: UInt32, caFile: String?) -> LDAPError.TLSCause {
        if status & expiredBit != 0 { return .expired }
        if status & notActivatedBit != 0 { return .notYetValid }
        if status & revokedBit != 0 { return .revoked }
        if status & (signerNotFoundBit | signerNotCABit) != 0 { return .untrustedIssuer(caFile: caFile) }
        return .other("the server's certificate failed verification (GnuTLS status 0x\(String(status, radix: 16)))")
    }

    private static func cause(openSSLMessage message: String, caFile: String?) -> LDAPError.TLSCause {
        let lowered = message.lowercased()
        if lowered.contains("expired") { return .expired }
        if lowered.contains("not yet valid") { return .notYetValid }
        if lowered.contains("revoked") { return .revoked }
        if lowered.contains("issuer certificate") || lowered.contains("self-signed")
            || lowered.contains("self signed")
        {
            return .untrustedIssuer(caFile: caFile)
        }
        if lowered.contains("hostname") || lowered.contains("does not match") {
            return .hostnameMismatch(checkedName: "?", certificateName: "?")
        }
        return .other(message)
    }

    private static func parenthesized(_ line: String) -> [String] {
        var found: [String] = []
        var current: String?
        for character in line {
            if character == "(" {
                current = ""
            } else if character == ")", let text = current {
                found.append(text)
                current = nil
            } else if current != nil {
                current?.append(character)
            }
        }
        return found
    }
}
