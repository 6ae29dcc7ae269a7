extension HostAPI {
    static let secretsFunctions: [HostFunction] = [
        HostFunction(
            name: "secrets.get", scope: .rollbook, signature: "rollbook.secrets.get(name) -> text | nil, err",
            summary: "Returns a secret that the connector declares with `secret = true` in its settings.",
            body: { call in
                let name = try call.string(1)
                let runtime = call.runtime
                guard runtime.declaredSecrets.contains(name) else {
                    let declared = runtime.declaredSecrets.sorted().map { "'\($0)'" }.joined(separator: ", ")
                    throw LuaRaise(
                        "secret '\(name)' is not declared; add it to the connector's settings with secret = true"
                            + (declared.isEmpty ? "" : " (declared secrets: \(declared))"))
                }
                guard let value = runtime.settingSecrets[name] ?? runtime.configuration.secrets[name] else {
                    return call.failure("secret '\(name)' has no value; the host configuration does not supply it")
                }
                call.runtime.pushString(value)
                return 1
            })
    ]
}
