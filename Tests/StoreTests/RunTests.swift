import Foundation
import OneRoster
import Testing

@testable import Store

@Suite struct RunTests {
    @Test func lifecycleFromBeginToFinish() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        let first = try store.beginRun(district: "d", kind: .sync)
        try store.finishRun(id: first, status: .failed, error: "SIS returned HTTP 503")
        let second = try store.beginRun(district: "d", kind: .sync)
        let running = try store.runs(district: "d").first
        #expect(running?.id == second)
        #expect(running?.status == .running)
        #expect(running?.endedAt == nil)

        try store.finishRun(
            id: second, status: .committed, counts: ["users": 1200, "orgs": 3],
            diagnosticTotals: ["error": 2, "warning": 7])

        let runs = try store.runs(district: "d")
        #expect(runs.map(\.id) == [second, first])
        #expect(runs.map(\.status) == [.committed, .failed])
        #expect(runs[0].kind == .sync)
        #expect(runs[0].district == "d")
        #expect(runs[0].counts == ["users": 1200, "orgs": 3])
        #expect(runs[0].diagnosticTotals == ["error": 2, "warning": 7])
        #expect(runs[0].error == nil)
        #expect(runs[1].error == "SIS returned HTTP 503")
        #expect(runs[1].counts == [:])
        if let endedAt = runs[0].endedAt {
            #expect(endedAt >= runs[0].startedAt)
        } else {
            Issue.record("a finished run has an end time")
        }
        #expect(abs(runs[0].startedAt.timeIntervalSinceNow) < 60)
        #expect(try store.runs(district: "d", limit: 1).count == 1)
        #expect(try store.runs(district: "elsewhere").isEmpty)
        #expect(try store.districtIds() == ["d"])
    }

    @Test func countsAreStoredAsSortedJSON() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        let run = try store.beginRun(district: "d", kind: .sync)
        try store.finishRun(id: run, status: .committed, counts: ["users": 2, "orgs": 1])
        #expect(try store.database.scalarText("SELECT counts FROM runs") == #"{"orgs":1,"users":2}"#)
        #expect(try store.database.scalarText("SELECT kind FROM runs") == "sync")
    }

    @Test func finishUnknownRunThrows() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        let error = #expect(throws: StoreError.self) { try store.finishRun(id: 77, status: .failed) }
        #expect(error?.code == "store.unknown_run")
    }

    @Test func runningRunsOfAClosedOwnerAreInterrupted() throws {
        let folder = try TemporaryFolder()
        var runId: Int64 = 0
        var finishedId: Int64 = 0
        do {
            let store = try SnapshotStore(path: folder.path())
            #expect(store.isOwner)
            finishedId = try store.beginRun(district: "d", kind: .sync)
            try store.finishRun(id: finishedId, status: .committed)
            runId = try store.beginRun(district: "d", kind: .sync)
        }

        let reopened = try SnapshotStore(path: folder.path())
        let runs = try reopened.runs(district: "d")
        #expect(runs.first?.id == runId)
        #expect(runs.first?.status == .interrupted)
        #expect(runs.first?.endedAt != nil)
        #expect(runs.first?.error == "The process running it ended before the run finished")
        #expect(runs.last?.id == finishedId)
        #expect(runs.last?.status == .committed)
    }

    @Test func secondConnectionLeavesLiveRunsAlone() throws {
        let folder = try TemporaryFolder()
        let owner = try SnapshotStore(path: folder.path())
        let run = try owner.beginRun(district: "d", kind: .sync)

        let reader = try SnapshotStore(path: folder.path())
        #expect(reader.isOwner == false)
        #expect(try reader.runs(district: "d").first?.status == .running)

        try owner.finishRun(id: run, status: .committed)
        #expect(try reader.runs(district: "d").first?.status == .committed)
    }

    @Test func diagnosticsRoundTrip() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        let run = try store.beginRun(district: "d", kind: .sync)
        let other = try store.beginRun(district: "d", kind: .sync)
        let diagnostics = [
            Diagnostic(
                .error, rule: "field.enum", file: "users.csv", row: 42, field: "role", value: "Student",
                sourcedId: "u1", message: "users.csv:42: field 'role' is 'Student'; expected one of student, teacher"),
            Diagnostic(.warning, rule: "ref.missing", message: "No file or row"),
            Diagnostic(.info, rule: "zip.folder", file: "roster.zip", message: "Unwrapped folder 'export/'"),
        ]
        try store.insertDiagnostics(runId: run, diagnostics)
        try store.insertDiagnostics(runId: other, [Diagnostic(.warning, rule: "other", message: "Other run")])

        #expect(try store.diagnostics(runId: run) == diagnostics)
        #expect(try store.diagnostics(runId: other).map(\.rule) == ["other"])
        #expect(try store.diagnostics(runId: 999) == [])
    }

    @Test func diagnosticsNeedAnExistingRun() throws {
        let folder = try TemporaryFolder()
        let store = try SnapshotStore(path: folder.path())
        let error = #expect(throws: StoreError.self) {
            try store.insertDiagnostics(runId: 5, [Diagnostic(.error, rule: "x", message: "Orphan")])
        }
        #expect(error?.code == "sqlite.constraint")
        #expect(store.database.isInTransaction == false)
    }
}
