import Export
import Foundation
import OneRoster
import Store
import Testing

/// Returns the folder `shared/cases/<name>` beside the package root, or nil when it is absent.
private func caseFolder(_ name: String) -> URL? {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let folder = root.deletingLastPathComponent().appendingPathComponent("shared/cases/\(name)")
    return FileManager.default.fileExists(atPath: folder.path) ? folder : nil
}

private let users = "/ims/oneroster/v1p1/users"

@Suite(.serialized) struct RESTProviderCaseTests {
    @Test func pagingIsStableAndComplete() throws {
        guard let folder = caseFolder("B06") else {
            print("skipped: the shared case folder B06 is absent")
            return
        }
        let fixture = try RESTProviderFixture()
        let records =
            try readSimpleCSV(folder.appendingPathComponent("orgs.csv"), entity: .orgs)
            + readSimpleCSV(folder.appendingPathComponent("users.csv"), entity: .users)
        try fixture.load(district: "d6", records)
        try fixture.publishView(app: "a", district: "d6", entities: [.orgs, .users])
        let server = try RESTProviderServer(
            path: fixture.path,
            callers: ["a": RESTCaller(app: "a", district: "d6", scopes: RESTProviderServer.allScopes, clientId: "a")])

        var seen: [String] = []
        for (offset, expected) in [(0, ["u-601", "u-602"]), (2, ["u-603", "u-604"]), (4, ["u-605"])] {
            let page = try server.get(users + "?limit=2&offset=\(offset)")
            #expect(page.status == 200)
            #expect(page.header("X-Total-Count") == "5")
            #expect(page.ids("users") == expected)
            let hasNext = page.header("Link")?.contains("rel=\"next\"") ?? false
            #expect(hasNext == (offset + 2 < 5))
            seen += page.ids("users")
        }
        #expect(seen == ["u-601", "u-602", "u-603", "u-604", "u-605"])

        let past = try server.get(users + "?limit=2&offset=6")
        #expect(past.status == 200)
        #expect(String(decoding: past.body, as: UTF8.self) == "{\"users\":[]}")
        #expect(past.header("X-Total-Count") == "5")

        let students = try server.get(users + "?limit=2&offset=0&filter=role%3D%27student%27")
        #expect(students.header("X-Total-Count") == "4")
        #expect(students.ids("users") == ["u-601", "u-602"])
        #expect(students.header("Link")?.contains("offset=2>; rel=\"next\"") == true)
    }

    @Test func limitIsCappedAndValidated() throws {
        let fixture = try RESTProviderFixture()
        let records = (1...12_000).map { number in
            makeRecord(
                .users,
                [
                    "sourcedId": "u-\(100_000 + number)", "enabledUser": "true", "role": "student",
                    "orgSourcedIds": "sch-1", "username": "user\(number)", "givenName": "Given\(number)",
                    "familyName": "Family",
                ])
        }
        try fixture.load(district: "d32", records)
        try fixture.publishView(app: "a", district: "d32", entities: [.users])
        let server = try RESTProviderServer(
            path: fixture.path,
            callers: ["a": RESTCaller(app: "a", district: "d32", scopes: RESTProviderServer.allScopes, clientId: "a")],
            limits: RESTQueryLimits(defaultLimit: 100, maximumLimit: 10_000))

        let first = try server.get(users + "?limit=50000&offset=0")
        #expect(first.status == 200)
        #expect(first.header("X-Total-Count") == "12000")
        let firstIds = first.ids("users")
        #expect(firstIds.count == 10_000)
        #expect(firstIds.first == "u-100001")
        #expect(
            first.header("Link")?.contains("<http://127.0.0.1\(users)?limit=10000&offset=10000>; rel=\"next\"") == true)

        let second = try server.get(users + "?limit=10000&offset=10000")
        let secondIds = second.ids("users")
        #expect(secondIds.count == 2000)
        #expect(secondIds.last == "u-112000")
        #expect(Set(firstIds).isDisjoint(with: secondIds))
        #expect(second.header("Link")?.contains("rel=\"next\"") == false)

        for bad in ["0", "-5", "abc"] {
            let response = try server.get(users + "?limit=\(bad)")
            #expect(response.status == 400, "limit=\(bad)")
            #expect(response.codeMinor == "invaliddata")
            #expect(response.statusDescription?.hasPrefix("limit: invalid value '\(bad)'") == true)
        }
    }
}
