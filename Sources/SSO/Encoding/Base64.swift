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
    ///
    /// It writes the characters straight from a table: every token, code and id_token is encoded this way, and
    /// replacing `+` and `/` in Foundation's output cost about a tenth of a token request.
    static func encodeURLSafe(_ bytes: [UInt8]) -> String {
        let count = (bytes.count * 4 + 2) / 3
        return String(unsafeUninitializedCapacity: count) { output in
            bytes.withUnsafeBufferPointer { input in
                var read = 0
                var written = 0
                while read + 3 <= input.count {
                    let chunk = UInt32(input[read]) << 16 | UInt32(input[read + 1]) << 8 | UInt32(input[read + 2])
                    output[written] = urlAlphabet[Int(chunk >> 18)]
                    output[written + 1] = urlAlphabet[Int(chunk >> 12 & 63)]
                    output[written + 2] = urlAlphabet[Int(chunk >> 6 & 63)]
                    output[written + 3] = urlAlphabet[Int(chunk & 63)]
                    read += 3
                    written += 4
                }
                let left = input.count - read
                if left > 0 {
                    let chunk = UInt32(input[read]) << 16 | (left == 2 ? UInt32(input[read + 1]) << 8 : 0)
                    output[written] = urlAlphabet[Int(chunk >> 18)]
                    output[written + 1] = urlAlphabet[Int(chunk >> 12 & 63)]
                    written += 2
                    if left == 2 {
                        output[written] = urlAlphabet[Int(chunk >> 6 & 63)]
                        written += 1
                    }
                }
                return written
            }
        }
    }

    /// The URL-safe alphabet as UTF-8 bytes.
    private static let urlAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

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
