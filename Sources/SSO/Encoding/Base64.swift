import Foundation

/// Base64 in the standard and URL-safe alphabets (RFC 4648 sections 4 and 5), with or without padding.
enum Base64 {
    /// Encodes `bytes` in the standard alphabet with `=` padding.
    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }

    /// Encodes `bytes` in the standard alphabet without padding, as PHC strings write salts and hashes.
    static func encodeUnpadded(_ bytes: [UInt8]) -> String {
        var text = encode(bytes)
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    /// Encodes `bytes` in the URL-safe alphabet without padding, so the result needs no escaping anywhere.
    static func encodeURLSafe(_ bytes: [UInt8]) -> String {
        var text = encodeUnpadded(bytes)
        text = text.replacingOccurrences(of: "+", with: "-")
        return text.replacingOccurrences(of: "/", with: "_")
    }

    /// Decodes standard-alphabet base64, padded or not. Returns nil for any other character or an invalid length.
    static func decode(_ text: Substring) -> [UInt8]? {
        var padded = String(text)
        switch padded.utf8.count % 4 {
        case 0: break
        case 2: padded += "=="
        case 3: padded += "="
        default: return nil
        }
        guard let data = Data(base64Encoded: padded) else { return nil }
        return [UInt8](data)
    }
}
