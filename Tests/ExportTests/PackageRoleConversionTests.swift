import OneRoster
import Testing

@testable import Export

@Suite("RoleConversion")
struct PackageRoleConversionTests {
    /// Returns the compared fields of each role, joined with `|`.
    func describe(_ roles: [Record]) -> [String] {
        roles.map { role in
            ["sourcedId", "status", "dateLastModified", "userSourcedId", "roleType", "role", "orgSourcedId"]
                .map { role[$0] ?? "-" }.joined(separator: "|")
        }
    }

    @Test func teacherAtTwoOrgs() {
        let roles = RoleConversion.roles(derivedFrom: TestRoster.users[0])
        #expect(
            describe(roles) == [
                "role-5-tch-1-sch-1|active|2024-03-01T12:00:00.000Z|tch-1|primary|teacher|sch-1",
                "role-5-tch-1-dist-1|active|2024-03-01T12:00:00.000Z|tch-1|secondary|teacher|dist-1",
            ])
        #expect(roles.allSatisfy { $0["beginDate"] == nil })
        #expect(roles.allSatisfy { $0["userProfileSourcedId"] == nil })
    }

    @Test func primaryOrgSourcedIdChoosesPrimary() {
        var user = TestRoster.users[0]
        user["primaryOrgSourcedId"] = "dist-1"
        #expect(RoleConversion.roles(derivedFrom: user).map { $0["roleType"] ?? "" } == ["secondary", "primary"])

        user["primaryOrgSourcedId"] = "sch-2"
        let roles = RoleConversion.roles(derivedFrom: user)
        #expect(roles.map { $0["orgSourcedId"] ?? "" } == ["sch-2", "sch-1", "dist-1"])
        #expect(roles.map { $0["roleType"] ?? "" } == ["primary", "secondary", "secondary"])
    }

    @Test(
        arguments: [
            ("administrator", "district", "districtAdministrator"),
            ("administrator", "school", "siteAdministrator"),
            ("administrator", nil, "siteAdministrator"),
            ("guardian", "school", "guardian"),
            ("relative", "school", "relative"),
            ("parent", "school", "parent"),
            ("aide", "school", "aide"),
            ("proctor", "school", "proctor"),
            ("ext:coach", "school", "ext:coach"),
        ] as [(String, String?, String)])
    func roleVocabularyToV1p2(role: String, orgType: String?, expected: String) {
        var user = TestRoster.users[3]
        user["role"] = role
        let orgTypes = orgType.map { ["sch-1": $0] } ?? [:]
        let roles = RoleConversion.roles(derivedFrom: user, orgTypes: orgTypes)
        #expect(roles.map { $0["role"] ?? "" } == [expected])
    }

    @Test func userWithoutRoleOrOrgs() {
        var user = TestRoster.users[1]
        user["role"] = nil
        #expect(RoleConversion.roles(derivedFrom: user).isEmpty)
        user["role"] = "student"
        user["orgSourcedIds"] = nil
        #expect(RoleConversion.roles(derivedFrom: user).isEmpty)
        #expect(RoleConversion.roles(derivedFrom: TestRoster.orgs[0]).isEmpty)
    }

    @Test func sourcedIdIsUnambiguous() {
        #expect(RoleConversion.roleSourcedId(user: "a-b", org: "c") == "role-3-a-b-c")
        #expect(RoleConversion.roleSourcedId(user: "a", org: "b-c") == "role-1-a-b-c")
        #expect(RoleConversion.roleSourcedId(user: "Zoë", org: "x") == "role-4-Zoë-x")
    }

    @Test func roundTripRestoresV1p1Fields() {
        for original in TestRoster.users {
            var user = original
            user["role"] = nil
            user["orgSourcedIds"] = nil
            RoleConversion.fillV1p1Fields(of: &user, from: RoleConversion.roles(derivedFrom: original))
            #expect(user["role"] == original["role"], "\(original.sourcedId)")
            #expect(user["orgSourcedIds"] == original["orgSourcedIds"], "\(original.sourcedId)")
        }
    }

    func role(_ org: String, _ type: String, _ role: String, status: String = "active", user: String = "u-1") -> Record
    {
        makeRecord(
            .roles,
            [
                "sourcedId": "r-\(org)-\(role)", "status": status, "userSourcedId": user, "roleType": type,
                "role": role, "orgSourcedId": org,
            ])
    }

    @Test func fillPutsPrimaryFirst() {
        var user = makeRecord(.users, ["sourcedId": "u-1", "givenName": "Ada"])
        let roles = [
            role("sch-2", "secondary", "teacher"),
            role("sch-1", "primary", "principal"),
            role("sch-3", "secondary", "counselor"),
            role("sch-1", "secondary", "teacher"),
            role("sch-9", "primary", "teacher", user: "u-2"),
        ]
        RoleConversion.fillV1p1Fields(of: &user, from: roles)
        #expect(user["role"] == "administrator")
        #expect(user["orgSourcedIds"] == "sch-1,sch-2,sch-3")
    }

    @Test func fillPrefersPrimaryOrgSourcedId() {
        var user = makeRecord(.users, ["sourcedId": "u-1", "primaryOrgSourcedId": "sch-2"])
        let roles = [role("sch-1", "primary", "teacher"), role("sch-2", "primary", "ext:coach")]
        RoleConversion.fillV1p1Fields(of: &user, from: roles)
        #expect(user["role"] == "ext:coach")
        #expect(user["orgSourcedIds"] == "sch-2,sch-1")
    }

    @Test func fillIgnoresDeletedRolesUnlessAllAre() {
        var user = makeRecord(.users, ["sourcedId": "u-1"])
        RoleConversion.fillV1p1Fields(
            of: &user,
            from: [role("sch-1", "primary", "teacher", status: "tobedeleted"), role("sch-2", "secondary", "aide")])
        #expect(user["role"] == "aide")
        #expect(user["orgSourcedIds"] == "sch-2")

        var deleted = makeRecord(.users, ["sourcedId": "u-1", "status": "tobedeleted"])
        RoleConversion.fillV1p1Fields(of: &deleted, from: [role("sch-1", "primary", "relative", status: "tobedeleted")])
        #expect(deleted["role"] == "relative")
        #expect(deleted["orgSourcedIds"] == "sch-1")
    }

    @Test func fillWithoutRolesLeavesUserUnchanged() {
        var user = TestRoster.users[0]
        RoleConversion.fillV1p1Fields(of: &user, from: [role("sch-1", "primary", "teacher", user: "someone-else")])
        #expect(user == TestRoster.users[0])
    }

    @Test(arguments: [
        ("districtAdministrator", "administrator"), ("siteAdministrator", "administrator"),
        ("systemAdministrator", "administrator"), ("principal", "administrator"), ("counselor", "administrator"),
        ("guardian", "guardian"), ("relative", "relative"), ("student", "student"), ("ext:coach", "ext:coach"),
    ])
    func roleVocabularyToV1p1(role: String, expected: String) {
        #expect(RoleConversion.v1p1Role(for: role) == expected)
    }
}
