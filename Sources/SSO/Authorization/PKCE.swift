/// Proof Key for Code Exchange with the S256 method (RFC 7636).
enum PKCE {
    /// Checks that `value` has 43 to 128 characters from `A-Z a-z 0-9 - . _ ~`, the verifier syntax of RFC 7636
    /// section 4.1. An S256 challenge is 43 base64url characters, which this syntax also covers.
    static func isWellFormed(_ value: String) -> Bool {
        let bytes = value.utf8
        guard bytes.count >= 43 && bytes.count <= 128 else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                true
            default: false
            }
        }
    }

    /// Checks that base64url(SHA-256(verifier)) equals `challenge`, comparing in constant time.
    static func verify(verifier: String, challenge: String) -> Bool {
        let computed = Base64.encodeURLSafe(Digest.sha256(Array(verifier.utf8)))
        return Digest.constantTimeEquals(Array(computed.utf8), Array(challenge.utf8))
    }
}
