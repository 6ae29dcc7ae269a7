import Foundation
import OneRoster
import Runtime
import Store
import Testing

/// App views built from Lua vendor mappings, through the real `rollbook` binary and a real SQLite store.
@Suite struct AppViewTests {
    private let coding = """
        return {
            name = "coding",
            share = {
                orgs = { types = { "school" }, where = function(org) return org.name:match("High School$") ~= nil end },
                roles = { "student", "teacher" },
                courses = function(course) return (course.subjects or ""):find("Computer Science", 1, true) ~= nil end,
                sessions = "current",
            },
        }
        """

    /// Reads the app's view of district `d`: sourcedId to record, per entity.
    private func view(_ setup: AppTestSetup) throws -> [Entity: [String: Record]] {
        let store = try SnapshotStore(path: setup.storePath)
        var result: [Entity: [String: Record]] = [:]
        guard let reader = try AppViewReader(store: store, app: "vendor", district: "d") else { return result }
        for entity in Entity.allCases {
            try reader.forEach(entity) { result[entity, default: [:]][$0.record.sourcedId] = $0.record }
        }
        return result
    }

    @Test func scopeKeepsOnlySharedRecords() throws {
        let setup = try AppTestSetup()
        try setup.writeMapping(coding)
        try setup.writeConfig()
        let output = try setup.sync()
        #expect(output.status == 0, "\(output)")

        let view = try view(setup)
        #expect(Set(view[.orgs, default: [:]].keys) == ["dist", "high"])
        #expect(Set(view[.academicSessions, default: [:]].keys) == ["sy", "fall"])
        #expect(Set(view[.courses, default: [:]].keys) == ["cs"])
        #expect(Set(view[.classes, default: [:]].keys) == ["cs-1"])
        #expect(Set(view[.users, default: [:]].keys) == ["s-1", "s-2", "t-1"])
        #expect(Set(view[.enrollments, default: [:]].keys) == ["e-1", "e-2", "e-3"])
        #expect(view[.demographics] == nil)
    }

