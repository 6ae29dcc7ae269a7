import OneRoster

/// The target of a GUIDRef: its `type` value and the href prefix that the target's sourcedId completes.
struct RESTJSONReferenceTarget: Sendable {
    /// The `"type":"…"` member, ready to append.
    let typeMember: [UInt8]
    /// `"href":"<base>/<collection>/`, ready to append before the encoded sourcedId.
    let hrefPrefix: [UInt8]

    init(type: String, baseURL: String, collection: String) {
        typeMember = Array("\"type\":\"\(type)\"".utf8)
        hrefPrefix = Array("\"href\":\"".utf8) + Self.escaped(baseURL + "/" + collection + "/")
    }

    private static func escaped(_ text: String) -> [UInt8] {
        var output = RESTJSONOutput(capacity: text.utf8.count + 8)
        var text = text
        text.withUTF8 { output.appendEscaped($0) }
        return output.bytes
    }
}

/// The rule that builds one top-level JSON member from a record.
enum RESTJSONFieldKind: Sendable {
    /// A string column, left out when blank.
    case text(column: Int)
    /// A string column written with `fallback` when blank, for members the JSON binding requires.
    case textOrFallback(column: Int, fallback: String)
    /// A comma-separated list column written as an array of strings, left out when blank.
    case list(column: Int)
    /// A sourcedId column written as a GUIDRef.
    case reference(column: Int, RESTJSONReferenceTarget)
    /// A comma-separated sourcedId list written as an array of GUIDRefs, left out when blank.
    case referenceList(column: Int, RESTJSONReferenceTarget)
    /// `{type:identifier}` tokens written as `[{"type":…,"identifier":…}]`.
    case userIds(column: Int)
    /// The record's extension columns as an object of strings.
    case metadata
    /// One credential object built from a user profile's type, username and password columns.
    case credentials(type: Int, username: Int, password: Int)
    /// The 1.2 roles of a user, from the role records passed with it; always written, as `[]` when none.
    case roles
    /// The 1.2 user profiles of a user, from the profile records passed with it; left out when none.
    case userProfiles
}

/// One top-level JSON member of an entity's object.
struct RESTJSONField: Sendable {
    let name: String
    /// `"name":`, ready to append.
    let key: [UInt8]
    let kind: RESTJSONFieldKind

    init(_ name: String, _ kind: RESTJSONFieldKind) {
        self.name = name
        self.key = Array("\"\(name)\":".utf8)
        self.kind = kind
    }
}

/// The ordered JSON members of every entity for one binding version.
struct RESTJSONLayout: Sendable {
    /// Fields per entity, indexed by `Entity.order`.
    let fields: [[RESTJSONField]]

    init(version: OneRosterVersion, baseURL: String, resourcesBaseURL: String) {
        let targets = Targets(baseURL: baseURL, resourcesBaseURL: resourcesBaseURL)
        fields = Entity.allCases.map { entity in
            Self.fields(of: entity, version: version, targets: targets)
        }
    }

    struct Targets {
        let org: RESTJSONReferenceTarget
        let academicSession: RESTJSONReferenceTarget
        let course: RESTJSONReferenceTarget
        let `class`: RESTJSONReferenceTarget
        let user: RESTJSONReferenceTarget
        let resource: RESTJSONReferenceTarget

        init(baseURL: String, resourcesBaseURL: String) {
            org = RESTJSONReferenceTarget(type: "org", baseURL: baseURL, collection: "orgs")
            academicSession = RESTJSONReferenceTarget(
                type: "academicSession", baseURL: baseURL, collection: "academicSessions")
            course = RESTJSONReferenceTarget(type: "course", baseURL: baseURL, collection: "courses")
            `class` = RESTJSONReferenceTarget(type: "class", baseURL: baseURL, collection: "classes")
            user = RESTJSONReferenceTarget(type: "user", baseURL: baseURL, collection: "users")
            resource = RESTJSONReferenceTarget(type: "resource", baseURL: resourcesBaseURL, collection: "resources")
        }
    }

