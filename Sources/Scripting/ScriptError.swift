/// A failure of a Lua script: where it happened, what went wrong and the Lua traceback.
///
/// `description` reads like a Lua error, for example
/// `connectors/sis/x.lua:12: attempt to index a nil value (field 'users')`.
public struct ScriptError: Error, Sendable, CustomStringConvertible {
    private enum Code: String, Sendable {
        case syntax
        case runtime
        case instructionBudget = "instruction_budget"
        case memory
        case contract
        case settings
        case checkFailed = "check_failed"
        case io
    }

    private let code: Code
    /// The script's path as the host gave it.
    public let script: String
    /// The 1-based line in the script, when known.
    public let line: Int?
    /// The message without the `script:line:` prefix.
    public let message: String
    /// The Lua traceback at the point of the error, when one was taken.
    public let traceback: String?

    private init(_ code: Code, script: String, line: Int? = nil, message: String, traceback: String? = nil) {
        self.code = code
        self.script = script
        self.line = line
        self.message = message
        self.traceback = traceback
    }

    /// A short stable code, usable as a metric label or in tests: `syntax`, `runtime`,
    /// `instruction_budget`, `memory`, `contract`, `settings`, `check_failed` or `io`.
    public var codeName: String { code.rawValue }

    public var description: String {
        if let line { return "\(script):\(line): \(message)" }
        return "\(script): \(message)"
    }

    static func syntax(script: String, line: Int?, message: String) -> ScriptError {
        ScriptError(.syntax, script: script, line: line, message: message)
    }

    static func runtime(script: String, line: Int?, message: String, traceback: String?) -> ScriptError {
        ScriptError(.runtime, script: script, line: line, message: message, traceback: traceback)
    }

    static func instructionBudget(script: String, limit: Int64, traceback: String?) -> ScriptError {
        let message =
            "script exceeded its instruction budget of \(limit) instructions; "
            + "look for an endless loop, or raise the budget for large inputs"
        return ScriptError(.instructionBudget, script: script, message: message, traceback: traceback)
    }

    static func memory(script: String, limit: Int) -> ScriptError {
        ScriptError(.memory, script: script, message: "script exceeded its memory limit of \(formatBytes(limit))")
    }

    static func contract(script: String, message: String) -> ScriptError {
        ScriptError(.contract, script: script, message: message)
    }

    static func settings(script: String, problems: [String]) -> ScriptError {
        ScriptError(.settings, script: script, message: "invalid settings: " + problems.joined(separator: "; "))
    }

    static func checkFailed(script: String, message: String) -> ScriptError {
        ScriptError(.checkFailed, script: script, message: "check failed: \(message)")
    }

    static func io(script: String, message: String) -> ScriptError {
        ScriptError(.io, script: script, message: message)
    }
}

/// A byte count in the largest binary unit that divides it, such as `256 MiB`, else in bytes.
func formatBytes(_ count: Int) -> String {
    let units: [(Int, String)] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")]
    for (size, name) in units where count >= size && count % size == 0 {
        return "\(count / size) \(name)"
    }
    return "\(count) bytes"
}
