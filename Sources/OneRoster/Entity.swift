/// A OneRoster CSV binding version.
public enum OneRosterVersion: String, Sendable, Hashable, CaseIterable, Codable {
    case v1p1 = "1.1"
    case v1p2 = "1.2"

    /// Parses a manifest `oneroster.version` value; `1.2.1` is the 1.2 errata binding.
    public init?(manifestValue: String) {
        switch manifestValue.trimmingSpaces() {
        case "1.1": self = .v1p1
        case "1.2", "1.2.1": self = .v1p2
        default: return nil
        }
    }
}

/// A rostering entity of OneRoster 1.1 and 1.2, named as its CSV file is.
///
/// The case order is the dependency order: every entity refers only to entities
/// listed before it, except users, which refer to each other through `agentSourcedIds`.
public enum Entity: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    case orgs
    case academicSessions
    case courses
    case classes
    case users
    case userProfiles
    case roles
    case enrollments
    case demographics

    /// The CSV file name inside a package, for example `academicSessions.csv`.
    public var fileName: String { rawValue + ".csv" }

    /// The manifest property that states this file's mode, for example `file.users`.
    public var manifestKey: String { "file." + rawValue }

    /// Entities that exist in the given binding version.
    public static func all(in version: OneRosterVersion) -> [Entity] {
        switch version {
        case .v1p1: return allCases.filter { $0 != .roles && $0 != .userProfiles }
        case .v1p2: return allCases
        }
    }

    /// Finds the entity for a file name, ignoring the case of the name (`userprofiles.csv` is seen in real packages).
    public init?(fileName: String) {
        let lowered = fileName.lowercased()
        guard let match = Entity.allCases.first(where: { $0.fileName.lowercased() == lowered }) else { return nil }
        self = match
    }

    /// The camel-case singular of the entity's name, such as `academicSession` or `demographic`.
    public var singularName: String {
        switch self {
        case .orgs: return "org"
        case .academicSessions: return "academicSession"
        case .courses: return "course"
        case .classes: return "class"
        case .users: return "user"
        case .userProfiles: return "userProfile"
        case .roles: return "role"
        case .enrollments: return "enrollment"
        case .demographics: return "demographic"
        }
    }

    /// The singular noun used in messages, for example "class".
    public var singular: String {
        switch self {
        case .orgs: return "org"
        case .academicSessions: return "academic session"
        case .courses: return "course"
        case .classes: return "class"
        case .users: return "user"
        case .userProfiles: return "user profile"
        case .roles: return "role"
        case .enrollments: return "enrollment"
        case .demographics: return "demographics record"
        }
    }

    public static func < (lhs: Entity, rhs: Entity) -> Bool {
        lhs.order < rhs.order
    }

    /// Position in the dependency order.
    public var order: Int {
        switch self {
        case .orgs: return 0
        case .academicSessions: return 1
        case .courses: return 2
        case .classes: return 3
        case .users: return 4
        case .userProfiles: return 5
        case .roles: return 6
        case .enrollments: return 7
        case .demographics: return 8
        }
    }
}

extension String {
    /// Returns the string without leading and trailing spaces and tabs.
    public func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}

/// How a package delivers one entity, as its manifest states.
public enum FileMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// The file is the complete set of that entity's records.
    case bulk
    /// The file carries only changes: upserts and records marked `tobedeleted`.
    case delta
    /// No information about the entity; stored records stay as they are.
    case absent
}
