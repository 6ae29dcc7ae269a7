import Foundation

/// The planner's decision for one district: start a run now or wait.
public enum ScheduleDecision: Sendable, Equatable {
    /// Start a run now. `due` is the slot it covers, which is earlier than now when the run catches up.
    case run(due: Date)
    /// Start nothing before `until`, then ask again.
    case wait(until: Date)
}

/// Decides when a district's sync runs, from its schedule, its last run and the time now.
///
/// Runs never overlap: while a run is in progress the decision is to wait. However many slots passed since the
/// last run started (a long outage, or a run longer than the interval), one run starts now and the next one waits
/// for the first slot after it. A district that has never run waits for its first slot.
public struct SchedulePlanner: Sendable, Equatable {
    /// The district's schedule.
    public var schedule: SyncSchedule

    /// Creates a planner for one schedule.
    public init(schedule: SyncSchedule) {
        self.schedule = schedule
    }

    /// Decides whether to run now or until when to wait.
    ///
    /// - Parameters:
    ///   - lastStart: when the district's last run started, or nil if it never ran.
    ///   - running: whether a run of the district is in progress.
    ///   - now: the current time, injected so that callers and tests control the clock.
    public func decide(lastStart: Date?, running: Bool, now: Date) -> ScheduleDecision {
        let nextAfterNow = schedule.next(after: now)
        // A run in progress covers every slot until it ends; the caller asks again when it does.
        if running {
            return .wait(until: nextAfterNow)
        }
        // A last start in the future means the clock moved back, so count from now rather than wait for it.
        guard let lastStart, lastStart <= now else {
            return .wait(until: nextAfterNow)
        }
        let due = schedule.next(after: lastStart)
        return due <= now ? .run(due: due) : .wait(until: due)
    }
}
