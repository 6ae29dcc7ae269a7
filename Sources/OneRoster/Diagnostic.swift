/// How bad a finding is.
public enum Severity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// The record (or file) is rejected and not stored.
    case error
    /// The record is stored as given; the finding is reported.
    case warning
    /// Nothing is wrong; the run notes what it did, such as unwrapping a zip folder.
    case info

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        let rank: [Severity: Int] = [.error: 0, .warning: 1, .info: 2]
        return (rank[lhs] ?? 0) < (rank[rhs] ?? 0)
    }
}

/// One finding about the input: where it is, what rule it breaks and what to do.
///
/// `row` is the 1-based record number in the file, the header being row 1.
public struct Diagnostic: Sendable, Hashable, Codable {
    public var severity: Severity
    /// A stable rule id such as `field.enum`, usable as a metric label.
    public var rule: String
    public var file: String?
    public var row: Int?
    public var field: String?
    public var value: String?
    public var sourcedId: String?
    public var message: String

    public init(
        _ severity: Severity, rule: String, file: String? = nil, row: Int? = nil, field: String? = nil,
        value: String? = nil, sourcedId: String? = nil, message: String
    ) {
        self.severity = severity
        self.rule = rule
        self.file = file
        self.row = row
        self.field = field
        self.value = value
        self.sourcedId = sourcedId
        self.message = message
    }

    /// The place as `file:row`, `file` or an empty string.
    public var location: String {
        switch (file, row) {
        case (let file?, let row?): return "\(file):\(row)"
        case (let file?, nil): return file
        default: return ""
        }
    }
}

extension Diagnostic: CustomStringConvertible {
    /// A one-line form for terminals, for example `users.csv:42: error [field.enum] field 'role' is ...`.
    public var description: String {
        let place = location.isEmpty ? "" : location + ": "
        return "\(place)\(severity.rawValue) [\(rule)] \(message)"
    }
}
