/// A closed OneRoster vocabulary that also accepts private `ext:` values.
public struct Vocabulary: Sendable, Hashable {
    /// Name used in messages and rule ids, for example `orgType`.
    public let name: String
    /// The values every version accepts, case-sensitive, in spec order.
    public let values: [String]
    /// Values only the 1.2 binding accepts.
    public let valuesAddedInV1p2: [String]
    /// Whether a private value matching `ext:[A-Za-z0-9._-]+` is accepted.
    public let allowsExtension: Bool

    public init(name: String, values: [String], valuesAddedInV1p2: [String] = [], allowsExtension: Bool = true) {
        self.name = name
        self.values = values
        self.valuesAddedInV1p2 = valuesAddedInV1p2
        self.allowsExtension = allowsExtension
    }

    /// The values accepted in the given version.
    public func values(in version: OneRosterVersion) -> [String] {
        version == .v1p2 ? values + valuesAddedInV1p2 : values
    }

    /// Whether `value` is a spec value of `version` or a well-formed `ext:` value.
    public func accepts(_ value: String, version: OneRosterVersion) -> Bool {
        if values.contains(value) { return true }
        if version == .v1p2 && valuesAddedInV1p2.contains(value) { return true }
        return allowsExtension && Vocabulary.isExtensionValue(value)
    }

    /// Finds the accepted value that differs from `value` only in letter case, as `Student` for `student`.
    public func caseInsensitiveMatch(for value: String, version: OneRosterVersion) -> String? {
        let lowered = value.lowercased()
        return values(in: version).first { $0.lowercased() == lowered }
    }

    /// Whether `value` has the 1.2 private-value form `ext:` followed by letters, digits, `.`, `-` or `_`.
    public static func isExtensionValue(_ value: String) -> Bool {
        guard value.hasPrefix("ext:") else { return false }
        let rest = value.utf8.dropFirst(4)
        guard !rest.isEmpty else { return false }
        return rest.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x2D || byte == 0x5F
        }
    }
}

extension Vocabulary {
    public static let status = Vocabulary(name: "status", values: ["active", "tobedeleted"], allowsExtension: false)
    public static let orgType = Vocabulary(
        name: "orgType", values: ["department", "school", "district", "local", "state", "national"])
    public static let sessionType = Vocabulary(
        name: "sessionType", values: ["gradingPeriod", "semester", "schoolYear", "term"])
    public static let classType = Vocabulary(name: "classType", values: ["homeroom", "scheduled"])
    /// The 1.1 `users.role` values.
    public static let userRoleV1p1 = Vocabulary(
        name: "role",
        values: ["administrator", "aide", "guardian", "parent", "proctor", "relative", "student", "teacher"])
    /// The 1.2 `roles.role` values.
    public static let roleRoleV1p2 = Vocabulary(
        name: "role",
        values: [
            "aide", "counselor", "districtAdministrator", "guardian", "parent", "principal", "proctor", "relative",
            "siteAdministrator", "student", "systemAdministrator", "teacher",
        ])
    public static let roleType = Vocabulary(name: "roleType", values: ["primary", "secondary"])
    public static let enrollmentRole = Vocabulary(
        name: "enrollmentRole", values: ["administrator", "proctor", "student", "teacher"])
    public static let sex = Vocabulary(
        name: "sex", values: ["male", "female"], valuesAddedInV1p2: ["unspecified", "other"])
}

/// The CEDS entry grade level codes that OneRoster uses for `grades`.
public enum GradeCodes {
    /// Codes accepted without a finding: `IT`, `PR`, `PK`, `TK`, `KG`, `01` to `13`, `PS`, `UG`, `Other`.
    public static let standard: Set<String> = {
        var codes: Set<String> = ["IT", "PR", "PK", "TK", "KG", "PS", "UG", "Other"]
        for grade in 1...13 { codes.insert(grade < 10 ? "0\(grade)" : "\(grade)") }
        return codes
    }()

    /// A likely standard code for a common non-standard one, for messages only; nothing is mapped without configuration.
    public static func suggestion(for code: String) -> String? {
        switch code.uppercased() {
        case "K", "KF", "KH", "KINDERGARTEN", "0", "00": return "KG"
        case "P", "PRE-K", "PREK", "PPK": return "PK"
        default:
            if let number = Int(code), (1...13).contains(number) { return number < 10 ? "0\(number)" : "\(number)" }
            return nil
        }
    }
}
