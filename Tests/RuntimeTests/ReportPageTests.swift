import Foundation
import Runtime
import Testing

@Suite("Run report model")
struct RunReportModelTests {
    @Test("JSON round-trip keeps every value")
    func jsonRoundTrip() throws {
        for report in [ReportFixtures.heldRun(), ReportFixtures.cleanFirstRun(), ReportFixtures.hostile()] {
            let decoded = try JSONDecoder().decode(RunReport.self, from: report.jsonData())
            #expect(decoded == report)
        }
    }

    @Test("JSON keys are the contract")
    func jsonKeys() throws {
        let object = try jsonObject(ReportFixtures.heldRun())
        #expect(
            Set(object.keys) == [
                "district", "districtName", "run", "kind", "status", "startedAt", "endedAt", "seconds", "error",
                "counts", "changes", "totals", "rules", "files", "hold", "samples", "history",
            ])
        let counts = try #require(object["counts"] as? [String: [String: Any]])
        #expect(Set(try #require(counts["users"]).keys) == ["accepted", "rejected"])
        let changes = try #require(object["changes"] as? [String: [String: Any]])
        #expect(Set(try #require(changes["users"]).keys) == ["created", "updated", "unchanged", "removed", "restored"])
        let totals = try #require(object["totals"] as? [String: Any])
        #expect(Set(totals.keys) == ["errors", "warnings", "infos"])
        let rule = try #require((object["rules"] as? [[String: Any]])?.first)
        #expect(Set(rule.keys) == ["rule", "severity", "count", "files", "examples"])
        let example = try #require((rule["examples"] as? [[String: Any]])?.first)
        #expect(Set(example.keys) == ["file", "row", "field", "value", "sourcedId", "message"])
        let file = try #require((object["files"] as? [[String: Any]])?.first)
        #expect(Set(file.keys) == ["file", "errors", "warnings", "infos"])
        let hold = try #require(object["hold"] as? [String: Any])
        #expect(Set(hold.keys) == ["reason", "limits", "expiresAt"])
        let limit = try #require((hold["limits"] as? [[String: Any]])?.first)
        #expect(Set(limit.keys) == ["entity", "change", "count", "stored", "share", "limit"])
        let sample = try #require((object["samples"] as? [[String: Any]])?.first)
        #expect(Set(sample.keys) == ["entity", "change", "sourcedIds"])
        let point = try #require((object["history"] as? [[String: Any]])?.first)
        #expect(Set(point.keys) == ["run", "startedAt", "status", "records", "errors", "warnings"])
    }

    @Test("JSON writes missing values as null")
    func jsonNulls() throws {
        let object = try jsonObject(ReportFixtures.cleanFirstRun())
        for key in ["districtName", "error", "changes", "hold"] {
            #expect(object[key] is NSNull, "key '\(key)' should be present and null")
        }
        let example = Example(message: "No place")
        let exampleObject = try #require(
            JSONSerialization.jsonObject(with: JSONEncoder().encode(example)) as? [String: Any])
        for key in ["file", "row", "field", "value", "sourcedId"] {
            #expect(exampleObject[key] is NSNull, "example key '\(key)' should be present and null")
        }
        let hold = HoldSummary(reason: "Too many removals")
        let holdObject = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(hold)) as? [String: Any])
        #expect(holdObject["expiresAt"] is NSNull)
    }

    @Test("JSON decodes absent optional keys")
    func jsonDecodesAbsentKeys() throws {
        let text = """
            {"district": "d", "run": 3, "kind": "validate", "status": "running", "startedAt": "2024-01-01T00:00:00Z",
             "counts": {}, "totals": {"errors": 0, "warnings": 0, "infos": 0}, "rules": [], "files": [],
             "samples": [], "history": []}
            """
        let report = try JSONDecoder().decode(RunReport.self, from: Data(text.utf8))
        #expect(report.districtName == nil)
        #expect(report.endedAt == nil)
        #expect(report.changes == nil)
        #expect(report.hold == nil)
        #expect(report.status == "running")
    }

    @Test("JSON encoding is stable and sorted")
    func jsonStable() throws {
        let first = try ReportFixtures.heldRun().jsonData()
        let second = try ReportFixtures.heldRun().jsonData()
        #expect(first == second)
        let text = try #require(String(data: first, encoding: .utf8))
        let changes = try #require(text.range(of: "\"changes\""))
        let counts = try #require(text.range(of: "\"counts\""))
        let district = try #require(text.range(of: "\"district\""))
        #expect(changes.lowerBound < counts.lowerBound)
        #expect(counts.lowerBound < district.lowerBound)
    }

    @Test("JSON rejects a share that is not finite")
    func jsonRejectsInfiniteShare() {
        var report = ReportFixtures.heldRun()
        report.hold?.limits[0].share = .infinity
        #expect(throws: EncodingError.self) { try report.jsonData() }
    }

    @Test("rules sort by severity then count")
    func rulesOrdering() {
        let rules = [
            RuleSummary(rule: "b.info", severity: "info", count: 900),
            RuleSummary(rule: "a.warning", severity: "warning", count: 5),
            RuleSummary(rule: "c.error", severity: "error", count: 2),
            RuleSummary(rule: "d.warning", severity: "warning", count: 50),
            RuleSummary(rule: "e.error", severity: "error", count: 2),
            RuleSummary(rule: "f.odd", severity: "fatal", count: 1_000),
            RuleSummary(rule: "g.error", severity: "error", count: 30),
        ]
        let sorted = RunReport.sortedRules(rules).map(\.rule)
        #expect(sorted == ["g.error", "c.error", "e.error", "d.warning", "a.warning", "b.info", "f.odd"])
    }

    @Test("entity names sort in dependency order")
    func entityOrdering() {
        let names = ["enrollments", "zeta", "users", "orgs", "demographics", "classes", "alpha", "academicSessions"]
        #expect(
            RunReport.sortedEntityNames(names) == [
                "orgs", "academicSessions", "classes", "users", "enrollments", "demographics", "alpha", "zeta",
            ])
    }

    private func jsonObject(_ report: RunReport) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: report.jsonData()) as? [String: Any])
    }
}

