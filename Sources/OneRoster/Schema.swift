/// The value type of a OneRoster CSV column.
public enum FieldType: Sendable, Hashable {
    /// The record's own `sourcedId`: any non-empty string, compared exactly.
    case identifier
    case string
    /// A `sourcedId` of another record.
    case reference(Entity)
    /// A comma-separated list of `sourcedId`s of other records.
    case referenceList(Entity)
    case vocabulary(Vocabulary)
    /// `YYYY-MM-DD`.
    case date
    /// ISO 8601 with a zone, for example `2023-05-01T18:25:43.511Z`.
    case dateTime
    /// `true` or `false`.
    case boolean
    /// `YYYY`.
    case year
    /// A comma-separated list of grade codes.
    case grades
    /// A comma-separated list of strings.
    case list
    /// A comma-separated list of `{type:identifier}` tokens.
    case userIds
}

/// Whether a column must have a value.
public enum Requirement: Sendable, Hashable {
    case required
    /// Required in a delta file, blank in a bulk file (`status`, `dateLastModified`).
    case requiredInDelta
    case optional
}

/// One column of a OneRoster CSV file.
public struct Column: Sendable, Hashable {
    public let name: String
    public let type: FieldType
    public let requirement: Requirement
    /// The binding versions that define this column.
    public let versions: Set<OneRosterVersion>

    init(
        _ name: String, _ type: FieldType, _ requirement: Requirement = .optional,
        versions: Set<OneRosterVersion> = [.v1p1, .v1p2]
    ) {
        self.name = name
        self.type = type
        self.requirement = requirement
        self.versions = versions
    }
}

/// The column layout of every entity.
public enum Schema {
    /// All columns of an entity across 1.1 and 1.2, in file order; the store keeps this union.
    public static func columns(of entity: Entity) -> [Column] {
        table[entity.order]
    }

    /// The columns the given version defines for an entity, in the order its CSV file must have them.
    public static func columns(of entity: Entity, version: OneRosterVersion) -> [Column] {
        columns(of: entity).filter { $0.versions.contains(version) }
    }

    /// The index of a named column in `columns(of:)`.
    public static func index(of name: String, in entity: Entity) -> Int? {
        columnIndexes[entity.order][name]
    }

    private static let columnIndexes: [[String: Int]] = table.map { columns in
        Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($0.element.name, $0.offset) })
    }

    private static let common: [Column] = [
        Column("sourcedId", .identifier, .required),
        Column("status", .vocabulary(.status), .requiredInDelta),
        Column("dateLastModified", .dateTime, .requiredInDelta),
    ]

    private static let onlyV1p1: Set<OneRosterVersion> = [.v1p1]
    private static let onlyV1p2: Set<OneRosterVersion> = [.v1p2]

    /// Columns per entity, indexed by `Entity.order`.
    private static let table: [[Column]] = Entity.allCases.map { entity in
        switch entity {
        case .orgs:
            return common + [
                Column("name", .string, .required),
                Column("type", .vocabulary(.orgType), .required),
                Column("identifier", .string),
                Column("parentSourcedId", .reference(.orgs)),
            ]
        case .academicSessions:
            return common + [
                Column("title", .string, .required),
                Column("type", .vocabulary(.sessionType), .required),
                Column("startDate", .date, .required),
                Column("endDate", .date, .required),
                Column("parentSourcedId", .reference(.academicSessions)),
                Column("schoolYear", .year, .required),
            ]
        case .courses:
            return common + [
                Column("schoolYearSourcedId", .reference(.academicSessions)),
                Column("title", .string, .required),
                Column("courseCode", .string),
                Column("grades", .grades),
                Column("orgSourcedId", .reference(.orgs), .required),
                Column("subjects", .list),
                Column("subjectCodes", .list),
            ]
        case .classes:
            return common + [
                Column("title", .string, .required),
                Column("grades", .grades),
                Column("courseSourcedId", .reference(.courses), .required),
                Column("classCode", .string),
                Column("classType", .vocabulary(.classType), .required),
                Column("location", .string),
                Column("schoolSourcedId", .reference(.orgs), .required),
                Column("termSourcedIds", .referenceList(.academicSessions), .required),
                Column("subjects", .list),
                Column("subjectCodes", .list),
                Column("periods", .list),
            ]
        case .users:
            return common + [
                Column("enabledUser", .boolean, .required),
                Column("orgSourcedIds", .referenceList(.orgs), .required, versions: onlyV1p1),
                Column("role", .vocabulary(.userRoleV1p1), .required, versions: onlyV1p1),
                Column("username", .string, .required),
                Column("userIds", .userIds),
                Column("givenName", .string, .required),
                Column("familyName", .string, .required),
                Column("middleName", .string),
                Column("identifier", .string),
                Column("email", .string),
                Column("sms", .string),
                Column("phone", .string),
                Column("agentSourcedIds", .referenceList(.users)),
                Column("grades", .grades),
                Column("password", .string),
                Column("userMasterIdentifier", .string, versions: onlyV1p2),
                Column("resourceSourcedIds", .list, versions: onlyV1p2),
                Column("preferredGivenName", .string, versions: onlyV1p2),
                Column("preferredMiddleName", .string, versions: onlyV1p2),
                Column("preferredFamilyName", .string, versions: onlyV1p2),
                Column("primaryOrgSourcedId", .reference(.orgs), versions: onlyV1p2),
                Column("pronouns", .string, versions: onlyV1p2),
            ]
        case .userProfiles:
            return common
                + [
                    Column("userSourcedId", .reference(.users), .required),
                    Column("profileType", .string, .required),
                    Column("vendorId", .string, .required),
                    Column("applicationId", .string),
                    Column("description", .string),
                    Column("credentialType", .string, .required),
                    Column("username", .string, .required),
                    Column("password", .string),
                ].map { Column($0.name, $0.type, $0.requirement, versions: onlyV1p2) }
        case .roles:
            return common
                + [
                    Column("userSourcedId", .reference(.users), .required),
                    Column("roleType", .vocabulary(.roleType), .required),
                    Column("role", .vocabulary(.roleRoleV1p2), .required),
                    Column("beginDate", .date),
                    Column("endDate", .date),
                    Column("orgSourcedId", .reference(.orgs), .required),
                    Column("userProfileSourcedId", .reference(.userProfiles)),
                ].map { Column($0.name, $0.type, $0.requirement, versions: onlyV1p2) }
        case .enrollments:
            return common + [
                Column("classSourcedId", .reference(.classes), .required),
                Column("schoolSourcedId", .reference(.orgs), .required),
                Column("userSourcedId", .reference(.users), .required),
                Column("role", .vocabulary(.enrollmentRole), .required),
                Column("primary", .boolean),
                Column("beginDate", .date),
                Column("endDate", .date),
            ]
        case .demographics:
            return common + [
                Column("birthDate", .date),
                Column("sex", .vocabulary(.sex)),
                Column("americanIndianOrAlaskaNative", .boolean),
                Column("asian", .boolean),
                Column("blackOrAfricanAmerican", .boolean),
                Column("nativeHawaiianOrOtherPacificIslander", .boolean),
                Column("white", .boolean),
                Column("demographicRaceTwoOrMoreRaces", .boolean),
                Column("hispanicOrLatinoEthnicity", .boolean),
                Column("countryOfBirthCode", .string),
                Column("stateOfBirthAbbreviation", .string),
                Column("cityOfBirth", .string),
                Column("publicSchoolResidenceStatus", .string),
            ]
        }
    }
}
