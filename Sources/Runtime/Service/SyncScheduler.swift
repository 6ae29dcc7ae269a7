import Foundation
import Synchronization

/// Starts each district's scheduled syncs: checks the schedules once a second and starts a sync when one is due.
///
/// The planner decides: never while the district's sync runs, and one run only for any number of missed slots.
final class SyncScheduler: Sendable {
    private let stopped = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)
    private let nextRuns = Mutex<[String: Date]>([:])

    /// Starts the checking thread. `tick` gives the configuration in force and starts a due district's sync.
    func start(
        config: @escaping @Sendable () -> Config, start: @escaping @Sendable (DistrictConfig) -> Void,
        lastStart: @escaping @Sendable (String) -> Date?, isRunning: @escaping @Sendable (String) -> Bool
    ) {
        let thread = Thread { [self] in
            while !stopped.load(ordering: .acquiring) {
                let now = Date()
                var next: [String: Date] = [:]
                for district in config().districts {
                    guard let schedule = district.schedule else { continue }
                    let planner = SchedulePlanner(schedule: schedule)
                    switch planner.decide(
                        lastStart: lastStart(district.id), running: isRunning(district.id), now: now)
                    {
                    case .run:
                        start(district)
                        next[district.id] = schedule.next(after: now)
                    case .wait(let until):
                        next[district.id] = until
                    }
                }
                nextRuns.withLock { $0 = next }
                // One-second steps keep the thread responsive to stop without a condition variable.
                for _ in 0..<10 where !stopped.load(ordering: .acquiring) { usleep(100_000) }
            }
            finished.store(true, ordering: .releasing)
        }
        thread.name = "scheduler"
        thread.start()
    }

    /// When the schedule starts the district's next sync, or nil without a schedule.
    func nextRun(of district: String) -> Date? {
        nextRuns.withLock { $0[district] }
    }

    /// Stops checking and waits up to two seconds for the thread to end.
    func stop() {
        stopped.store(true, ordering: .releasing)
        for _ in 0..<200 where !finished.load(ordering: .acquiring) { usleep(10_000) }
    }
}