    @Test func viewReferencesStayInsideView() throws {
        let setup = try AppTestSetup()
        try setup.writeMapping(coding)
        try setup.writeConfig()
        #expect(try setup.sync().status == 0)
        let view = try view(setup)
        let users = view[.users, default: [:]]

        // The teacher of both schools keeps only the shared one; the student's guardian is not shared.
        #expect(users["t-1"]?["orgSourcedIds"] == "high")
        #expect(users["s-1"]?["agentSourcedIds"] == nil)
        // The class keeps only its current term.
        #expect(view[.classes]?["cs-1"]?["termSourcedIds"] == "fall,sy")

        for (_, record) in view[.enrollments, default: [:]] {
            #expect(view[.classes]?[record["classSourcedId"] ?? ""] != nil)
            #expect(users[record["userSourcedId"] ?? ""] != nil)
            #expect(view[.orgs]?[record["schoolSourcedId"] ?? ""] != nil)
        }
        for (_, record) in users {
            for org in record.list("orgSourcedIds") { #expect(view[.orgs]?[org] != nil) }
        }
        for (_, record) in view[.orgs, default: [:]] {
            if let parent = record["parentSourcedId"] { #expect(view[.orgs]?[parent] != nil) }
        }
    }

    @Test func functionsMasksAndAllowListShapeUsers() throws {
        let setup = try AppTestSetup()
        try setup.writeMapping(
            """
            return {
                name = "shaped",
                share = { roles = { "student" }, fields = { users = { "email", "grades" } } },
                mask = { users = { familyName = "initial" } },
                user = function(user)
                    user.username = user.email
                    if user.sourcedId == "s-2" then return nil end
                    return user
                end,
            }
            """)
        try setup.writeConfig()
        #expect(try setup.sync().status == 0)
        let users = try view(setup)[.users, default: [:]]

        #expect(Set(users.keys) == ["s-1", "s-3"])
        let james = try #require(users["s-1"])
        #expect(james["username"] == "jsmith@example.org")
        #expect(james["familyName"] == "S****")
        #expect(james["givenName"] == "James")
        #expect(james["phone"] == nil)
        #expect(james["grades"] == "10")
        // The student left out by the function takes their enrollments with them.
        let enrollments = try view(setup)[.enrollments, default: [:]]
        #expect(Set(enrollments.keys) == ["e-1", "e-4"])
    }

    @Test func mappingErrorNamesScriptLineAndRecord() throws {
        let setup = try AppTestSetup()
        try setup.writeMapping(
            """
            return {
                name = "faulty",
                user = function(user)
                    if user.sourcedId == "s-2" then
                        error("no grade for this student")
                    end
                    return user
                end,
            }
            """)
        try setup.writeConfig()
        let output = try setup.sync()
        #expect(output.status == 1, "\(output)")
        let app = try #require(AppTestSetup.app(output))
        #expect(app["recordErrorCount"] as? Int == 1)
        let message = try #require((app["recordErrors"] as? [String])?.first)
        #expect(message.hasSuffix("apps/vendor.lua:5: user 's-2': no grade for this student"), "\(message)")

        let users = try view(setup)[.users, default: [:]]
        #expect(users["s-2"] == nil)
        #expect(users.count == 6)
        #expect(try view(setup)[.enrollments]?["e-2"] == nil)

        // The next run with nothing changed reports the error again.
        let again = try setup.sync()
        #expect(again.status == 1, "\(again)")
        #expect(AppTestSetup.app(again)?["recordErrorCount"] as? Int == 1)
    }

    @Test func failingFunctionTakesSharedRecordOut() throws {
        let setup = try AppTestSetup()
        let mapping = """
            return {
                name = "hiding",
                mask = { users = { familyName = "initial" } },
                user = function(user)
                    if user.sourcedId == "s-2" and user.givenName == "Mariana" then error("cannot map") end
                    return user
                end,
            }
            """
        try setup.writeMapping(mapping)
        try setup.writeConfig()
        #expect(try setup.sync().status == 0)
        #expect(try view(setup)[.users]?["s-2"]?["familyName"] == "L**")

        setup.district.users[1] = "s-2,,,true,high,student,mlee,Mariana,Lee,mlee@example.org,,11,"
        try setup.rewritePackage()
        let failed = try setup.sync()
        #expect(failed.status == 1, "\(failed)")
        #expect(AppTestSetup.counts(failed, "users")["removed"] == 1)
        #expect(try view(setup)[.users]?["s-2"] == nil)
    }

    @Test func functionRunsOnlyForChangedRecords() throws {
        let setup = try AppTestSetup()
        let mapping = """
            return {
                name = "counting",
                user = function(user) user.username = user.email; return user end,
            }
            """
        try setup.writeMapping(mapping)
        try setup.writeConfig()
        let first = try setup.sync()
        #expect(AppTestSetup.counts(first, "users")["mapped"] == 7)
        #expect(AppTestSetup.counts(first, "users")["changed"] == 7)

        setup.district.users[1] = "s-2,,,true,high,student,mlee,Mariana,Lee,mlee@example.org,,11,"
        try setup.rewritePackage()
        let second = try setup.sync()
        #expect(second.status == 0, "\(second)")
        #expect(AppTestSetup.counts(second, "users")["mapped"] == 1)
        #expect(AppTestSetup.counts(second, "users")["changed"] == 1)
        #expect(AppTestSetup.counts(second, "enrollments")["changed"] == 0)
        #expect(try view(setup)[.users]?["s-2"]?["givenName"] == "Mariana")

        // Editing the mapping maps every record again on the next run, without a rebuild.
        try setup.writeMapping(mapping.replacingOccurrences(of: "user.email", with: "user.sourcedId"))
        let third = try setup.sync()
        #expect(AppTestSetup.counts(third, "users")["mapped"] == 7)
        #expect(AppTestSetup.counts(third, "users")["changed"] == 7)
        #expect(try view(setup)[.users]?["s-2"]?["username"] == "s-2")
    }

    @Test func recordLeavingScopeIsRemovedThenRestored() throws {
        let setup = try AppTestSetup()
        try setup.writeMapping(coding)
        try setup.writeConfig()
        #expect(try setup.sync().status == 0)

        // The student moves to the elementary school, which the app does not see.
        setup.district.users[1] = "s-2,,,true,elem,student,mlee,Maria,Lee,mlee@example.org,,11,"
        setup.district.enrollments.removeAll { $0.hasPrefix("e-2,") || $0.hasPrefix("e-6,") }
        try setup.rewritePackage()
        let moved = try setup.sync()
        #expect(moved.status == 0, "\(moved)")
        #expect(AppTestSetup.counts(moved, "users")["removed"] == 1)
        #expect(AppTestSetup.counts(moved, "enrollments")["removed"] == 1)
        #expect(try view(setup)[.users]?["s-2"] == nil)

        setup.district = AppFixtureDistrict()
        try setup.rewritePackage()
        let back = try setup.sync()
        #expect(AppTestSetup.counts(back, "users")["changed"] == 1)
        #expect(try view(setup)[.users]?["s-2"]?["orgSourcedIds"] == "high")
    }

    @Test func identityMappingSharesEntitiesWhole() throws {
        let setup = try AppTestSetup()
        try setup.writeMapping("return { name = \"everything\" }")
        try setup.writeConfig()
        let first = try setup.sync()
        #expect(first.status == 0, "\(first)")
        let store = try SnapshotStore(path: setup.storePath)
        let run = try #require(try store.lastAppRun(app: "vendor", district: "d"))
        #expect(run.whole == [.orgs, .academicSessions, .courses, .classes, .users, .enrollments])
        #expect(run.counts[.users]?.shared == 7)
        #expect(run.counts[.enrollments]?.shared == 6)

        setup.district.users[0] = "s-1,,,true,high,student,jsmith,Jim,Smith,jsmith@example.org,555-0101,10,g-1"
        try setup.rewritePackage()
        let second = try setup.sync()
        #expect(AppTestSetup.counts(second, "users")["changed"] == 1)
        #expect(AppTestSetup.counts(second, "classes")["changed"] == 0)
        #expect(try view(setup)[.users]?["s-1"]?["givenName"] == "Jim")
    }

    @Test func previewShowsChangesAndStoresNothing() throws {
        let setup = try AppTestSetup()
        try setup.writeMapping(coding)
        try setup.writeConfig()
        #expect(try setup.sync().status == 0)
        let before = try SnapshotStore(path: setup.storePath).appRuns(app: "vendor").count

        try setup.writeMapping(coding.replacingOccurrences(of: "\"student\", \"teacher\"", with: "\"teacher\""))
        let preview = try runRollbook(["app", "preview", "vendor", "--config", setup.config, "--json"])
        #expect(preview.status == 0, "\(preview)")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(preview.stdout.utf8)) as? [String: Any])
        let first = try #require((document["previews"] as? [[String: Any]])?.first)
        let users = try #require((first["changes"] as? [String: [String: Int]])?["users"])
        #expect(users["shared"] == 1)
        #expect(users["removed"] == 2)
        let records = try #require((first["records"] as? [String: [[String: String]]])?["users"])
        #expect(records.map { $0["sourcedId"] } == ["t-1"])

        #expect(try SnapshotStore(path: setup.storePath).appRuns(app: "vendor").count == before)
        #expect(try view(setup)[.users]?.count == 3)
    }

    @Test func badMappingScriptKeepsPreviousView() throws {
        let setup = try AppTestSetup()
        try setup.writeMapping(coding)
        try setup.writeConfig()
        #expect(try setup.sync().status == 0)

        try setup.writeMapping("return { name = \"broken\", share = { rols = { \"student\" } } }")
        let output = try setup.sync()
        #expect(output.status == 4, "\(output)")
        let error = try #require(AppTestSetup.app(output)?["error"] as? String)
        #expect(error.contains("unknown key 'rols' in 'share'"), "\(error)")
        #expect(try view(setup)[.users]?.count == 3)
    }

    @Test func approvedRunUpdatesView() throws {
        let setup = try AppTestSetup()
        try setup.writeMapping("return { name = \"students\", share = { roles = { \"student\" } } }")
        try setup.writeConfig(removedLimit: 0.2)
        #expect(try setup.sync().status == 0)

        setup.district.users.removeAll { $0.hasPrefix("s-2,") || $0.hasPrefix("s-3,") }
        setup.district.enrollments.removeAll { $0.hasPrefix("e-2,") || $0.hasPrefix("e-4,") || $0.hasPrefix("e-6,") }
        try setup.rewritePackage()
        let held = try setup.sync()
        #expect(held.status == 3, "\(held)")
        #expect(try view(setup)[.users]?.count == 3)

        let run = try #require(held.firstRun?["run"] as? Int)
        let approved = try runRollbook(["approve", String(run), "--config", setup.config])
        #expect(approved.status == 0, "\(approved)")
        #expect(approved.stdout.contains("App vendor, district d: view updated"), "\(approved.stdout)")
        #expect(Set(try view(setup)[.users, default: [:]].keys) == ["s-1"])
    }

    @Test func unchangedSyncLeavesViewAsItIs() throws {
        let setup = try AppTestSetup()
        try setup.writeMapping(coding)
        try setup.writeConfig()
        #expect(try setup.sync().status == 0)
        let again = try setup.sync()
        #expect(again.status == 0, "\(again)")
        #expect(AppTestSetup.app(again)?["appRun"] is NSNull)
        #expect(try SnapshotStore(path: setup.storePath).appRuns(app: "vendor").count == 1)
    }
}
