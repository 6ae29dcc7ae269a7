import Foundation

@testable import SSO

/// RSA keys generated once per test process, because each generation takes tens of milliseconds.
let providerKey: RSASigningKey? = try? RSASigningKey.generate()
let otherKey: RSASigningKey? = try? RSASigningKey.generate()

/// Signs arbitrary header and payload JSON text with `key`, as an IdP would, without the header rules of `JWT.sign`.
func signedToken(header: String, payload: String, key: RSASigningKey) throws -> String {
    let input = Base64.encodeURLSafe(Array(header.utf8)) + "." + Base64.encodeURLSafe(Array(payload.utf8))
    return input + "." + Base64.encodeURLSafe(try key.sign(Array(input.utf8)))
}

/// Replaces the payload segment of `token` with base64url of `payload`, keeping header and signature.
func replacingPayload(of token: String, with payload: String) -> String {
    var parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    parts[1] = Base64.encodeURLSafe(Array(payload.utf8))
    return parts.joined(separator: ".")
}

/// The Python interpreter that can import PyJWT and cryptography, or nil when none can.
let pythonWithPyJWT: String? = {
    for candidate in ["/usr/bin/python3", "/usr/local/bin/python3"] {
        guard FileManager.default.isExecutableFile(atPath: candidate),
            let result = try? runTool(candidate, ["-c", "import jwt, cryptography"]), result.status == 0
        else { continue }
        return candidate
    }
    if let result = try? runTool("/usr/bin/env", ["python3", "-c", "import jwt, cryptography"]), result.status == 0 {
        return "/usr/bin/env"
    }
    return nil
}()

/// Runs a Python script with the interpreter that has PyJWT.
func runPython(_ script: String, _ arguments: [String]) throws -> (output: String, status: Int32) {
    guard let python = pythonWithPyJWT else { return ("", -1) }
    let prefix = python == "/usr/bin/env" ? ["python3"] : []
    return try runTool(python, prefix + ["-c", script] + arguments)
}
