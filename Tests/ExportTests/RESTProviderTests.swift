import Export
import Foundation
import OneRoster
import Store
import Testing

/// Returns the records of a small district: two schools, terms with a grading period, three classes, students,
/// teachers and their enrollments.
private func districtRecords() -> [Record] {
    var records: [Record] = [
        makeRecord(.orgs, ["sourcedId": "dist-1", "name": "Lake District", "type": "district"]),
        makeRecord(
            .orgs, ["sourcedId": "sch-1", "name": "Hill School", "type": "school", "parentSourcedId": "dist-1"]),
        makeRecord(
            .orgs, ["sourcedId": "sch-2", "name": "Vale School", "type": "school", "parentSourcedId": "dist-1"]),
    ]

    let sessions: [(String, String, String?)] = [
        ("y-2024", "schoolYear", nil), ("t-1", "term", "y-2024"), ("t-2", "term", "y-2024"),
        ("gp-1", "gradingPeriod", "t-1"),
    ]
    for (id, type, parent) in sessions {
        var values = ["sourcedId": id, "title": id, "type": type, "startDate": "2024-08-01", "endDate": "2025-06-30"]
        values["schoolYear"] = "2025"
        if let parent { values["parentSourcedId"] = parent }
        records.append(makeRecord(.academicSessions, values))
    }

    records += [
        makeRecord(.courses, ["sourcedId": "c-1", "title": "Math", "orgSourcedId": "sch-1"]),
        makeRecord(.courses, ["sourcedId": "c-2", "title": "Art", "orgSourcedId": "sch-2"]),
    ]

    let classes: [(String, String, String, String)] = [
        ("cl-1", "c-1", "sch-1", "t-1"), ("cl-2", "c-1", "sch-1", "t-1,t-2"), ("cl-3", "c-2", "sch-2", "t-2"),
    ]
    for (id, course, school, terms) in classes {
        records.append(
            makeRecord(
                .classes,
                [
                    "sourcedId": id, "title": "Class \(id)", "courseSourcedId": course, "schoolSourcedId": school,
                    "termSourcedIds": terms, "classType": "scheduled",
                ]))
    }

    let users: [(String, String, String, String)] = [
        ("s-1", "student", "sch-1", "Ada"), ("s-2", "student", "sch-1", "Bea"), ("s-3", "student", "sch-2", "Cyd"),
        ("s-4", "student", "sch-2", "Dot"), ("tch-1", "teacher", "sch-1", "Eve"), ("tch-2", "teacher", "sch-2", "Fay"),
    ]
    for (id, role, org, name) in users {
        records.append(
            makeRecord(
                .users,
                [
                    "sourcedId": id, "enabledUser": "true", "role": role, "orgSourcedIds": org, "username": id,
                    "givenName": name, "familyName": "Stone", "email": "\(name.lowercased())@lake.example",
                ]))
    }

    let enrollments: [(String, String, String, String, String)] = [
        ("e-1", "s-1", "cl-1", "sch-1", "student"), ("e-2", "s-2", "cl-1", "sch-1", "student"),
        ("e-3", "tch-1", "cl-1", "sch-1", "teacher"), ("e-4", "s-1", "cl-2", "sch-1", "student"),
        ("e-5", "s-3", "cl-3", "sch-2", "student"), ("e-6", "tch-2", "cl-3", "sch-2", "teacher"),
    ]
    for (id, user, schoolClass, school, role) in enrollments {
        records.append(
            makeRecord(
                .enrollments,
                [
                    "sourcedId": id, "userSourcedId": user, "classSourcedId": schoolClass, "schoolSourcedId": school,
                    "role": role,
                ]))
    }

    records.append(makeRecord(.demographics, ["sourcedId": "s-1", "birthDate": "2012-03-04", "sex": "female"]))
    return records
}

/// Returns a store where app `a` reads every entity, with user s-2 renamed by its mapping and s-4 removed;
/// app `b` reads only orgs.
private func sharedRoster() throws -> RESTProviderFixture {
    let fixture = try RESTProviderFixture()
    try fixture.load(district: "d1", districtRecords())
    var renamed = districtRecords().first { $0.entity == .users && $0.sourcedId == "s-2" } ?? Record(entity: .users)
    renamed["givenName"] = "Mapped"
    try fixture.publishView(
        app: "a", district: "d1",
        entities: [.orgs, .academicSessions, .courses, .classes, .users, .enrollments, .demographics],
        whole: [.orgs, .academicSessions], mapped: [renamed], removed: ["s-4"])
    try fixture.publishView(app: "b", district: "d1", entities: [.orgs], whole: [.orgs])
    return fixture
}

