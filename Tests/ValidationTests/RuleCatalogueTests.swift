import Foundation
import Testing

@testable import Validation

/// docs/validation.md must describe every rule the validator reports, with its severity.
@Test func everyRuleDocumented() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let page = try String(contentsOfFile: root.appendingPathComponent("docs/validation.md").path, encoding: .utf8)
    for rule in Rule.catalogue {
        let row = page.split(separator: "\n").first { $0.hasPrefix("| `\(rule.id)` |") }
        #expect(row != nil, "docs/validation.md has no row for \(rule.id)")
        #expect(
            row?.contains("| \(rule.severity.rawValue) |") == true, "\(rule.id) is documented with another severity")
    }
}

@Test func ruleIdsUnique() {
    let ids = Rule.catalogue.map(\.id)
    #expect(Set(ids).count == ids.count)
}