    private static func fields(
        of entity: Entity, version: OneRosterVersion, targets: Targets
    ) -> [RESTJSONField] {
        func column(_ name: String) -> Int {
            guard let index = Schema.index(of: name, in: entity) else {
                preconditionFailure("the \(entity.rawValue) schema has no column '\(name)'")
            }
            return index
        }
        func text(_ name: String, as key: String? = nil) -> RESTJSONField {
            RESTJSONField(key ?? name, .text(column: column(name)))
        }
        func list(_ name: String) -> RESTJSONField {
            RESTJSONField(name, .list(column: column(name)))
        }
        func reference(_ key: String, _ name: String, _ target: RESTJSONReferenceTarget) -> RESTJSONField {
            RESTJSONField(key, .reference(column: column(name), target))
        }
        func references(_ key: String, _ name: String, _ target: RESTJSONReferenceTarget) -> RESTJSONField {
            RESTJSONField(key, .referenceList(column: column(name), target))
        }
        func userFieldsV1p1(_ targets: Targets) -> [RESTJSONField] {
            [
                text("username"), RESTJSONField("userIds", .userIds(column: column("userIds"))),
                text("enabledUser"), text("givenName"), text("familyName"), text("middleName"), text("role"),
                text("identifier"), text("email"), text("sms"), text("phone"),
                references("agents", "agentSourcedIds", targets.user),
                references("orgs", "orgSourcedIds", targets.org), list("grades"), text("password"),
            ]
        }
        // The JSON binding requires `status`, and a blank status in a bulk file means active.
        // NOTE: a blank `dateLastModified` is left out although the JSON binding requires it, and orgs and
        // academic sessions get no `children` array, because a record alone does not list its children.
        let common = [
            text("sourcedId"),
            RESTJSONField("status", .textOrFallback(column: column("status"), fallback: "active")),
            text("dateLastModified"),
            RESTJSONField("metadata", .metadata),
        ]
        let isV1p2 = version == .v1p2
        switch entity {
        case .orgs:
            // 1.2 requires `identifier` although the CSV column is optional.
            let identifier =
                isV1p2
                ? RESTJSONField("identifier", .textOrFallback(column: column("identifier"), fallback: ""))
                : text("identifier")
            return common + [
                text("name"), text("type"), identifier, reference("parent", "parentSourcedId", targets.org),
            ]
        case .academicSessions:
            return common + [
                text("title"), text("startDate"), text("endDate"), text("type"),
                reference("parent", "parentSourcedId", targets.academicSession), text("schoolYear"),
            ]
        case .courses:
            // 1.2 requires `courseCode` although the CSV column is optional.
            let courseCode =
                isV1p2
                ? RESTJSONField("courseCode", .textOrFallback(column: column("courseCode"), fallback: ""))
                : text("courseCode")
            return common + [
                text("title"), reference("schoolYear", "schoolYearSourcedId", targets.academicSession), courseCode,
                list("grades"), list("subjects"), reference("org", "orgSourcedId", targets.org),
                list("subjectCodes"),
            ]
        case .classes:
            return common + [
                text("title"), text("classCode"), text("classType"), text("location"), list("grades"),
                list("subjects"), reference("course", "courseSourcedId", targets.course),
                reference("school", "schoolSourcedId", targets.org),
                references("terms", "termSourcedIds", targets.academicSession), list("subjectCodes"),
                list("periods"),
            ]
        case .users:
            return common + (isV1p2 ? userFieldsV1p2(column: column, targets: targets) : userFieldsV1p1(targets))
        case .userProfiles:
            return [
                text("sourcedId", as: "profileId"), text("profileType"), text("vendorId"), text("applicationId"),
                text("description"),
                RESTJSONField(
                    "credentials",
                    .credentials(
                        type: column("credentialType"), username: column("username"),
                        password: column("password"))),
            ]
        case .roles:
            return [
                text("roleType"), text("role"), reference("org", "orgSourcedId", targets.org),
                text("userProfileSourcedId", as: "userProfile"), text("beginDate"), text("endDate"),
            ]
        case .enrollments:
            return common + [
                reference("user", "userSourcedId", targets.user), reference("class", "classSourcedId", targets.class),
                reference("school", "schoolSourcedId", targets.org), text("role"), text("primary"),
                text("beginDate"), text("endDate"),
            ]
        case .demographics:
            return common
                + [
                    "birthDate", "sex", "americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican",
                    "nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces",
                    "hispanicOrLatinoEthnicity", "countryOfBirthCode", "stateOfBirthAbbreviation", "cityOfBirth",
                    "publicSchoolResidenceStatus",
                ].map { text($0) }
        }

    }

    private static func userFieldsV1p2(column: (String) -> Int, targets: Targets) -> [RESTJSONField] {
        func text(_ name: String, as key: String? = nil) -> RESTJSONField {
            RESTJSONField(key ?? name, .text(column: column(name)))
        }
        return [
            text("userMasterIdentifier"), text("username"),
            RESTJSONField("userIds", .userIds(column: column("userIds"))),
            text("enabledUser"), text("givenName"), text("familyName"), text("middleName"),
            text("preferredGivenName", as: "preferredFirstName"), text("preferredMiddleName"),
            text("preferredFamilyName", as: "preferredLastName"), text("pronouns"),
            RESTJSONField("roles", .roles), RESTJSONField("userProfiles", .userProfiles),
            RESTJSONField("primaryOrg", .reference(column: column("primaryOrgSourcedId"), targets.org)),
            text("identifier"), text("email"), text("sms"), text("phone"),
            RESTJSONField("agents", .referenceList(column: column("agentSourcedIds"), targets.user)),
            RESTJSONField("grades", .list(column: column("grades"))), text("password"),
            RESTJSONField("resources", .referenceList(column: column("resourceSourcedIds"), targets.resource)),
        ]
    }
}
