import Foundation
import Glibc

/// Random tokens for admin session ids and CSRF tokens, read from the kernel's `/dev/urandom`.
enum SecureToken {
    /// Bytes of randomness in one token: 256 bits.
    static let byteCount = 32

    /// Returns `byteCount` bytes from `/dev/urandom` as base64url text without padding (43 characters).
    static func make() throws(AdminError) -> String {
        let descriptor = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw AdminError.randomUnavailable(errno: errno) }
        defer { close(descriptor) }

        var bytes = [UInt8](repeating: 0, count: byteCount)
        var filled = 0
        // A read from /dev/urandom returns the requested bytes at once. The bound only guards against a broken device.
        var attempts = 0
        while filled < byteCount && attempts < 8 {
            attempts += 1
            let count = bytes.withUnsafeMutableBytes { buffer in
                read(descriptor, buffer.baseAddress.map { $0 + filled }, byteCount - filled)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw AdminError.randomUnavailable(errno: count < 0 ? errno : 0) }
            filled += count
        }
        guard filled == byteCount else { throw AdminError.randomUnavailable(errno: 0) }
        return base64URL(bytes)
    }

    /// Encodes bytes as base64url (RFC 4648, section 5) without `=` padding, so the text fits a cookie value.
    static func base64URL(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    /// Compares two tokens in time that depends only on their lengths, not on where they first differ.
    static func matches(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8)
        let right = Array(rhs.utf8)
        guard left.count == right.count, !left.isEmpty else { return false }
        var difference: UInt8 = 0
        for index in 0..<left.count {
            difference |= left[index] ^ right[index]
        }
        return difference == 0
    }
}
