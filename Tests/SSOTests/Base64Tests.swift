import Foundation
import Testing

@testable import SSO

/// The URL-safe base64 encoder against RFC 4648's test vectors and Foundation's encoder.
struct Base64Tests {
    @Test func rfcVectorsEncode() {
        let vectors = [
            ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ]
        for (input, expected) in vectors {
            #expect(Base64.encodeURLSafe(Array(input.utf8)) == expected)
        }
        #expect(Base64.encodeURLSafe([0xfb, 0xff, 0xbf]) == "-_-_")
    }

    @Test func everyLengthMatchesFoundation() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let reference = Data(bytes).base64EncodedString().replacingOccurrences(of: "=", with: "")
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            #expect(Base64.encodeURLSafe(bytes) == reference, "length \(length)")
            #expect(
                Base64.decode(
                    Substring(
                        reference.replacingOccurrences(of: "-", with: "+")
                            .replacingOccurrences(of: "_", with: "/"))) == bytes || length == 0)
        }
    }
}