private func startServer(_ fixture: RESTProviderFixture, limits: RESTQueryLimits = RESTQueryLimits()) throws
    -> RESTProviderServer
{
    let all = RESTProviderServer.allScopes
    let core: Set<String> = [
        RESTProviderServer.v1p1 + "roster-core.readonly", RESTProviderServer.v1p2 + "roster.readonly",
    ]
    return try RESTProviderServer(
        path: fixture.path,
        callers: [
            "a": RESTCaller(app: "a", district: "d1", scopes: all, clientId: "client-a"),
            "b": RESTCaller(app: "b", district: "d1", scopes: all, clientId: "client-b"),
            "core": RESTCaller(app: "a", district: "d1", scopes: core, clientId: "client-core"),
            "none": RESTCaller(app: "a", district: "d1", scopes: [], clientId: "client-none"),
        ], limits: limits)
}

private let v1p1 = "/ims/oneroster/v1p1"
private let v1p2 = "/ims/oneroster/rostering/v1p2"

@Suite(.serialized) struct RESTProviderTests {
    @Test func usersPageFromAppView() throws {
        let fixture = try sharedRoster()
        let server = try startServer(fixture)

        let response = try server.get(v1p1 + "/users")
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "application/json")
        #expect(response.header("X-Total-Count") == "5")
        #expect(response.ids("users") == ["s-1", "s-2", "s-3", "tch-1", "tch-2"])
        #expect(response.header("Link") == nil)
    }

    @Test func mappedValueIsServedAndFiltered() throws {
        let fixture = try sharedRoster()
        let server = try startServer(fixture)

        let single = try server.get(v1p1 + "/users/s-2")
        #expect((single.json["user"] as? [String: Any])?["givenName"] as? String == "Mapped")
        let byMapped = try server.get(v1p1 + "/users?filter=givenName%3D%27Mapped%27")
        #expect(byMapped.ids("users") == ["s-2"])
        #expect(byMapped.header("X-Total-Count") == "1")
        let byBase = try server.get(v1p1 + "/users?filter=givenName%3D%27Bea%27")
        #expect(byBase.ids("users") == [])
        #expect(byBase.header("X-Total-Count") == "0")
    }

    @Test func removedRowIsInvisible() throws {
        let fixture = try sharedRoster()
        let server = try startServer(fixture)

        let single = try server.get(v1p1 + "/users/s-4")
        #expect(single.status == 404)
        #expect(single.codeMinor == "unknownobject")
        #expect(!(try server.get(v1p1 + "/students")).ids("users").contains("s-4"))
        #expect(try server.get(v1p1 + "/schools/sch-2/students").ids("users") == ["s-3"])
    }

    @Test func otherAppSeesNothingOfFirst() throws {
        let fixture = try sharedRoster()
        let server = try startServer(fixture)

        let users = try server.get(v1p1 + "/users", token: "b")
        #expect(users.status == 200)
        #expect(users.ids("users") == [])
        #expect(users.header("X-Total-Count") == "0")
        #expect(try server.get(v1p1 + "/users/s-1", token: "b").status == 404)
        #expect(try server.get(v1p1 + "/classes/cl-1/students", token: "b").status == 404)
        #expect(try server.get(v1p1 + "/schools", token: "b").ids("orgs") == ["sch-1", "sch-2"])
    }

    @Test func unknownIdGets404Payload() throws {
        let fixture = try sharedRoster()
        let server = try startServer(fixture)

        let v1 = try server.get(v1p1 + "/classes/nope")
        #expect(v1.status == 404)
        #expect(v1.codeMinor == "unknownobject")
        #expect(
            v1.statusDescription
                == "Not found: no class has sourcedId 'nope'; check the id against the collection endpoint")
        let v2 = try server.get(v1p2 + "/users/nope")
        #expect(v2.status == 404)
        #expect(v2.json["imsx_codeMajor"] as? String == "failure")
        #expect(try server.get(v1p1 + "/schools/dist-1").status == 404)
    }

    @Test func unknownPathGets404Payload() throws {
        let fixture = try sharedRoster()
        let server = try startServer(fixture)

        let response = try server.get(v1p1 + "/pupils")
        #expect(response.status == 404)
        #expect(response.codeMinor == "unknownobject")
        #expect(try server.get(v1p2 + "/users/s-1/friends/x").codeMinor == "unknownobject")
    }

    @Test func badFilterFieldGets400NamingIt() throws {
        let fixture = try sharedRoster()
        let server = try startServer(fixture)

        let response = try server.get(v1p2 + "/users?filter=emial%3D%27x%27")
        #expect(response.status == 400)
        #expect(response.codeMinor == "invalid_filter_field")
        #expect(response.statusDescription?.hasPrefix("filter: unknown field 'emial' at 0; expected one of") == true)
        let selection = try server.get(v1p1 + "/users?fields=givenName,shoeSize")
        #expect(selection.status == 400)
        #expect(selection.codeMinor == "invalid_selection_field")
    }

    @Test func scopesGuardDemographics() throws {
        let fixture = try sharedRoster()
        let server = try startServer(fixture)

        #expect(try server.get(v1p1 + "/demographics").ids("demographics") == ["s-1"])
        let denied = try server.get(v1p1 + "/demographics", token: "core")
        #expect(denied.status == 403)
        #expect(denied.codeMinor == "forbidden")
        #expect(
            denied.statusDescription?.contains(
                "'https://purl.imsglobal.org/spec/or/v1p1/scope/roster-demographics.readonly'") == true)
        #expect(try server.get(v1p2 + "/demographics/s-1", token: "core").status == 403)
        #expect(try server.get(v1p2 + "/users", token: "core").status == 200)
        #expect(try server.get(v1p1 + "/users", token: "none").status == 403)
        let anonymous = try server.get(v1p1 + "/users", token: nil)
        #expect(anonymous.status == 401)
        #expect(anonymous.codeMinor == "unauthorisedrequest")
    }

    @Test func userShapesDifferByVersion() throws {
        let fixture = try sharedRoster()
        let server = try startServer(fixture)

        let old = try server.get(v1p1 + "/users/tch-1").json["user"] as? [String: Any] ?? [:]
        #expect(old["role"] as? String == "teacher")
        #expect((old["orgs"] as? [[String: Any]])?.first?["href"] as? String == "http://127.0.0.1\(v1p1)/orgs/sch-1")
        #expect(old["roles"] == nil)

        let new = try server.get(v1p2 + "/users/tch-1").json["user"] as? [String: Any] ?? [:]
        #expect(new["role"] == nil)
        #expect(new["orgs"] == nil)
        let roles = new["roles"] as? [[String: Any]] ?? []
        #expect(roles.count == 1)
        #expect(roles.first?["role"] as? String == "teacher")
        #expect(roles.first?["roleType"] as? String == "primary")
        #expect((roles.first?["org"] as? [String: Any])?["sourcedId"] as? String == "sch-1")
    }

    @Test func nestedEndpoints() throws {
        let fixture = try sharedRoster()
        let server = try startServer(fixture)
        let cases: [(String, String, [String])] = [
            ("/schools/sch-1/classes", "classes", ["cl-1", "cl-2"]),
            ("/schools/sch-1/courses", "courses", ["c-1"]),
            ("/schools/sch-1/enrollments", "enrollments", ["e-1", "e-2", "e-3", "e-4"]),
            ("/schools/sch-1/classes/cl-1/enrollments", "enrollments", ["e-1", "e-2", "e-3"]),
            ("/schools/sch-1/students", "users", ["s-1", "s-2"]),
            ("/schools/sch-1/teachers", "users", ["tch-1"]),
            ("/schools/sch-1/terms", "academicSessions", ["t-1", "t-2"]),
            ("/schools/sch-2/terms", "academicSessions", ["t-2"]),
            ("/schools/sch-1/classes/cl-1/students", "users", ["s-1", "s-2"]),
            ("/schools/sch-1/classes/cl-1/teachers", "users", ["tch-1"]),
            ("/classes/cl-1/students", "users", ["s-1", "s-2"]),
            ("/classes/cl-3/teachers", "users", ["tch-2"]),
            ("/courses/c-1/classes", "classes", ["cl-1", "cl-2"]),
            ("/users/s-1/classes", "classes", ["cl-1", "cl-2"]),
            ("/students/s-1/classes", "classes", ["cl-1", "cl-2"]),
            ("/teachers/tch-2/classes", "classes", ["cl-3"]),
            ("/terms/t-2/classes", "classes", ["cl-2", "cl-3"]),
            ("/terms/t-1/gradingPeriods", "academicSessions", ["gp-1"]),
            ("/terms", "academicSessions", ["t-1", "t-2"]),
            ("/gradingPeriods", "academicSessions", ["gp-1"]),
            ("/schools", "orgs", ["sch-1", "sch-2"]),
            ("/teachers", "users", ["tch-1", "tch-2"]),
        ]
        for (path, key, expected) in cases {
            for base in [v1p1, v1p2] {
                let response = try server.get(base + path)
                #expect(response.status == 200, "\(base + path)")
                #expect(response.ids(key) == expected, "\(base + path)")
                #expect(response.header("X-Total-Count") == String(expected.count), "\(base + path)")
            }
        }
        #expect(try server.get(v1p1 + "/students/tch-1/classes").status == 404)
        #expect(try server.get(v1p1 + "/terms/y-2024/classes").status == 404)
        #expect(try server.get(v1p1 + "/schools/sch-1/classes/nope/students").status == 404)
    }

    @Test func fieldsSelectTopLevelMembers() throws {
        let fixture = try sharedRoster()
        let server = try startServer(fixture)

        let page = try server.get(v1p1 + "/users?fields=sourcedId,givenName&limit=1")
        let first = (page.json["users"] as? [[String: Any]])?.first ?? [:]
        #expect(Set(first.keys) == ["sourcedId", "givenName"])
        let single = try server.get(v1p2 + "/classes/cl-1?fields=title,terms")
        let object = single.json["class"] as? [String: Any] ?? [:]
        #expect(Set(object.keys) == ["title", "terms"])
    }

    @Test func sortDescendingAndContains() throws {
        let fixture = try sharedRoster()
        let server = try startServer(fixture)

        let byName = try server.get(v1p1 + "/users?sort=givenName&orderBy=desc")
        // The mapped name of s-2, "Mapped", sorts first. Its base name "Bea" would sort it next to last.
        #expect(byName.ids("users") == ["s-2", "tch-2", "tch-1", "s-3", "s-1"])
        let byId = try server.get(v1p1 + "/users?orderBy=desc&limit=2&offset=1")
        #expect(byId.ids("users") == ["tch-1", "s-3"])
        let contains = try server.get(v1p1 + "/users?filter=email~%27y%40%27%20OR%20givenName%3D%27Ada%27")
        #expect(contains.ids("users") == ["s-1", "tch-2"])
        let reference = try server.get(v1p2 + "/classes?filter=course.sourcedId%3D%27c-1%27&sort=title&orderBy=desc")
        #expect(reference.ids("classes") == ["cl-2", "cl-1"])
    }

    @Test func linkHeaderKeepsOtherParameters() throws {
        let fixture = try sharedRoster()
        let server = try startServer(fixture)

        let response = try server.get(v1p1 + "/users?filter=role%3D%27student%27&limit=1&offset=1")
        #expect(response.header("X-Total-Count") == "3")
        let base = "http://127.0.0.1\(v1p1)/users?filter=role%3D%27student%27&limit=1&offset="
        #expect(
            response.header("Link")
                == "<\(base)2>; rel=\"next\", <\(base)0>; rel=\"prev\", <\(base)0>; rel=\"first\", <\(base)2>; rel=\"last\""
        )
        // Past the end there is no next page, and the previous one is the last page, not another empty one.
        let pastEnd = try server.get(v1p1 + "/users?filter=role%3D%27student%27&limit=1&offset=9")
        #expect(pastEnd.ids("users") == [])
        #expect(
            pastEnd.header("Link") == "<\(base)2>; rel=\"prev\", <\(base)0>; rel=\"first\", <\(base)2>; rel=\"last\"")
    }
}
