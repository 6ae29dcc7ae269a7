import Foundation
import Runtime
import Testing

/// A headless Chromium that renders pages from local files, with every network feature it has switched off.
enum HeadlessChromium {
    /// The chromium executable, when it is installed.
    static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Seconds one Chromium process may take before the test kills it.
    static let timeout: TimeInterval = 60

    /// Runs Chromium on a local page with extra arguments; returns its standard output.
    static func run(page: URL, width: Int, height: Int, arguments: [String], in directory: URL) throws -> String {
        let executable = try #require(path, "chromium is not installed")
        let output = directory.appendingPathComponent("chromium-\(UUID().uuidString).out")
        #expect(FileManager.default.createFile(atPath: output.path, contents: nil))
        let outputHandle = try FileHandle(forWritingTo: output)
        defer { try? outputHandle.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--window-size=\(width),\(height)", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--metrics-recording-only", "--no-default-browser-check", "--disable-breakpad",
                "--user-data-dir=" + directory.appendingPathComponent("profile").path,
            ] + arguments + [page.absoluteString]
        process.standardOutput = outputHandle
        process.standardError = FileHandle.nullDevice
        process.currentDirectoryURL = directory
        try process.run()

        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
        }
        if process.isRunning {
            process.terminate()
            Thread.sleep(forTimeInterval: 2)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            Issue.record("chromium did not finish within \(Int(timeout)) s and was stopped")
        }
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "chromium exited with status \(process.terminationStatus)")
        return (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    }
}

/// Reads the width and height from a PNG's IHDR chunk; returns nil when the data is not a PNG.
func pngSize(_ data: Data) -> (width: Int, height: Int)? {
    let bytes = [UInt8](data.prefix(24))
    let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    guard bytes.count == 24, Array(bytes[0..<8]) == signature, Array(bytes[12..<16]) == Array("IHDR".utf8) else {
        return nil
    }
    let bigEndian = { (offset: Int) -> Int in
        bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
    }
    return (bigEndian(16), bigEndian(20))
}

@Suite(
    "Report page in Chromium", .serialized,
    .enabled(if: HeadlessChromium.path != nil, "chromium is not installed; .ci/install installs it"))
struct ReportPageChromiumTests {
    @Test("screenshot is a full non-blank PNG")
    func screenshot() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let page = try write(ReportPage.html(for: ReportFixtures.heldRun()), named: "report.html", in: directory)
        let blank = try write(
            "<!DOCTYPE html>\n<html lang=\"en\"><title>blank</title></html>\n", named: "blank.html",
            in: directory)

        let reportPNG = directory.appendingPathComponent("report.png")
        let blankPNG = directory.appendingPathComponent("blank.png")
        _ = try HeadlessChromium.run(
            page: page, width: 1366, height: 768, arguments: ["--screenshot=" + reportPNG.path], in: directory)
        _ = try HeadlessChromium.run(
            page: blank, width: 1366, height: 768, arguments: ["--screenshot=" + blankPNG.path], in: directory)

        let reportData = try Data(contentsOf: reportPNG)
        let blankData = try Data(contentsOf: blankPNG)
        let size = try #require(pngSize(reportData), "the screenshot is not a PNG")
        #expect(size.width == 1366)
        #expect(size.height == 768)
        #expect(
            reportData.count > blankData.count * 5,
            "the screenshot (\(reportData.count) bytes) is not much larger than a blank page's (\(blankData.count))")

        if let keep = ProcessInfo.processInfo.environment["ROLLBOOK_REPORT_SCREENSHOT"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(at: reportPNG, to: URL(fileURLWithPath: keep))
        }
    }

    @Test("rendered DOM has the district and chart")
    func renderedDOM() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let page = try write(ReportPage.html(for: ReportFixtures.heldRun()), named: "report.html", in: directory)
        let dom = try HeadlessChromium.run(
            page: page, width: 1366, height: 768, arguments: ["--dump-dom"], in: directory)
        #expect(dom.contains("<h1>Lincoln County Schools <span class=\"badge status-held\">held</span></h1>"))
        #expect(dom.contains("<svg viewBox=\"0 0 640 280\" role=\"img\""))
        #expect(dom.contains("Held for review"))
    }

    /// Measures the page's scroll width with a script added to a copy of the page, because the page itself has none.
    @Test("page does not scroll sideways", arguments: [800, 1366])
    func noHorizontalScroll(width: Int) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var report = ReportFixtures.heldRun()
        report.rules[0].examples[0].value = String(repeating: "very-long-unbroken-value-", count: 20)
        report.districtName = "Lincoln County Consolidated Independent School District Number Fourteen of the Valley"
        let measure = "<script>document.body.dataset.scrollWidth = document.documentElement.scrollWidth;</script>"
        let html = ReportPage.html(for: report).replacingOccurrences(of: "</body>", with: measure + "</body>")
        let page = try write(html, named: "measure.html", in: directory)
        let dom = try HeadlessChromium.run(
            page: page, width: width, height: 768, arguments: ["--dump-dom"], in: directory)

        let marker = "data-scroll-width=\""
        let start = try #require(dom.range(of: marker), "the measuring script did not run")
        let digits = dom[start.upperBound...].prefix { $0.isNumber }
        let scrollWidth = try #require(Int(digits))
        #expect(scrollWidth <= width, "the page is \(scrollWidth) px wide in a \(width) px window")
    }

    private func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "rollbook-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    private func write(_ text: String, named name: String, in directory: URL) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }
}
