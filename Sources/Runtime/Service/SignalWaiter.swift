import Dispatch
import Foundation
import Synchronization

/// Turns process signals into values a thread can wait for, one at a time and in the order they came.
///
/// The signals' default actions are switched off (`SIG_IGN`) and dispatch sources watch for them instead, so a
/// signal never ends the process, whichever thread the kernel picks to take it.
final class SignalWaiter {
    private final class Inbox: Sendable {
        let received = Mutex<[Int32]>([])
        let semaphore = DispatchSemaphore(value: 0)
    }

    private let inbox = Inbox()
    private var sources: [any DispatchSourceSignal] = []

    init(_ numbers: [Int32]) {
        let queue = DispatchQueue(label: "rollbook.signals")
        // A parent may have blocked these signals (test runners do), and blocked signals never reach a source.
        var mask = sigset_t()
        sigemptyset(&mask)
        for number in numbers { sigaddset(&mask, number) }
        pthread_sigmask(SIG_UNBLOCK, &mask, nil)
        for number in numbers {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [inbox] in
                inbox.received.withLock { $0.append(number) }
                inbox.semaphore.signal()
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Blocks until a signal arrives and returns its number.
    func next() -> Int32 {
        while true {
            inbox.semaphore.wait()
            if let number = inbox.received.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { return number }
        }
    }
}