@Suite("Report page")
struct ReportPageTests {
    @Test("page is one HTML5 document")
    func pageIsDocument() {
        let html = ReportPage.html(for: ReportFixtures.heldRun())
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        #expect(html.contains("<meta charset=\"utf-8\">"))
        #expect(html.contains("<title>Data-quality report: Lincoln County Schools, run 42</title>"))
        #expect(html.hasSuffix("</html>\n"))
        #expect(occurrences(of: "<table", in: html) == occurrences(of: "</table>", in: html))
        #expect(occurrences(of: "<section", in: html) == occurrences(of: "</section>", in: html))
    }

    @Test("page references nothing external", arguments: ["heldRun", "cleanFirstRun", "hostile"])
    func noExternalReference(fixture: String) {
        let html = ReportPage.html(for: Self.fixture(fixture))
        for needle in ["http:", "https:", "src=", "<link", "@import", "url(", "<script", "<img", "@font-face", "//"] {
            #expect(!html.lowercased().contains(needle), "the page contains '\(needle)'")
        }
    }

    @Test("hostile values are escaped everywhere")
    func hostileValuesEscaped() {
        var held = ReportFixtures.hostile()
        held.status = "held"
        for report in [ReportFixtures.hostile(), held] {
            let html = ReportPage.html(for: report)
            #expect(!html.contains("<script"))
            #expect(!html.contains("'quoted'"))
            #expect(!html.contains("\"x\""))
            #expect(!html.contains("& 'quoted"))
            let escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;"
            var fields = ReportFixtures.hostileFields
            if report.status == "held" {
                fields.removeAll { $0 == "status" }
            } else {
                fields.removeAll { $0 == "expiresAt" }
            }
            for field in fields {
                let endings = ["<", ",", " ", ":"]
                #expect(
                    endings.contains { html.contains(escaped + " " + field + $0) },
                    "field '\(field)' is missing or not escaped")
            }
        }
    }

    @Test("hostile values are escaped inside the SVG")
    func hostileValuesEscapedInChart() throws {
        let html = ReportPage.html(for: ReportFixtures.hostile())
        let start = try #require(html.range(of: "<svg"))
        let end = try #require(html.range(of: "</svg>"))
        let svg = String(html[start.lowerBound..<end.upperBound])
        #expect(svg.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39; historyStatus"))
        #expect(!svg.contains("<script"))
        #expect(!svg.contains("'quoted'"))
    }

    @Test("control characters become replacement characters")
    func controlCharacters() {
        var report = ReportFixtures.cleanFirstRun()
        report.districtName = "Bell\u{7}Tab\tNull\u{0}End"
        let html = ReportPage.html(for: report)
        #expect(html.contains("<h1>Bell\u{FFFD}Tab\tNull\u{FFFD}End "))
        #expect(!html.contains("\u{0}"))
    }

    @Test("held box appears only when held")
    func holdBox() {
        let held = ReportPage.html(for: ReportFixtures.heldRun())
        #expect(held.contains("class=\"alert hold\""))
        #expect(held.contains("Held for review"))
        #expect(held.contains("The run would remove more records than the district&#39;s change limits allow."))
        #expect(held.contains("<td class=\"num\">2,315</td><td class=\"num\">20,514</td>"))
        #expect(held.contains("<td class=\"num over\">11.3\u{A0}%</td><td class=\"num\">5.0\u{A0}%</td>"))
        #expect(held.contains("expires at <strong>2024-09-10T02:01:31Z</strong>"))

        let clean = ReportPage.html(for: ReportFixtures.cleanFirstRun())
        #expect(!clean.contains("class=\"alert hold\""))
        #expect(!clean.contains("hold-title"))

        var approved = ReportFixtures.heldRun()
        approved.status = "committed"
        let afterApproval = ReportPage.html(for: approved)
        #expect(!afterApproval.contains("class=\"alert hold\""))
        #expect(afterApproval.contains("This run was held for review"))
        #expect(!afterApproval.contains("expires at"))
    }

    @Test("held run without summary says so")
    func heldWithoutSummary() {
        var report = ReportFixtures.cleanFirstRun()
        report.status = "held"
        let html = ReportPage.html(for: report)
        #expect(html.contains("class=\"alert hold\""))
        #expect(html.contains("No reason was recorded."))
        #expect(html.contains("The run has no expiry"))
    }

    @Test("rules appear worst first")
    func rulesOrderOnPage() throws {
        let html = ReportPage.html(for: ReportFixtures.heldRun())
        let order = [
            "reference.missing", "field.enum", "record.duplicate", "field.format", "field.date",
            "package.unwrapped",
        ]
        var last = html.startIndex
        for rule in order {
            let found = try #require(
                html.range(of: "<code>\(rule)</code>", range: last..<html.endIndex),
                "rule '\(rule)' is missing or out of order")
            last = found.upperBound
        }
    }

    @Test("rules show at most five examples")
    func examplesCapped() throws {
        let html = ReportPage.html(for: ReportFixtures.heldRun())
        #expect(html.contains("<code>enrollments.csv:2001</code>"))
        #expect(html.contains("<code>enrollments.csv:2149</code>"))
        #expect(!html.contains("<code>enrollments.csv:2186</code>"))
        #expect(html.contains("2 more examples are in the JSON report."))
        #expect(html.contains("<span class=\"none\">(empty)</span>"))
    }

    @Test("rules beyond ten are counted")
    func rulesCapped() {
        var report = ReportFixtures.cleanFirstRun()
        report.rules = (1...12).map { RuleSummary(rule: "rule.\($0)", severity: "warning", count: 100 - $0) }
        let html = ReportPage.html(for: report)
        #expect(html.contains("<code>rule.10</code>"))
        #expect(!html.contains("<code>rule.11</code>"))
        #expect(html.contains("2 more rules with 177 findings are listed in the JSON report."))
    }

    @Test("records follow dependency order")
    func recordsOrder() throws {
        let html = ReportPage.html(for: ReportFixtures.heldRun())
        let start = try #require(html.range(of: "<table class=\"records\">"))
        let table = html[start.lowerBound...]
        var last = table.startIndex
        for entity in ["orgs", "academicSessions", "courses", "classes", "users", "enrollments", "demographics"] {
            let found = try #require(
                table.range(of: "<th scope=\"row\">\(entity)</th>", range: last..<table.endIndex),
                "entity '\(entity)' is missing or out of order")
            last = found.upperBound
        }
        #expect(html.contains("<th scope=\"row\">users</th><td class=\"num\">18,204</td>"))
        #expect(html.contains("<th scope=\"col\" class=\"num\">Restored</th>"))
    }

    @Test("unknown change counts are stated")
    func changesUnknown() {
        let html = ReportPage.html(for: ReportFixtures.cleanFirstRun())
        #expect(html.contains("Change counts are not known for this run."))
        #expect(!html.contains(">Created</th>"))
    }

    @Test("clean first run reads well")
    func emptyStates() {
        let html = ReportPage.html(for: ReportFixtures.cleanFirstRun())
        #expect(html.contains("<h1>oak-valley <span class=\"badge status-committed\">committed</span></h1>"))
        #expect(html.contains("No problems found: every record passed validation."))
        #expect(html.contains("No rule found anything in this run."))
        #expect(html.contains("No sample changes were recorded for this run."))
        #expect(html.contains("<div class=\"tile zero\"><span class=\"n\">0</span> errors</div>"))
        #expect(html.contains("This is the district\u{2019}s first recorded run."))
        #expect(html.contains("<dd>12.3\u{A0}s</dd>"))
        #expect(!html.contains("The run stopped with an error"))
    }

    @Test("run without changes says so")
    func noChanges() {
        var report = ReportFixtures.cleanFirstRun()
        report.changes = ["users": ChangeTotals(unchanged: 250), "orgs": ChangeTotals(unchanged: 3)]
        let html = ReportPage.html(for: report)
        #expect(html.contains("No records were created, updated, removed or restored."))
        #expect(html.contains("<th scope=\"row\">users</th><td class=\"num\">250</td><td class=\"num zero\">0</td>"))
    }

    @Test("failed run without data reads well")
    func failedRun() {
        let report = RunReport(
            district: "pine-ridge", run: 9, kind: "sync", status: "failed", startedAt: "2024-09-02T01:00:00Z",
            error: "Connector 'sftp' failed: host '10.0.0.4' timed out after 30 s")
        let html = ReportPage.html(for: report)
        #expect(html.contains("status-failed"))
        #expect(html.contains("The run stopped with an error"))
        #expect(html.contains("Connector &#39;sftp&#39; failed"))
        #expect(html.contains("No records were read in this run."))
        #expect(html.contains("No runs are recorded for this district yet."))
        #expect(html.contains("<dd>not yet</dd>"))
        #expect(!html.contains("<svg"))
    }

    @Test("unknown status gets neutral badge")
    func unknownStatus() {
        var report = ReportFixtures.cleanFirstRun()
        report.status = "paused"
        #expect(ReportPage.html(for: report).contains("<span class=\"badge status-other\">paused</span>"))
    }

    @Test("history chart has labels and hover titles")
    func historyChart() throws {
        let html = ReportPage.html(for: ReportFixtures.heldRun())
        let start = try #require(html.range(of: "<svg"))
        let end = try #require(html.range(of: "</svg>"))
        let svg = String(html[start.lowerBound..<end.upperBound])
        #expect(svg.contains("role=\"img\""))
        #expect(svg.contains("<title id=\"history-chart-title\">Records and problems of the last 10 runs</title>"))
        #expect(svg.contains("<desc id=\"history-chart-desc\">From run 33 (131,000 records, 820 problems, committed)"))
        #expect(occurrences(of: "<rect x=", in: svg) == 12)
        #expect(occurrences(of: "<circle cx=", in: svg) == 11)
        #expect(occurrences(of: "<title>Run ", in: svg) == 20)
        #expect(svg.contains("<title>Run 42 (this run), 2024-09-03T02:00:04Z, held: 127,550 records"))
        #expect(svg.contains(">Records</text>"))
        #expect(svg.contains(">Problems</text>"))
        #expect(svg.contains(">Problems (errors + warnings)</text>"))
        #expect(svg.contains("class=\"current\">42</text>"))
        #expect(html.contains("<summary>History as a table</summary>"))
        #expect(html.contains("<th scope=\"row\">42 (this run)</th>"))
    }

    @Test("history chart keeps the latest thirty runs")
    func historyCapped() {
        var report = ReportFixtures.cleanFirstRun()
        report.run = 50
        report.history = (1...50).reversed().map {
            HistoryPoint(
                run: Int64($0), startedAt: "2024-01-01T00:00:00Z", status: "committed", records: $0 * 10,
                errors: 0, warnings: $0)
        }
        let html = ReportPage.html(for: report)
        #expect(html.contains("Records and problems of the last 30 runs"))
        #expect(html.contains("From run 21 (210 records"))
        #expect(!html.contains("<th scope=\"row\">20</th>"))
    }

    @Test("tables have header cells with scope")
    func tableHeaders() {
        let html = ReportPage.html(for: ReportFixtures.heldRun())
        #expect(!html.contains("<th>"))
        #expect(occurrences(of: "<th scope=\"col\"", in: html) > 20)
        #expect(occurrences(of: "<caption", in: html) == occurrences(of: "<table", in: html))
    }

    private static func fixture(_ name: String) -> RunReport {
        switch name {
        case "cleanFirstRun": return ReportFixtures.cleanFirstRun()
        case "hostile": return ReportFixtures.hostile()
        default: return ReportFixtures.heldRun()
        }
    }
}

/// Counts the non-overlapping occurrences of a string.
func occurrences(of needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
}
