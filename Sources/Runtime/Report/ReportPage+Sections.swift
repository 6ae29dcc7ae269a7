extension ReportPage {
    /// Renders the findings panel: totals by severity, then findings per file.
    static func findings(_ report: RunReport) -> String {
        let totals = report.totals
        var html = "<section class=\"panel\" aria-labelledby=\"findings-title\">\n"
        html += "<h2 id=\"findings-title\">Findings</h2>\n<div class=\"tiles\">\n"
        html += tile("error", totals.errors, singular: "error", plural: "errors")
        html += tile("warning", totals.warnings, singular: "warning", plural: "warnings")
        html += tile("info", totals.infos, singular: "info", plural: "infos")
        html += "</div>\n"
        if totals.errors + totals.warnings + totals.infos == 0 && report.files.isEmpty {
            html += "<p class=\"empty\">No problems found: every record passed validation.</p>\n"
        } else {
            html += fileTable(report.files)
        }
        html += "</section>\n"
        return html
    }

    static func tile(_ severity: String, _ count: Int, singular: String, plural: String) -> String {
        let label = count == 1 ? singular : plural
        let style = count > 0 ? "tile severity-\(severity)" : "tile zero"
        return "<div class=\"\(style)\"><span class=\"n\">\(HTMLText.number(count))</span> \(label)</div>\n"
    }

    /// Renders findings per file, in dependency order of the files' entities.
    static func fileTable(_ files: [FileSummary]) -> String {
        guard !files.isEmpty else { return "<p class=\"empty\">No finding is tied to a file.</p>\n" }
        let sorted = files.sorted { lhs, rhs in
            let lhsOrder = RunReport.fileOrder(lhs.file)
            let rhsOrder = RunReport.fileOrder(rhs.file)
            return lhsOrder != rhsOrder ? lhsOrder < rhsOrder : lhs.file < rhs.file
        }
        var html = "<h3>Per file</h3>\n<div class=\"scroll\"><table>\n"
        html += "<caption class=\"hidden\">Findings per file</caption>\n"
        html += "<thead><tr><th scope=\"col\">File</th><th scope=\"col\" class=\"num\">Errors</th>"
        html += "<th scope=\"col\" class=\"num\">Warnings</th><th scope=\"col\" class=\"num\">Infos</th></tr></thead>\n"
        html += "<tbody>\n"
        for file in sorted {
            html += "<tr><th scope=\"row\"><code>\(HTMLText.escape(file.file))</code></th>"
            html += countCell(file.errors, severity: "error")
            html += countCell(file.warnings, severity: "warning")
            html += countCell(file.infos, severity: "info")
            html += "</tr>\n"
        }
        html += "</tbody></table></div>\n"
        return html
    }

    /// Renders a numeric cell, coloured only when the count is not zero so that problems stand out.
    static func countCell(_ count: Int, severity: String) -> String {
        let style = count > 0 ? "num count-\(severity)" : "num zero"
        return "<td class=\"\(style)\">\(HTMLText.number(count))</td>"
    }

    /// Renders records per entity, with the change counts when the report has them.
    static func records(_ report: RunReport) -> String {
        var html = "<section class=\"panel\" aria-labelledby=\"records-title\">\n"
        html += "<h2 id=\"records-title\">Records per entity</h2>\n"
        let names = RunReport.sortedEntityNames(
            Set(report.counts.keys).union(report.changes.map { Array($0.keys) } ?? []))
        guard !names.isEmpty else {
            html += "<p class=\"empty\">No records were read in this run.</p>\n</section>\n"
            return html
        }

        html += "<div class=\"scroll\"><table class=\"records\">\n"
        html += "<caption class=\"hidden\">Records accepted, rejected and changed per entity</caption>\n"
        html += "<thead><tr><th scope=\"col\">Entity</th><th scope=\"col\" class=\"num\">Accepted</th>"
        html += "<th scope=\"col\" class=\"num\">Rejected</th>"
        if report.changes != nil {
            for column in changeColumns { html += "<th scope=\"col\" class=\"num\">\(column)</th>" }
        }
        html += "</tr></thead>\n<tbody>\n"
        for name in names {
            html += recordRow(name, report)
        }
        html += "</tbody></table></div>\n"

        if report.changes == nil {
            html += "<p class=\"note\">Change counts are not known for this run.</p>\n"
        }
        html += "</section>\n"
        return html
    }

    /// Column headings of the change counts, in the order `recordRow` writes them.
    static let changeColumns = ["Created", "Updated", "Unchanged", "Removed", "Restored"]

    /// Renders one entity's row; a dash marks a count the report does not have for that entity.
    static func recordRow(_ name: String, _ report: RunReport) -> String {
        let dash = "<td class=\"num\">\u{2013}</td>"
        let count = report.counts[name]
        var html = "<tr><th scope=\"row\">\(HTMLText.escape(name))</th>"
        html += count.map { "<td class=\"num\">\(HTMLText.number($0.accepted))</td>" } ?? dash
        html += count.map { countCell($0.rejected, severity: "error") } ?? dash
        if let changes = report.changes {
            if let change = changes[name] {
                for value in [change.created, change.updated, change.unchanged, change.removed, change.restored] {
                    html += "<td class=\"num\">\(HTMLText.number(value))</td>"
                }
            } else {
                html += String(repeating: dash, count: changeColumns.count)
            }
        }
        return html + "</tr>\n"
    }

    /// Renders the worst rules, each with a few example findings.
    static func rules(_ report: RunReport) -> String {
        var html = "<section class=\"panel\" aria-labelledby=\"rules-title\">\n"
        html += "<h2 id=\"rules-title\">Rules with findings</h2>\n"
        let sorted = RunReport.sortedRules(report.rules)
        guard !sorted.isEmpty else {
            html += "<p class=\"empty\">No rule found anything in this run.</p>\n</section>\n"
            return html
        }
        for (index, rule) in sorted.prefix(maxRules).enumerated() {
            html += ruleBlock(rule, index: index)
        }
        let hidden = sorted.dropFirst(maxRules)
        if !hidden.isEmpty {
            let findings = hidden.reduce(0) { $0 + $1.count }
            html += "<p class=\"note\">\(HTMLText.number(hidden.count)) more \(hidden.count == 1 ? "rule" : "rules") "
            html += "with \(HTMLText.number(findings)) \(findings == 1 ? "finding" : "findings") "
            html += "are listed in the JSON report.</p>\n"
        }
        html += "</section>\n"
        return html
    }

    static func ruleBlock(_ rule: RuleSummary, index: Int) -> String {
        let titleId = "rule-\(index)"
        var html = "<section class=\"rule\" aria-labelledby=\"\(titleId)\">\n"
        html += "<h3 id=\"\(titleId)\">\(severityBadge(rule.severity)) <code>\(HTMLText.escape(rule.rule))</code> "
        html += "<span class=\"count\">\(HTMLText.number(rule.count)) \(rule.count == 1 ? "finding" : "findings")"
        html += "</span></h3>\n"
        if !rule.files.isEmpty {
            let files = rule.files.map { "<code>\(HTMLText.escape($0))</code>" }.joined(separator: ", ")
            html += "<p class=\"files\">In \(files)</p>\n"
        }
        guard !rule.examples.isEmpty else { return html + "</section>\n" }
        html += "<div class=\"scroll\"><table class=\"examples\">\n"
        html += "<caption class=\"hidden\">Examples of \(HTMLText.escape(rule.rule))</caption>\n"
        html += "<thead><tr><th scope=\"col\">Place</th><th scope=\"col\">Field</th><th scope=\"col\">Value</th>"
        html += "<th scope=\"col\">sourcedId</th><th scope=\"col\">Message</th></tr></thead>\n<tbody>\n"
        for example in rule.examples.prefix(maxExamples) {
            html += "<tr><td class=\"place\">\(place(example))</td>"
            html += "<td>\(optional(example.field))</td>"
            html += "<td class=\"value\">\(optional(example.value))</td>"
            html += "<td>\(optional(example.sourcedId))</td>"
            html += "<td>\(HTMLText.escape(HTMLText.truncate(example.message, to: maxValueLength * 2)))</td></tr>\n"
        }
        html += "</tbody></table></div>\n"
        if rule.examples.count > maxExamples {
            html += "<p class=\"note\">\(rule.examples.count - maxExamples) more examples are in the JSON report.</p>\n"
        }
        return html + "</section>\n"
    }

    /// Renders an example's place as `file:row`, `file` or `row N`.
    static func place(_ example: Example) -> String {
        switch (example.file, example.row) {
        case (let file?, let row?): return "<code>\(HTMLText.escape(file)):\(row)</code>"
        case (let file?, nil): return "<code>\(HTMLText.escape(file))</code>"
        case (nil, let row?): return "row \(row)"
        case (nil, nil): return optional(nil)
        }
    }

    /// Renders the sample sourcedIds per entity and change kind.
    static func samples(_ report: RunReport) -> String {
        var html = "<section class=\"panel\" aria-labelledby=\"samples-title\">\n"
        html += "<h2 id=\"samples-title\">Sample changes</h2>\n"
        let changeOrder = ["created", "updated", "removed", "restored", "unchanged"]
        let sorted = report.samples.filter { !$0.sourcedIds.isEmpty }.sorted { lhs, rhs in
            let lhsEntity = RunReport.entityOrder(lhs.entity)
            let rhsEntity = RunReport.entityOrder(rhs.entity)
            if lhsEntity != rhsEntity { return lhsEntity < rhsEntity }
            if lhs.entity != rhs.entity { return lhs.entity < rhs.entity }
            let lhsChange = changeOrder.firstIndex(of: lhs.change) ?? changeOrder.count
            let rhsChange = changeOrder.firstIndex(of: rhs.change) ?? changeOrder.count
            return lhsChange != rhsChange ? lhsChange < rhsChange : lhs.change < rhs.change
        }
        guard !sorted.isEmpty else {
            let changed = report.changes?.values.contains { $0.created + $0.updated + $0.removed + $0.restored > 0 }
            switch changed {
            case false?: html += "<p class=\"empty\">No records were created, updated, removed or restored.</p>\n"
            default: html += "<p class=\"note\">No sample changes were recorded for this run.</p>\n"
            }
            return html + "</section>\n"
        }
        html += "<div class=\"scroll\"><table>\n<caption class=\"hidden\">Sample sourcedIds per change</caption>\n"
        html += "<thead><tr><th scope=\"col\">Entity</th><th scope=\"col\">Change</th>"
        html += "<th scope=\"col\">sourcedIds</th></tr></thead>\n<tbody>\n"
        for sample in sorted {
            let ids = sample.sourcedIds.map {
                "<code>\(HTMLText.escape(HTMLText.truncate($0, to: maxValueLength)))</code>"
            }
            html += "<tr><th scope=\"row\">\(HTMLText.escape(sample.entity))</th>"
            html += "<td><span class=\"change change-\(changeStyle(sample.change))\">\(HTMLText.escape(sample.change))"
            html += "</span></td><td class=\"ids\">\(ids.joined(separator: " "))</td></tr>\n"
        }
        html += "</tbody></table></div>\n</section>\n"
        return html
    }

    static func changeStyle(_ change: String) -> String {
        ["created", "updated", "removed", "restored"].contains(change) ? change : "other"
    }
}
