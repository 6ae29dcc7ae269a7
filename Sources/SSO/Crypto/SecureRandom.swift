import COpenSSL

/// Cryptographically secure random bytes from libcrypto's `RAND_bytes`, which OpenSSL seeds from the operating
/// system.
enum SecureRandom {
    /// Returns `count` random bytes. Stops the process when the generator fails, because nothing safe can follow.
    static func bytes(_ count: Int) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: count)
        let generated = output.withUnsafeMutableBufferPointer { buffer in
            RAND_bytes(buffer.baseAddress, Int32(buffer.count)) == 1
        }
        precondition(generated, "RAND_bytes failed to produce random bytes.")
        return output
    }
}
