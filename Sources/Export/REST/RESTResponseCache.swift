import HTTP
import Synchronization

/// Successful REST responses, kept per app run: an app run's view never changes, so a response to the same
/// request against the same app run is the same bytes, and a new app run makes a new key.
///
/// The cache keeps at most `capacityBytes` of bodies. When it is full it drops the oldest entries first, and
/// when an app and district get a new app run it drops every entry of their older runs.
final class RESTResponseCache: Sendable {
    struct Key: Hashable, Sendable {
        var app: String
        var district: String
        var run: Int64
        var path: String
        var query: String
    }

    private struct State {
        var entries: [Key: HTTPResponse] = [:]
        var order: [Key] = []
        var head = 0
        var bytes = 0
        var latestRuns: [String: Int64] = [:]
    }

    let capacityBytes: Int
    private let state = Mutex(State())

    init(capacityBytes: Int) {
        self.capacityBytes = max(0, capacityBytes)
    }

    func response(for key: Key) -> HTTPResponse? {
        state.withLock { $0.entries[key] }
    }

    /// Keeps `response` for `key` and returns it with its body in a shared buffer, which sends without a copy.
    @discardableResult
    func store(_ response: HTTPResponse, for key: Key) -> HTTPResponse {
        let response = response.sharing()
        let size = response.bodyCount + 256
        guard size <= capacityBytes / 8 else { return response }
        state.withLock { state in
            let tenant = key.app + "\u{0}" + key.district
            if let latest = state.latestRuns[tenant], latest > key.run { return }
            if state.latestRuns[tenant] != key.run {
                state.latestRuns[tenant] = key.run
                Self.removeAll(
                    where: { $0.app == key.app && $0.district == key.district && $0.run != key.run }, in: &state)
            }
            guard state.entries[key] == nil else { return }
            while state.bytes + size > capacityBytes, state.head < state.order.count {
                let oldest = state.order[state.head]
                state.head += 1
                if let removed = state.entries.removeValue(forKey: oldest) { state.bytes -= removed.bodyCount + 256 }
            }
            if state.head > 4096 && state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
            state.entries[key] = response
            state.order.append(key)
            state.bytes += size
        }
        return response
    }

    private static func removeAll(where matches: (Key) -> Bool, in state: inout State) {
        for key in state.entries.keys where matches(key) {
            if let removed = state.entries.removeValue(forKey: key) { state.bytes -= removed.bodyCount + 256 }
        }
        state.order = Array(state.order[state.head...]).filter { state.entries[$0] != nil }
        state.head = 0
    }
}
