import Foundation
import OneRoster
import Store
import Testing

/// Change detection, tombstones, the safety hold and its decisions, through the real `rollbook` binary.
@Suite struct HistoryTests {
    /// Writes a small package of one school and `users` (sourcedId, given name) into `folder`.
    private func writePackage(
        _ folder: String, users: [(String, String)], mode: String = "bulk", status: [String: String] = [:]
    ) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let stamp = mode == "delta" ? "2026-11-30T08:00:00Z" : ""
        var manifest = "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n"
        manifest += "file.orgs,\(mode == "delta" ? "absent" : "bulk")\nfile.users,\(mode)\n"
        try manifest.write(toFile: folder + "/manifest.csv", atomically: true, encoding: .utf8)
        if mode != "delta" {
            try "sourcedId,status,dateLastModified,name,type\nsch-1,,,Alder School,school\n"
                .write(toFile: folder + "/orgs.csv", atomically: true, encoding: .utf8)
        }
        var text = "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,givenName,familyName\n"
        for (id, name) in users {
            let rowStatus = status[id] ?? (mode == "delta" ? "active" : "")
            text += "\(id),\(rowStatus),\(stamp),true,sch-1,student,\(id),\(name),Reed\n"
        }
        try text.write(toFile: folder + "/users.csv", atomically: true, encoding: .utf8)
    }

    private func sync(_ config: String, _ extra: [String] = []) throws -> ProcessOutput {
        try runRollbook(["sync", "--config", config, "--json"] + extra)
    }

    private func changes(_ output: ProcessOutput, _ entity: String) -> [String: Int] {
        (output.firstRun?["changes"] as? [String: [String: Int]])?[entity] ?? [:]
    }

    private func json(_ output: ProcessOutput) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    @Test(.enabled(if: Paths.sharedPath("cases/B08") != nil, "../shared/cases is absent"))
    func heldShrinkPublishesNothingUntilApproved() throws {
        let cases = try #require(Paths.sharedPath("cases/B08"))
        let directory = try TemporaryDirectory()
        let safety = ", safety = { removed = { users = 0.5 } }"
        let day1 = try directory.writeConfig(districts: [("d", cases + "/day1")], extra: safety)
        #expect(try sync(day1).status == 0)

        let day2 = try directory.writeConfig(districts: [("d", cases + "/day2")], extra: safety)
        let held = try sync(day2)
        #expect(held.status == 3, "\(held.stdout)")
        #expect(held.firstRun?["status"] as? String == "held")
        #expect(changes(held, "users")["removed"] == 6)
        let hold = try #require(held.firstRun?["hold"] as? [String: Any])
        #expect(hold["reason"] as? String == "This run would remove 6 of 6 users (100%, over the limit of 50%)")
        let runId = try #require(held.firstRun?["run"] as? Int)

        let storePath = directory.file("rollbook.sqlite")
        do {
            let store = try SnapshotStore(path: storePath)
            #expect(try store.liveCount(district: "d", entity: .users) == 6)
            #expect(try store.run(Int64(runId))?.status == .held)
        }

        let listed = try runRollbook(["runs", "--config", day2, "--json"])
        let runs = json(listed)["runs"] as? [[String: Any]] ?? []
        #expect(runs.map { $0["status"] as? String } == ["held", "committed"])
        let unknown = try runRollbook(["runs", "--config", day2, "--district", "nosuch"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no district 'nosuch'; configured: d"))
        let text = try runRollbook(["runs", "--config", day2]).stdout
        #expect(text.contains("Run \(runId) is held: This run would remove 6 of 6 users"))

        let diff = json(try runRollbook(["diff", "\(runId)", "--config", day2, "--json", "--samples", "3"]))
        #expect((diff["changes"] as? [String: [String: Int]])?["users"]?["removed"] == 6)
        let samples = diff["samples"] as? [[String: Any]] ?? []
        #expect(samples.first?["sourcedIds"] as? [String] == ["u-801", "u-802", "u-803"])

        let report = json(try runRollbook(["report", "\(runId)", "--config", day2, "--json"]))
        let limits = (report["hold"] as? [String: Any])?["limits"] as? [[String: Any]]
        #expect(limits?.first?["entity"] as? String == "users")
        #expect(limits?.first?["limit"] as? Double == 0.5)
        let rule = (report["rules"] as? [[String: Any]])?.first
        #expect(rule?["rule"] as? String == "csv.header-only")
        #expect(((rule?["examples"] as? [[String: Any]])?.first)?["row"] as? Int == 1)
        #expect((report["history"] as? [[String: Any]])?.map { $0["records"] as? Int } == [7, 1])
        let page = directory.file("report.html")
        #expect(try runRollbook(["report", "\(runId)", "--config", day2, "--html", page]).status == 0)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.contains("Held for review"))
        #expect(html.contains("This run would remove 6 of 6 users"))

        let approved = try runRollbook(["approve", "\(runId)", "--config", day2])
        #expect(approved.status == 0, "\(approved.stderr)")
        let store = try SnapshotStore(path: storePath)
        #expect(try store.liveCount(district: "d", entity: .users) == 0)
        let tombstone = try #require(try store.record(district: "d", entity: .users, sourcedId: "u-801"))
        #expect(tombstone["status"] == "tobedeleted")
        #expect(tombstone["dateLastModified"] != nil)
        #expect(tombstone["givenName"] == "Sky1")
        #expect(try store.run(Int64(runId))?.status == .committed)
        let again = try runRollbook(["approve", "\(runId)", "--config", day2])
        #expect(again.status == 2)
        #expect(again.stderr.contains("Run \(runId) is committed; only held or blocked runs can be approved"))
    }

    @Test(.enabled(if: Paths.sharedPath("cases/B08") != nil, "../shared/cases is absent"))
    func absentFileChangesNothing() throws {
        let cases = try #require(Paths.sharedPath("cases/B08"))
        let directory = try TemporaryDirectory()
        #expect(try sync(try directory.writeConfig(districts: [("d", cases + "/day1")])).status == 0)
        let output = try sync(try directory.writeConfig(districts: [("d", cases + "/day2b_absent")]))
        #expect(output.status == 0, "\(output.stdout)")
        #expect(output.firstRun?["status"] as? String == "committed")
        #expect(changes(output, "users").isEmpty)
        #expect(changes(output, "orgs")["unchanged"] == 1)
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        #expect(try store.liveCount(district: "d", entity: .users) == 6)
    }

    @Test(.enabled(if: Paths.sharedPath("cases/B08") != nil, "../shared/cases is absent"))
    func discardKeepsSnapshotAndUnblocksNewerRuns() throws {
        let cases = try #require(Paths.sharedPath("cases/B08"))
        let directory = try TemporaryDirectory()
        // writeConfig rewrites the same config.lua, so each run writes the one it needs.
        let day1 = try directory.writeConfig(districts: [("d", cases + "/day1")])
        #expect(try sync(day1).status == 0)
        let heldRun = try #require(
            try sync(try directory.writeConfig(districts: [("d", cases + "/day2")])).firstRun?["run"] as? Int)

        // A newer run is staged behind the held one and cannot be approved before it is decided.
        let blocked = try sync(try directory.writeConfig(districts: [("d", cases + "/day1")]))
        #expect(blocked.status == 3)
        #expect(blocked.firstRun?["status"] as? String == "blocked")
        let blockedRun = try #require(blocked.firstRun?["run"] as? Int)
        let early = try runRollbook(["approve", "\(blockedRun)", "--config", day1])
        #expect(early.status == 2)
        #expect(early.stderr.contains("older run \(heldRun)"))

        #expect(try runRollbook(["discard", "\(heldRun)", "--config", day1]).status == 0)
        let approved = try runRollbook(["approve", "\(blockedRun)", "--config", day1, "--json"])
        #expect(approved.status == 0, "\(approved.stdout)")
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        #expect(try store.run(Int64(heldRun))?.status == .discarded)
        #expect(try store.changeCounts(run: Int64(heldRun)).isEmpty)
        #expect(try store.liveCount(district: "d", entity: .users) == 6)
    }

    @Test(.enabled(if: Paths.sharedPath("cases/B08") != nil, "../shared/cases is absent"))
    func publishedRunSupersedesBlockedRuns() throws {
        let cases = try #require(Paths.sharedPath("cases/B08"))
        let directory = try TemporaryDirectory()
        let day1 = { try directory.writeConfig(districts: [("d", cases + "/day1")]) }
        #expect(try sync(try day1()).status == 0)
        let held = try sync(try directory.writeConfig(districts: [("d", cases + "/day2")]))
        let heldRun = try #require(held.firstRun?["run"] as? Int)
        let blockedRun = try #require(try sync(try day1()).firstRun?["run"] as? Int)

        // Once the held run is discarded, a blocked run no longer blocks: the next sync is published.
        #expect(try runRollbook(["discard", "\(heldRun)", "--config", try day1()]).status == 0)
        let next = try sync(try day1())
        #expect(next.status == 0, "\(next.stdout)")
        #expect(next.firstRun?["status"] as? String == "committed")
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        #expect(try store.run(Int64(blockedRun))?.status == .superseded)
        #expect(try store.pendingRuns(district: "d").isEmpty)

        // Approving a held run supersedes the runs staged behind it, which compared with the older snapshot.
        let heldAgain = try #require(
            try sync(try directory.writeConfig(districts: [("d", cases + "/day2")])).firstRun?["run"] as? Int)
        let blockedAgain = try #require(try sync(try day1()).firstRun?["run"] as? Int)
        #expect(try runRollbook(["approve", "\(heldAgain)", "--config", try day1()]).status == 0)
        #expect(try store.run(Int64(blockedAgain))?.status == .superseded)
        #expect(try store.changeCounts(run: Int64(blockedAgain)).isEmpty)
        #expect(try store.liveCount(district: "d", entity: .users) == 0)
    }

    @Test(.enabled(if: Paths.sharedPath("cases/B08") != nil, "../shared/cases is absent")) func heldRunExpires() throws
    {
        let cases = try #require(Paths.sharedPath("cases/B08"))
        let directory = try TemporaryDirectory()
        // 0.0003 hours is about a second.
        let safety = ", safety = { expires = 0.0003 }"
        #expect(try sync(try directory.writeConfig(districts: [("d", cases + "/day1")], extra: safety)).status == 0)
        let held = try sync(try directory.writeConfig(districts: [("d", cases + "/day2")], extra: safety))
        let heldRun = try #require(held.firstRun?["run"] as? Int)
        usleep(1_300_000)
        let late = try runRollbook(["approve", "\(heldRun)", "--config", directory.file("config.lua")])
        #expect(late.status == 2)
        #expect(late.stderr.contains("Run \(heldRun) is expired; only held or blocked runs can be approved"))
        let next = try sync(try directory.writeConfig(districts: [("d", cases + "/day1")], extra: safety))
        #expect(next.firstRun?["status"] as? String == "committed", "\(next.stdout)")
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        #expect(try store.run(Int64(heldRun))?.status == .expired)
    }

    @Test(.enabled(if: Paths.sharedPath("cases/B08") != nil, "../shared/cases is absent")) func dryRunStoresNothing()
        throws
    {
        let cases = try #require(Paths.sharedPath("cases/B08"))
        let directory = try TemporaryDirectory()
        #expect(try sync(try directory.writeConfig(districts: [("d", cases + "/day1")])).status == 0)
        let storePath = directory.file("rollbook.sqlite")
        let size = try FileManager.default.attributesOfItem(atPath: storePath)[.size] as? Int

        let output = try sync(try directory.writeConfig(districts: [("d", cases + "/day2")]), ["--dry-run"])
        // Exit status 3 means the run would be held.
        #expect(output.status == 3, "\(output.stdout)")
        #expect(output.firstRun?["status"] as? String == "dry-run")
        #expect(output.firstRun?["run"] is NSNull)
        #expect(changes(output, "users")["removed"] == 6)
        #expect(output.firstRun?["hold"] is [String: Any])
        let store = try SnapshotStore(path: storePath)
        #expect(try store.runs(district: "d").count == 1)
        #expect(try store.liveCount(district: "d", entity: .users) == 6)
        #expect(try store.changeCounts(run: 2).isEmpty)
        _ = size
    }

    @Test func tombstoneIsRestoredUnderSameIdentity() throws {
        let directory = try TemporaryDirectory()
        let full = directory.file("full")
        let fewer = directory.file("fewer")
        try writePackage(full, users: [("u-1", "Ana"), ("u-2", "Ben"), ("u-3", "Cy")])
        try writePackage(fewer, users: [("u-1", "Ana"), ("u-3", "Cy")])
        let safety = ", safety = { removed = 0.5 }"
        let fullConfig = { try directory.writeConfig(districts: [("d", full)], extra: safety) }
        #expect(try sync(try fullConfig()).status == 0)
        let storePath = directory.file("rollbook.sqlite")
        let rowid = { (store: SnapshotStore) in
            try store.database.scalarInt("SELECT rowid FROM users WHERE \"sourcedId\" = 'u-2'")
        }
        let (firstRowid, loadedAt) = try {
            let store = try SnapshotStore(path: storePath)
            return (
                try rowid(store), try store.record(district: "d", entity: .users, sourcedId: "u-1")?["dateLastModified"]
            )
        }()

        let removal = try sync(try directory.writeConfig(districts: [("d", fewer)], extra: safety))
        #expect(changes(removal, "users") == ["created": 0, "updated": 0, "unchanged": 2, "removed": 1, "restored": 0])
        let back = try sync(try fullConfig())
        #expect(changes(back, "users")["restored"] == 1)
        #expect(changes(back, "users")["unchanged"] == 2)

        let store = try SnapshotStore(path: storePath)
        #expect(try rowid(store) == firstRowid)
        let restored = try #require(try store.record(district: "d", entity: .users, sourcedId: "u-2"))
        #expect(restored["status"] == nil)
        #expect(restored["givenName"] == "Ben")
        let history = try store.history(district: "d", entity: .users, sourcedId: "u-2")
        #expect(history.map(\.1) == [.removed, .restored])
        #expect(history.map(\.0) == [2, 3])
        // Unchanged records keep the date the hub gave them when they were first loaded.
        #expect(try store.record(district: "d", entity: .users, sourcedId: "u-1")?["dateLastModified"] == loadedAt)
        #expect(restored["dateLastModified"] != loadedAt)
    }

    @Test func contentChangeUpdatesDateAndSourceClockDoesNot() throws {
        let directory = try TemporaryDirectory()
        let first = directory.file("first")
        let renamed = directory.file("renamed")
        try writePackage(first, users: [("u-1", "Ana"), ("u-2", "Ben")])
        try writePackage(renamed, users: [("u-1", "Anna"), ("u-2", "Ben")])
        // The SIS clock moves on every export; it is not content.
        var text = try String(contentsOfFile: first + "/users.csv", encoding: .utf8)
        text = text.replacingOccurrences(of: ",,true", with: ",2026-12-01T00:00:00Z,true")
        try text.write(toFile: renamed + "/users.csv.tmp", atomically: true, encoding: .utf8)
        let clockOnly = directory.file("clock")
        try writePackage(clockOnly, users: [])
        try text.write(toFile: clockOnly + "/users.csv", atomically: true, encoding: .utf8)

        #expect(try sync(try directory.writeConfig(districts: [("d", first)])).status == 0)
        let clock = try sync(try directory.writeConfig(districts: [("d", clockOnly)]))
        #expect(changes(clock, "users")["unchanged"] == 2, "\(clock.stdout)")
        #expect(changes(clock, "users")["updated"] == 0)
        let update = try sync(try directory.writeConfig(districts: [("d", renamed)]))
        #expect(changes(update, "users")["updated"] == 1)
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        let ana = try #require(try store.record(district: "d", entity: .users, sourcedId: "u-1"))
        let ben = try #require(try store.record(district: "d", entity: .users, sourcedId: "u-2"))
        #expect(ana["givenName"] == "Anna")
        #expect(ana["dateLastModified"] != ben["dateLastModified"])
    }

    @Test func deltaAppliesUpsertsAndTombstones() throws {
        let directory = try TemporaryDirectory()
        let base = directory.file("base")
        let delta = directory.file("delta")
        try writePackage(base, users: (1...10).map { ("u-\($0)", "Name\($0)") })
        try writePackage(
            delta, users: [("u-1", "Renamed"), ("u-2", "Name2"), ("u-11", "New")], mode: "delta",
            status: ["u-2": "tobedeleted"])
        #expect(try sync(try directory.writeConfig(districts: [("d", base)])).status == 0)
        let output = try sync(try directory.writeConfig(districts: [("d", delta)]))
        #expect(output.status == 0, "\(output.stdout)")
        #expect(changes(output, "users") == ["created": 1, "updated": 1, "unchanged": 0, "removed": 1, "restored": 0])
        #expect(changes(output, "orgs").isEmpty)
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        #expect(try store.liveCount(district: "d", entity: .users) == 10)
        #expect(try store.record(district: "d", entity: .users, sourcedId: "u-2")?["status"] == "tobedeleted")
        #expect(try store.record(district: "d", entity: .users, sourcedId: "u-1")?["givenName"] == "Renamed")
        #expect(try store.record(district: "d", entity: .users, sourcedId: "u-5")?["givenName"] == "Name5")
    }

    /// The real steps of the onerostersync-net sample, each a bulk package, applied in order.
    @Test(.enabled(if: Paths.sharedPath("samples/onerostersync-net") != nil, "../shared/samples is absent"))
    func onerostersyncStepsGiveTheChangesTheirFilesImply() throws {
        let sample = try #require(Paths.sharedPath("samples/onerostersync-net"))
        let directory = try TemporaryDirectory()
        // Small entities: one course of five is 20%, so the safety limit is lifted for this history.
        let config = { (path: String) in
            try directory.writeConfig(districts: [("d", path)], extra: ", safety = { removed = 1 }")
        }
        let base = try sync(try config(sample))
        #expect(changes(base, "courses")["created"] == 4)
        #expect(changes(base, "orgs")["created"] == 3)
        let storePath = directory.file("rollbook.sqlite")

        // Step 1 adds course 10009 as 'inactive', the 1.0 word for tobedeleted: nothing to remove, nothing stored.
        let step1 = try sync(try config(sample + "/Step1-UpdateCourse"))
        #expect(changes(step1, "courses") == ["created": 0, "updated": 0, "unchanged": 5, "removed": 0, "restored": 0])
        #expect(try SnapshotStore(path: storePath).record(district: "d", entity: .courses, sourcedId: "10009") == nil)

        let step2 = try sync(try config(sample + "/Step2-AddCourse"))
        #expect(changes(step2, "courses") == ["created": 1, "updated": 0, "unchanged": 4, "removed": 0, "restored": 0])
        #expect(
            try SnapshotStore(path: storePath).record(district: "d", entity: .courses, sourcedId: "10009")?["title"]
                == "Science For Life1")

        let step3 = try sync(try config(sample + "/Step3-DeleteCourse"))
        #expect(changes(step3, "courses") == ["created": 0, "updated": 0, "unchanged": 4, "removed": 1, "restored": 0])
        #expect(
            try SnapshotStore(path: storePath).record(district: "d", entity: .courses, sourcedId: "10009")?["status"]
                == "tobedeleted")

        // Step 4's new class names the term 267_FYT_2019, whose row the validator rejects (its dates are
        // M/D/YYYY), so the class is rejected with the reason and nothing changes.
        let step4 = try sync(try config(sample + "/Step4-AddClass"))
        #expect(step4.count("classes", "rejected") == 5)
        #expect(
            step4.diagnostics.contains {
                $0["sourcedId"] as? String == "3221847" && ($0["rule"] as? String)?.hasPrefix("ref.") == true
            })
        #expect(changes(step4, "classes")["created"] == 0)
        for entity in ["orgs", "courses", "users"] {
            let counts = changes(step4, entity)
            #expect(counts["created"] == 0, "\(entity)")
            #expect(counts["updated"] == 0, "\(entity)")
            #expect(counts["removed"] == 0, "\(entity)")
        }
    }

    @Test(.enabled(if: Paths.sharedPath("samples/onerostersync-net") != nil, "../shared/samples is absent"))
    func unchangedInputIsNotReadAgain() throws {
        let sample = try #require(Paths.sharedPath("samples/onerostersync-net"))
        let directory = try TemporaryDirectory()
        let copy = directory.file("package")
        try FileManager.default.copyItem(atPath: sample, toPath: copy)
        let config = try directory.writeConfig(districts: [("d", copy)])
        let first = try sync(config)
        let firstRun = try #require(first.firstRun?["run"] as? Int)
        #expect(first.firstRun?["sameInputAs"] is NSNull)

        let second = try sync(config)
        #expect(second.status == first.status)
        #expect(second.firstRun?["sameInputAs"] as? Int == firstRun)
        #expect(second.firstRun?["status"] as? String == "committed")
        #expect(
            changes(second, "courses") == ["created": 0, "updated": 0, "unchanged": 4, "removed": 0, "restored": 0])
        #expect(second.diagnostics.count == first.diagnostics.count)
        #expect(second.diagnostics.count > 10)
        let firstCounts = first.firstRun?["diagnosticCounts"] as? [[String: AnyHashable]]
        let secondCounts = second.firstRun?["diagnosticCounts"] as? [[String: AnyHashable]]
        #expect(firstCounts == secondCounts)
        #expect(second.count("classes", "rejected") == first.count("classes", "rejected"))
        let report = json(try runRollbook(["report", "\(firstRun + 1)", "--config", config, "--json"]))
        #expect(
            (report["totals"] as? [String: Int])?["errors"]
                == (first.firstRun?["diagnosticCounts"] as? [[String: Any]])?
                .filter { $0["severity"] as? String == "error" }.reduce(0) { $0 + ($1["count"] as? Int ?? 0) })

        // One changed byte means a full read.
        let courses = copy + "/courses.csv"
        let text = try String(contentsOfFile: courses, encoding: .utf8)
        try text.replacingOccurrences(of: "Math For Life1", with: "Math For Life2")
            .write(toFile: courses, atomically: true, encoding: .utf8)
        let third = try sync(config)
        #expect(third.firstRun?["sameInputAs"] is NSNull)
        #expect(changes(third, "courses")["updated"] == 1)
    }

    @Test func unreadableFileTakesBackItsChanges() throws {
        let directory = try TemporaryDirectory()
        let base = directory.file("base")
        let broken = directory.file("broken")
        try writePackage(base, users: (1...10).map { ("u-\($0)", "Name\($0)") })
        try writePackage(broken, users: (1...10).map { ("u-\($0)", "Renamed\($0)") })
        // A byte that is not UTF-8 in the last row makes the whole file unreadable after nine rows were read.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: broken + "/users.csv"))
        bytes.insert(0xFF, at: bytes.count - 3)
        try bytes.write(to: URL(fileURLWithPath: broken + "/users.csv"))
        #expect(try sync(try directory.writeConfig(districts: [("d", base)])).status == 0)

        let output = try sync(try directory.writeConfig(districts: [("d", broken)]))
        #expect(output.status == 1, "\(output.stdout)")
        #expect(changes(output, "users") == ["created": 0, "updated": 0, "unchanged": 0, "removed": 0, "restored": 0])
        let store = try SnapshotStore(path: directory.file("rollbook.sqlite"))
        #expect(try store.record(district: "d", entity: .users, sourcedId: "u-3")?["givenName"] == "Name3")
        #expect(try store.liveCount(district: "d", entity: .users) == 10)
    }

    @Test(.enabled(if: Paths.sharedPath("cases/B08") != nil, "../shared/cases is absent"))
    func heldSummaryNamesTheCommandsToDecide() throws {
        let cases = try #require(Paths.sharedPath("cases/B08"))
        let directory = try TemporaryDirectory()
        #expect(try sync(try directory.writeConfig(districts: [("d", cases + "/day1")])).status == 0)
        let config = try directory.writeConfig(districts: [("d", cases + "/day2")])
        let held = try runRollbook(["sync", "--config", config])
        #expect(held.status == 3)
        #expect(held.stdout.contains("held: This run would remove 6 of 6 users (100%, over the limit of 10%)"))
        #expect(
            held.stdout.contains(
                "Review it with `rollbook diff 2 --config \(config)`, then `rollbook approve 2 --config \(config)` "
                    + "or `rollbook discard 2 --config \(config)`."))
        let listed = try runRollbook(["runs", "--config", config]).stdout
        #expect(listed.contains("Review it with `rollbook diff 2 --config \(config)`"))
        let missing = try runRollbook(["report", "2", "--config", config, "--html", directory.file("none/r.html")])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("the folder \(directory.file("none")) does not exist"))

        // A dry run behind the held run reports that it would be blocked.
        let dry = try runRollbook([
            "sync", "--config", try directory.writeConfig(districts: [("d", cases + "/day1")]), "--dry-run",
        ])
        #expect(dry.status == 3)
        #expect(dry.stdout.contains("would be blocked: run 2 of this district is held for review"))
    }

    @Test func validateFindsConnectorsFromAnyFolder() throws {
        let directory = try TemporaryDirectory()
        let package = directory.file("package")
        try writePackage(package, users: [("u-1", "Ana")])
        let output = try runRollbook(["validate", package, "--json"], in: directory.path)
        #expect(output.status == 0, "\(output.stdout) \(output.stderr)")
        #expect(output.count("users", "accepted") == 1)
    }

    @Test func syncWritesReportsWhenConfigured() throws {
        let directory = try TemporaryDirectory()
        let package = directory.file("package")
        try writePackage(package, users: [("u-1", "Ana"), ("u-2", "Ben")])
        let config = try directory.writeConfig(districts: [("d", package)])
        let reports = directory.file("reports")
        try (try String(contentsOfFile: config, encoding: .utf8) + "reports_dir = \"\(reports)\"\n")
            .write(toFile: config, atomically: true, encoding: .utf8)

        #expect(try sync(config).status == 0)
        let html = try String(contentsOfFile: reports + "/d-run-1.html", encoding: .utf8)
        #expect(html.contains("<svg"))
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: reports + "/d-run-1.json")))
                as? [String: Any])
        #expect(report["run"] as? Int == 1)
        #expect((report["counts"] as? [String: [String: Int]])?["users"]?["accepted"] == 2)
    }

    @Test func missingConnectorMakesNoStore() throws {
        let directory = try TemporaryDirectory()
        let config = try directory.writeConfig(
            districts: [("d", directory.file("package"))], connectorsDirectory: directory.file("nowhere"))
        let output = try runRollbook(["sync", "--config", config])
        #expect(output.status == 2)
        #expect(
            output.stderr.contains(
                "connector 'oneroster_csv' not found at \(directory.file("nowhere"))/sis/oneroster_csv.lua"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("rollbook.sqlite")))
    }
}
