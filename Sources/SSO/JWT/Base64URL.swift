/// Strict base64url decoding for JWS segments (RFC 7515 section 2): URL-safe alphabet, no padding, no whitespace.
enum Base64URL {
    /// Decodes `text`, or returns nil for any character outside the alphabet, `=` padding, an impossible length or
    /// nonzero unused bits, so that each byte string has exactly one accepted encoding.
    static func decode(_ text: Substring) -> [UInt8]? {
        var standard = ""
        standard.reserveCapacity(text.utf8.count + 2)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                standard.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "-"): standard.append("+")
            case UInt8(ascii: "_"): standard.append("/")
            default: return nil
            }
        }
        guard let bytes = Base64.decode(Substring(standard)) else { return nil }
        // Foundation accepts nonzero unused bits in the last character, so the bytes are re-encoded and compared.
        guard Base64.encodeURLSafe(bytes).utf8.elementsEqual(text.utf8) else { return nil }
        return bytes
    }
}
