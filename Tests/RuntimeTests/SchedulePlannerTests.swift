import Foundation
import Testing

@testable import Runtime

@Suite struct SchedulePlannerTests {
    private func planner(_ text: String) throws -> SchedulePlanner {
        SchedulePlanner(schedule: try SyncSchedule(parsing: text))
    }

    @Test func neverRunWaitsForFirstSlot() throws {
        let decision = try planner("daily 02:30").decide(
            lastStart: nil, running: false, now: instant("2026-12-05T03:00:00Z"))
        #expect(decision == .wait(until: instant("2026-12-06T02:30:00Z")))
    }

    @Test func dueSlotRunsNow() throws {
        let decision = try planner("daily 02:30").decide(
            lastStart: instant("2026-12-04T02:30:01Z"), running: false, now: instant("2026-12-05T02:30:00Z"))
        #expect(decision == .run(due: instant("2026-12-05T02:30:00Z")))
    }

    @Test func slotAheadWaits() throws {
        let decision = try planner("daily 02:30").decide(
            lastStart: instant("2026-12-05T02:30:00Z"), running: false, now: instant("2026-12-05T12:00:00Z"))
        #expect(decision == .wait(until: instant("2026-12-06T02:30:00Z")))
    }

    @Test func runningNeverStartsSecondRun() throws {
        // The last run started two days ago and is still going, so two slots have passed.
        let decision = try planner("daily 02:30").decide(
            lastStart: instant("2026-12-03T02:30:00Z"), running: true, now: instant("2026-12-05T03:00:00Z"))
        #expect(decision == .wait(until: instant("2026-12-06T02:30:00Z")))
    }

    @Test func longOutageCatchesUpOnce() throws {
        let planner = try planner("every 1h")
        let lastStart = instant("2026-11-25T10:00:00Z")
        let now = instant("2026-12-05T03:20:00Z")

        // Ten days of hourly slots were missed, and one run covers them all.
        let first = planner.decide(lastStart: lastStart, running: false, now: now)
        #expect(first == .run(due: instant("2026-11-25T11:00:00Z")))

        // While the catch-up runs, nothing else starts.
        let during = planner.decide(lastStart: now, running: true, now: instant("2026-12-05T03:25:00Z"))
        #expect(during == .wait(until: instant("2026-12-05T04:00:00Z")))

        // Once it ends, the next run is the next slot after the catch-up started, not another missed slot.
        let after = planner.decide(lastStart: now, running: false, now: instant("2026-12-05T03:40:00Z"))
        #expect(after == .wait(until: instant("2026-12-05T04:00:00Z")))
    }

    @Test func overrunningRunIsFollowedByOneRun() throws {
        // A run started at 06:00 under `every 6h` took until 13:00, past the 12:00 slot.
        let decision = try planner("every 6h").decide(
            lastStart: instant("2026-12-05T06:00:00Z"), running: false, now: instant("2026-12-05T13:00:00Z"))
        #expect(decision == .run(due: instant("2026-12-05T12:00:00Z")))
    }

    @Test func clockMovedBackWaitsForNextSlot() throws {
        let decision = try planner("every 6h").decide(
            lastStart: instant("2026-12-05T13:00:00Z"), running: false, now: instant("2026-12-05T10:00:00Z"))
        #expect(decision == .wait(until: instant("2026-12-05T12:00:00Z")))
    }

    @Test func simulatedWeekWithOutage() throws {
        // A service loop on a fake clock: every 6h for a week, down from day 2 01:00 to day 4 15:10, and each run
        // lasting 10 minutes.
        let planner = try planner("every 6h")
        let start = instant("2026-12-01T00:00:00Z")
        let downFrom = instant("2026-12-02T01:00:00Z")
        let downUntil = instant("2026-12-04T15:10:00Z")
        let end = instant("2026-12-08T00:00:00Z")
        var now = start
        var lastStart: Date? = instant("2026-11-30T18:00:00Z")
        var runningUntil: Date?
        var starts: [String] = []
        for _ in 0..<10_000 where now < end {
            if let finish = runningUntil, finish <= now {
                runningUntil = nil
            }
            if now >= downFrom && now < downUntil {
                // Nothing runs while the service is down.
                now = downUntil
                continue
            }
            switch planner.decide(lastStart: lastStart, running: runningUntil != nil, now: now) {
            case .run:
                #expect(runningUntil == nil, "started a run at \(iso(now)) while one was in progress")
                starts.append(iso(now))
                lastStart = now
                runningUntil = now.addingTimeInterval(600)
                now = now.addingTimeInterval(60)
            case .wait(let until):
                #expect(until > now)
                now = min(until, runningUntil ?? until)
            }
        }
        #expect(
            starts.prefix(5) == [
                "2026-12-01T00:00:00Z", "2026-12-01T06:00:00Z", "2026-12-01T12:00:00Z", "2026-12-01T18:00:00Z",
                "2026-12-02T00:00:00Z",
            ])
        // One catch-up when the service comes back, then the 18:00 slot.
        #expect(starts.dropFirst(5).prefix(2) == ["2026-12-04T15:10:00Z", "2026-12-04T18:00:00Z"])
        #expect(starts.count == 5 + 1 + 13)
    }
}
