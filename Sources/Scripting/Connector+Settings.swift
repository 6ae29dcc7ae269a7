import OneRoster

extension Connector {
    /// Checks the host's settings against the schema, fills defaults and keeps the result for
    /// `check` and `sync`. Returns one message per problem, empty when the settings are valid. The
    /// messages do not name the script, because the caller names the connector and district.
    ///
    /// A secret setting may be given here (as a string) or in the runtime's secrets. Either way the
    /// script reads it only through `rollbook.secrets.get`, because `ctx.settings` leaves it out.
    @discardableResult
    public func validateSettings(_ given: [String: LuaValue]) -> [String] {
        var problems: [String] = []
        var accepted: [String: LuaValue] = [:]
        let known = Set(schema.map(\.name))

        for key in given.keys.sorted() where !known.contains(key) {
            var message = "unknown setting '\(key)'"
            if let suggestion = closestName(to: key, among: known) {
                message += "; did you mean '\(suggestion)'?"
            } else if !known.isEmpty {
                message += "; known settings are " + known.sorted().joined(separator: ", ")
            }
            problems.append(message)
        }

        for spec in schema {
            if let value = given[spec.name], value != .nil {
                guard let converted = spec.type.accept(value) else {
                    let shown = spec.secret ? "(hidden)" : value.debugText
                    problems.append(
                        "setting '\(spec.name)' is '\(shown)' (\(value.typeName)); expected \(spec.type.phrase)"
                    )
                    continue
                }
                if spec.secret, case .string(let text) = converted {
                    runtime.settingSecrets[spec.name] = text
                } else {
                    accepted[spec.name] = converted
                }
            } else if spec.secret, runtime.configuration.secrets[spec.name] != nil {
                continue
            } else if let defaultValue = spec.defaultValue {
                if !spec.secret { accepted[spec.name] = defaultValue }
            } else if spec.required {
                var message = "missing required setting '\(spec.name)' (\(spec.type.rawValue))"
                if let summary = spec.summary { message += ": \(summary)" }
                problems.append(message)
            }
        }
        settings = accepted
        settingsProblems = problems
        return problems
    }

    /// Returns the validated settings, validating empty settings first when the host has not.
    func checkedSettings() throws -> [String: LuaValue] {
        if settings == nil { validateSettings([:]) }
        guard settingsProblems.isEmpty, let settings else {
            throw ScriptError.settings(script: path, problems: settingsProblems)
        }
        return settings
    }

    private func closestName(to key: String, among names: Set<String>) -> String? {
        var best: (name: String, distance: Int)?
        for name in names.sorted() {
            let distance = editDistance(key.lowercased(), name.lowercased())
            if distance <= max(1, name.count / 3), distance < (best?.distance ?? Int.max) {
                best = (name, distance)
            }
        }
        return best?.name
    }
}
