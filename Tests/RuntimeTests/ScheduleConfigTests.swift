import Foundation
import Testing

@testable import Runtime

/// The `schedule` and `timezone` keys of a district in config.lua.
@Suite struct ScheduleConfigTests {
    private func load(_ district: String) throws -> Config {
        let directory = try TemporaryDirectory()
        let text = """
            store = "\(directory.file("store.sqlite"))"
            districts = { { id = "d", connector = "oneroster_csv", settings = { path = "x" }\(district) } }
            """
        try text.write(toFile: directory.file("config.lua"), atomically: true, encoding: .utf8)
        return try Config.load(path: directory.file("config.lua"))
    }

    @Test func scheduleUsesDistrictTimeZone() throws {
        let config = try load(", schedule = \"daily 02:30\", timezone = \"America/Chicago\"")
        let schedule = try #require(config.districts.first?.schedule)
        #expect(schedule.timeZone.identifier == "America/Chicago")
        // 2025-12-05 00:00 UTC is 18:00 in Chicago on 4 December; the next 02:30 there is 08:30 UTC.
        let next = schedule.next(after: Date(timeIntervalSince1970: 1_764_892_800))
        #expect(next == Date(timeIntervalSince1970: 1_764_892_800 + 8 * 3600 + 30 * 60))
    }

    @Test func districtWithoutScheduleHasNone() throws {
        #expect(try load("").districts.first?.schedule == nil)
    }

    @Test func badScheduleNamesTheDistrict() {
        let cases: [(String, String)] = [
            (
                ", schedule = \"dialy 2:30\"",
                "districts[1]: schedule 'dialy 2:30': expected daily HH:MM, weekdays HH:MM, every N(m|h) or a cron "
                    + "expression"
            ),
            (", schedule = 5", "districts[1]: 'schedule' must be a string, such as \"daily 02:30\""),
            (
                ", schedule = \"daily 02:30\", timezone = \"Mars/Olympus\"",
                "districts[1]: 'timezone' must be an IANA time zone name, such as \"America/Chicago\""
            ),
        ]
        for (district, expected) in cases {
            var message = ""
            do { _ = try load(district) } catch { message = "\(error)" }
            #expect(message.hasSuffix(expected), "\(message)")
        }
    }
}
