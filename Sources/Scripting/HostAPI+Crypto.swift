import CLua
import COpenSSL

extension HostAPI {
    /// The largest `rollbook.crypto.random_hex` length, far above what a nonce or an id needs.
    static let maxRandomHexLength = 1024

    static let cryptoFunctions: [HostFunction] = [
        HostFunction(
            name: "crypto.hmac_sha256", scope: .rollbook, signature: "rollbook.crypto.hmac_sha256(key, data) -> bytes",
            summary: "Returns the 32-byte HMAC-SHA256 (RFC 2104) of `data` under `key`, computed by libcrypto.",
            body: { call in
                let key = try call.bytes(1)
                let data = try call.bytes(2)
                call.pushBytes(Crypto.hmacSHA256(key: key, data: data))
                return 1
            }),
        HostFunction(
            name: "crypto.random_hex", scope: .rollbook, signature: "rollbook.crypto.random_hex(n) -> text",
            summary: "Returns `n` lower-case hex digits from libcrypto's secure random generator, 1 <= n <= 1024.",
            body: { call in
                guard lua_type(call.state, 1) == LUA_TNUMBER, lua_isinteger(call.state, 1) != 0 else {
                    throw call.badArgument(1, expected: "integer")
                }
                let length = lua_tointegerx(call.state, 1, nil)
                guard length >= 1, length <= Int64(maxRandomHexLength) else {
                    throw LuaRaise(
                        "bad argument #1 to 'rollbook.crypto.random_hex' (length '\(length)' is out of range; "
                            + "expected 1 to \(maxRandomHexLength))")
                }
                guard let bytes = Crypto.randomBytes(count: (Int(length) + 1) / 2) else {
                    return call.failure("libcrypto could not produce random bytes")
                }
                call.runtime.pushString(String(Crypto.hex(bytes).prefix(Int(length))))
                return 1
            }),
        HostFunction(
            name: "base64.encode", scope: .rollbook, signature: "rollbook.base64.encode(bytes) -> text",
            summary: "Encodes bytes as base64 with padding (RFC 4648 section 4).",
            body: { call in
                call.runtime.pushString(Crypto.base64(try call.bytes(1)))
                return 1
            }),
    ]
}

/// Wrappers over libcrypto for the host API, so scripts need not compute a MAC or random value in Lua.
enum Crypto {
    /// Returns the HMAC-SHA256 of `data` under `key`.
    static func hmacSHA256(key: [UInt8], data: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        var length = 0
        let result = key.withUnsafeBytes { keyBytes in
            data.withUnsafeBufferPointer { dataBytes in
                output.withUnsafeMutableBufferPointer { buffer in
                    EVP_Q_mac(
                        nil, "HMAC", nil, "SHA256", nil, keyBytes.baseAddress, keyBytes.count, dataBytes.baseAddress,
                        dataBytes.count, buffer.baseAddress, buffer.count, &length)
                }
            }
        }
        precondition(result != nil && length == 32, "libcrypto failed to compute an HMAC-SHA256.")
        return output
    }

    /// Returns `count` bytes from `RAND_bytes`, or nil when libcrypto reports a failure.
    static func randomBytes(count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        let generated = bytes.withUnsafeMutableBufferPointer { buffer in
            RAND_bytes(buffer.baseAddress, Int32(buffer.count)) == 1
        }
        return generated ? bytes : nil
    }

    /// Returns the base64 text of `bytes` with `=` padding, encoded by `EVP_EncodeBlock`.
    static func base64(_ bytes: [UInt8]) -> String {
        var output = [UInt8](repeating: 0, count: (bytes.count + 2) / 3 * 4 + 1)
        let written = bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { buffer in
                EVP_EncodeBlock(buffer.baseAddress, input.baseAddress, Int32(input.count))
            }
        }
        return String(decoding: output.prefix(Int(max(written, 0))), as: UTF8.self)
    }

    /// Returns the lower-case hex digits of `bytes`.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

extension HostCall {
    /// Returns the string argument at `position` as its raw bytes, which need not be UTF-8.
    func bytes(_ position: Int32) throws -> [UInt8] {
        guard lua_type(state, position) == LUA_TSTRING else { throw badArgument(position, expected: "string") }
        var length = 0
        guard let pointer = lua_tolstring(state, position, &length) else {
            throw badArgument(position, expected: "string")
        }
        return Array(UnsafeRawBufferPointer(start: pointer, count: length))
    }

    /// Pushes `bytes` as one Lua string.
    func pushBytes(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                _ = lua_pushlstring(state, chars.baseAddress, chars.count)
            }
        }
    }
}
