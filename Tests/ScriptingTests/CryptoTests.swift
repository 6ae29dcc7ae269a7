import Testing

@testable import Scripting

/// The HMAC-SHA256 cases of RFC 4231 section 4 and the base64 cases of RFC 4648 section 10.
@Suite struct CryptoTests {
    @Test func hmacMatchesRFC4231() throws {
        let cases: [(key: String, data: String, mac: String)] = [
            (
                "string.rep('\\x0b', 20)", "'Hi There'",
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
            ),
            (
                "'Jefe'", "'what do ya want for nothing?'",
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
            ),
            (
                "string.rep('\\xaa', 20)", "string.rep('\\xdd', 50)",
                "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"
            ),
            (
                "string.rep('\\xaa', 131)", "'Test Using Larger Than Block-Size Key - Hash Key First'",
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
            ),
        ]
        for item in cases {
            let source = """
                local mac = rollbook.crypto.hmac_sha256(\(item.key), \(item.data))
                return #mac, (mac:gsub('.', function(c) return string.format('%02x', c:byte()) end))
                """
            let results = try evaluate(source)
            #expect(results.first == .integer(32), "key \(item.key)")
            #expect(results.last?.stringValue == item.mac, "key \(item.key)")
        }
    }

    @Test func hmacRejectsNonString() {
        let error = scriptError("return rollbook.crypto.hmac_sha256('key', 42)")
        #expect(error?.message == "bad argument #2 to 'rollbook.crypto.hmac_sha256' (string expected, got number)")
    }

    @Test func base64MatchesRFC4648() throws {
        let cases = [
            ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
        ]
        for (input, encoded) in cases {
            let results = try evaluate("return rollbook.base64.encode('\(input)')")
            #expect(results.first?.stringValue == encoded, "input '\(input)'")
        }
    }

    @Test func base64KeepsBinaryBytes() throws {
        let results = try evaluate("return rollbook.base64.encode('\\0\\255\\128')")
        #expect(results.first?.stringValue == "AP+A")
    }

    @Test func randomHexLengthAndDigits() throws {
        let results = try evaluate(
            "local a, b = rollbook.crypto.random_hex(31), rollbook.crypto.random_hex(32) return a, b, a:match('^%x+$')")
        let first = try #require(results.first?.stringValue)
        #expect(first.count == 31)
        #expect(results[1].stringValue?.count == 32)
        #expect(results[2].stringValue == first)
        #expect(first.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(first != String(results[1].stringValue?.prefix(31) ?? ""))
    }

    @Test func randomHexRejectsBadLength() {
        let zero = scriptError("return rollbook.crypto.random_hex(0)")
        #expect(
            zero?.message
                == "bad argument #1 to 'rollbook.crypto.random_hex' (length '0' is out of range; expected 1 to 1024)")
        let fraction = scriptError("return rollbook.crypto.random_hex(1.5)")
        #expect(fraction?.message == "bad argument #1 to 'rollbook.crypto.random_hex' (integer expected, got number)")
    }
}
