import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A one-line progress display on a terminal for long runs; silent when standard error is not a terminal.
///
/// Nothing is drawn during the first second, so quick runs print only their summary.
final class Progress {
    private let label: String
    private let started = Date()
    private var file = ""
    private var rows = 0
    private var lastDraw = Date.distantPast
    private var drewSomething = false

    /// Creates a display when standard error is a terminal, or nil.
    static func forTerminal(label: String) -> Progress? {
        isatty(STDERR_FILENO) == 1 ? Progress(label: label) : nil
    }

    private init(label: String) {
        self.label = label
    }

    func startFile(_ name: String) {
        file = name
        rows = 0
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
        guard drewSomething else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    private func draw(force: Bool) {
        let now = Date()
        guard now.timeIntervalSince(started) >= 1 else { return }
        guard force || now.timeIntervalSince(lastDraw) >= 0.25 else { return }
        lastDraw = now
        drewSomething = true
        let line = "\r\u{1B}[K\(label): \(file) \(rows.formatted()) rows"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
