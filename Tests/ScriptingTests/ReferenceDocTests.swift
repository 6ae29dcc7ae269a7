import Foundation
import Testing

@testable import Scripting

/// docs/connectors.md carries the host API reference generated from the registry, between two markers,
/// so the page cannot drift from the code. Run with ROLLBOOK_UPDATE_DOCS=1 to rewrite that part.
@Test func connectorReferenceMatchesRegistry() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let path = root.appendingPathComponent("docs/connectors.md").path
    let page = try String(contentsOfFile: path, encoding: .utf8)
    let begin = "<!-- host-api:begin -->\n"
    let end = "<!-- host-api:end -->"
    let start = try #require(page.range(of: begin), "docs/connectors.md has no \(begin) marker")
    let finish = try #require(page.range(of: end), "docs/connectors.md has no \(end) marker")
    let generated = HostAPI.referenceMarkdown()
    if ProcessInfo.processInfo.environment["ROLLBOOK_UPDATE_DOCS"] == "1" {
        let updated = String(page[..<start.upperBound]) + generated + String(page[finish.lowerBound...])
        try updated.write(toFile: path, atomically: true, encoding: .utf8)
        return
    }
    #expect(String(page[start.upperBound..<finish.lowerBound]) == generated)
}
