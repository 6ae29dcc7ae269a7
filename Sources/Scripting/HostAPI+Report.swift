import OneRoster

extension HostAPI {
    static let reportFunctions: [HostFunction] = [
        HostFunction(
            name: "report", scope: .context,
            signature:
                "ctx.report{rule=, message=, severity=, entity=, file=, row=, field=, value=, sourcedId=}",
            summary:
                "Adds a finding about a source row to the run's report, such as a row the connector leaves out. "
                + "`severity` is error (the default), warning or info, and `row` counts the header as row 1. "
                + "An error with `entity` (a OneRoster entity such as `users`) counts as one rejected record of "
                + "that entity, and its `sourcedId` keeps the stored record, as for records the validator rejects.",
            body: { call in
                guard case .map(let fields)? = try call.optionalTable(1) else {
                    throw call.badArgument(1, expected: "table")
                }
                let (diagnostic, entity) = try makeDiagnostic(fields)
                guard let sink = call.runtime.sink else {
                    throw LuaRaise("ctx.report can only be called while check or sync runs")
                }
                // Only an error leaves a record out; a warning or info about a row never counts as a rejection.
                if let entity, diagnostic.severity == .error {
                    sink.reportRejected(diagnostic, entity: entity)
                } else {
                    sink.report([diagnostic])
                }
                return 0
            })
    ]

    private static let reportFields: Set<String> = [
        "rule", "message", "severity", "entity", "file", "row", "field", "value", "sourcedId",
    ]

    /// Builds a diagnostic from the fields of a `ctx.report` table, with the entity that `entity` names, if any.
    /// A missing or mistyped field raises.
    private static func makeDiagnostic(_ fields: [LuaKey: LuaValue]) throws -> (Diagnostic, Entity?) {
        var texts: [String: String] = [:]
        var row: Int?
        for (key, value) in fields {
            guard case .string(let name) = key, reportFields.contains(name) else {
                throw LuaRaise(
                    "ctx.report: unknown field '\(key.value.debugText)'; expected "
                        + reportFields.sorted().joined(separator: ", "))
            }
            if name == "row" {
                guard case .integer(let number) = value, number >= 1, let position = Int(exactly: number) else {
                    throw LuaRaise("ctx.report: 'row' is '\(value.debugText)'; expected an integer of 1 or more")
                }
                row = position
                continue
            }
            guard case .string(let text) = value else {
                throw LuaRaise("ctx.report: '\(name)' is a \(value.typeName); expected a string")
            }
            texts[name] = text
        }
        guard let rule = texts["rule"], !rule.isEmpty else {
            throw LuaRaise("ctx.report: 'rule' is missing; give a stable rule id such as 'ref.missing'")
        }
        guard let message = texts["message"], !message.isEmpty else {
            throw LuaRaise("ctx.report: 'message' is missing; say what is wrong and how to fix it")
        }
        var severity = Severity.error
        if let name = texts["severity"] {
            guard let chosen = Severity(rawValue: name) else {
                throw LuaRaise("ctx.report: 'severity' is '\(name)'; expected error, warning or info")
            }
            severity = chosen
        }
        let entity = try texts["entity"].map(reportedEntity)
        let diagnostic = Diagnostic(
            severity, rule: rule, file: texts["file"], row: row, field: texts["field"], value: texts["value"],
            sourcedId: texts["sourcedId"], message: message)
        return (diagnostic, entity)
    }

    /// Returns the entity an `entity` field names; an unknown name raises with the accepted names.
    private static func reportedEntity(_ name: String) throws -> Entity {
        if let entity = Entity(rawValue: name) { return entity }
        let names = Entity.allCases.map(\.rawValue)
        let close = names.first { $0.lowercased() == name.lowercased() || $0 == name + "s" }
        let hint = close.map { " (did you mean '\($0)'?)" } ?? ""
        throw LuaRaise(
            "ctx.report: 'entity' is '\(name)'; expected one of \(names.joined(separator: ", "))\(hint)")
    }
}
