import Foundation
import OneRoster
import Testing

@testable import Runtime

/// The `safety` table of config.lua: shares, per-entity limits, expiry and the errors for bad values.
struct SafetyConfigTests {
    private func parse(_ safety: String) throws -> Config {
        let directory = try TemporaryDirectory()
        let path = directory.file("config.lua")
        try """
        store = "s.db"
        safety = { removed = 0.2 }
        districts = { { id = "d", connector = "oneroster_csv", safety = \(safety) } }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return try Config.load(path: path)
    }

    private func error(_ safety: String) -> String {
        do {
            _ = try parse(safety)
            return "no error"
        } catch {
            return String(describing: error)
        }
    }

    @Test func districtLimitsApplyOverTopLevel() throws {
        let config = try parse(
            "{ removed = { default = 0.3, users = 0.05 }, changed = { users = 0.5 }, expires = \"36h\" }")
        let policy = try #require(config.districts.first?.safety)
        #expect(policy.removed[.users] == 0.05)
        #expect(policy.removed[.enrollments] == 0.3)
        #expect(policy.changed[.users] == 0.5)
        #expect(policy.changed[.enrollments] == nil)
        #expect(policy.expiresAfter == 36 * 3600)
    }

    @Test func topLevelShareIsTheDefault() throws {
        let policy = try #require(try parse("{}").districts.first?.safety)
        #expect(policy.removed[.classes] == 0.2)
        #expect(policy.expiresAfter == 7 * 24 * 3600)
    }

    @Test func badValuesNameKeyAndValue() {
        #expect(
            error("{ removed = 1.5 }").hasSuffix(
                "districts[1]: safety.removed is 1.5; expected a share from 0 to 1, such as 0.1 for 10%"))
        #expect(
            error("{ removed = { pupils = 0.1 } }").contains(
                "safety.removed names 'pupils', which is not an entity; expected default or one of orgs"))
        #expect(
            error("{ expires = \"7 days\" }").hasSuffix(
                "safety.expires is 7 days; expected hours, or a text such as \"36h\" or \"7d\""))
        #expect(
            error("{ remove = 0.1 }").hasSuffix("unknown key 'safety.remove'; expected removed, changed or expires"))
    }
}
