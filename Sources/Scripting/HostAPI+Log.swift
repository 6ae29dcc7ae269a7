import CLua

extension HostAPI {
    static let logFunctions: [HostFunction] = LogLevel.allCases.map { level in
        HostFunction(
            name: "log.\(level.rawValue)", scope: .rollbook,
            signature: "rollbook.log.\(level.rawValue)(message [, fields])",
            summary: "Writes a line at level `\(level.rawValue)` to the host's log; `fields` is a table of metadata.",
            body: { call in
                let message = try call.string(1)
                var fields: [String: String] = ["script": call.runtime.currentScript]
                if case .map(let entries)? = try call.optionalTable(2) {
                    for (key, value) in entries {
                        fields[key.value.debugText] = value.debugText
                    }
                }
                call.runtime.configuration.logger.log(level: level, message: message, fields: fields)
                return 0
            })
    }
}
