import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The progress of a long run: a one-line display on a terminal, or reports to an observer such as the
/// service's activity table.
///
/// Nothing is drawn during the first second, so quick runs print only their summary.
final class Progress {
    private let label: String
    private let observer: (@Sendable (String, Int) -> Void)?
    private let started = Date()
    private var file = ""
    private var rows = 0
    private var lastDraw = Date.distantPast
    private var drewSomething = false

    /// Creates a display when standard error is a terminal, or nil.
    static func forTerminal(label: String) -> Progress? {
        isatty(STDERR_FILENO) == 1 ? Progress(label: label, observer: nil) : nil
    }

    /// Creates a progress that calls `observer` with the file being read and its rows so far, a few times a
    /// second at most.
    static func reporting(to observer: @escaping @Sendable (String, Int) -> Void) -> Progress {
        Progress(label: "", observer: observer)
    }

    private init(label: String, observer: (@Sendable (String, Int) -> Void)?) {
        self.label = label
        self.observer = observer
    }

    func startFile(_ name: String) {
        file = name
        rows = 0
        observer?(file, rows)
        draw(force: true)
    }

    func advance() {
        rows += 1
        if rows & 0x3FFF == 0 { draw(force: false) }
    }

    func endFile() {
        draw(force: true)
    }

    /// Clears the line so the summary starts on a clean one.
    func finish() {
        guard observer == nil, drewSomething else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    private func draw(force: Bool) {
        let now = Date()
        guard now.timeIntervalSince(started) >= 1 else { return }
        guard force || now.timeIntervalSince(lastDraw) >= 0.25 else { return }
        lastDraw = now
        if let observer {
            observer(file, rows)
            return
        }
        drewSomething = true
        let line = "\r\u{1B}[K\(label): \(file) \(rows.formatted()) rows"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
