import Foundation
import OneRoster
import Store

/// The body of the page of one run: facts, hold reason, decision buttons, record counts and the diff.
struct RunPageContent {
    var run: RunSummary
    var diff: RunDiff
    var session: AdminSession

    func html() -> String {
        let item = RunListing.Item(run)
        var html = "<h1>Run \(run.id) of district \(HTMLText.escape(run.district)) "
        html += "\(AdminLayout.badge(run.status.rawValue))</h1>\n"
        html += facts(item)
        if let hold = item.hold { html += holdSection(hold) }
        html += recordsSection(item)
        html += diffSection()
        return html
    }

    private func facts(_ item: RunListing.Item) -> String {
        var rows: [(String, String)] = [
            ("Kind", HTMLText.escape(run.kind.rawValue)),
            ("Started", AdminLayout.time(run.startedAt)),
            ("Ended", run.endedAt.map { AdminLayout.time($0) } ?? "not yet"),
            ("Duration", run.endedAt.map { HTMLText.duration($0.timeIntervalSince(run.startedAt)) } ?? "-"),
            (
                "Compared with",
                run.baseRun.map { "<a href=\"/admin/runs/\($0)\">run \($0)</a>" }
                    ?? "nothing: the district's first load"
            ),
        ]
        if let published = run.publishedAt { rows.append(("Published", AdminLayout.time(published))) }
        if let decided = run.decidedAt { rows.append(("Decided", AdminLayout.time(decided))) }
        if let error = run.error { rows.append(("Error", HTMLText.escape(error))) }
        rows.append(
            (
                "Findings",
                "\(HTMLText.number(run.diagnosticTotals["error"] ?? 0)) errors, "
                    + "\(HTMLText.number(run.diagnosticTotals["warning"] ?? 0)) warnings, "
                    + "\(HTMLText.number(run.diagnosticTotals["info"] ?? 0)) notes · "
                    + "<a href=\"/admin/runs/\(run.id)/report\">data-quality report</a>"
            ))
        var html = "<section>\n<dl class=\"facts\">\n"
        for (label, value) in rows { html += "<dt>\(label)</dt><dd>\(value)</dd>\n" }
        return html + "</dl>\n</section>\n"
    }

    private func holdSection(_ hold: HoldReason) -> String {
        let heading = run.status.isPending ? "Held for review" : "Was held for review"
        var html = "<section id=\"hold\">\n<h2>\(heading)</h2>\n<p>\(HTMLText.escape(hold.reason))</p>\n"
        if run.status.isPending {
            if let expires = hold.expiresAt {
                html += "<p class=\"muted\">Unless someone decides, it expires at \(HTMLText.escape(expires)).</p>\n"
            }
            html += "<div class=\"actions\">"
            html += AdminLayout.button("Approve and publish", action: "/admin/runs/\(run.id)/approve", session: session)
            html += AdminLayout.button(
                "Discard", action: "/admin/runs/\(run.id)/discard", session: session, style: "danger")
            html += "</div>\n"
        }
        return html + "</section>\n"
    }

    private func recordsSection(_ item: RunListing.Item) -> String {
        guard !item.counts.isEmpty else { return "" }
        var html = """
            <section>
            <h2>Records read</h2>
            <table><thead><tr><th>Entity</th><th class="number">Accepted</th><th class="number">Rejected</th></tr></thead>
            <tbody>

            """
        for entity in item.counts.keys.sorted() {
            guard let count = item.counts[entity] else { continue }
            html +=
                "<tr><td>\(HTMLText.escape(entity))</td><td class=\"number\">\(HTMLText.number(count.accepted))</td>"
            html += "<td class=\"number\">\(HTMLText.number(count.rejected))</td></tr>\n"
        }
        return html + "</tbody></table>\n</section>\n"
    }

    private func diffSection() -> String {
        var html = "<section id=\"diff\">\n<h2>Changes to the snapshot</h2>\n"
        let entities = Entity.allCases.filter { diff.changes[$0.rawValue] != nil }
        guard !entities.isEmpty else {
            return html + "<p class=\"muted\">No changes are recorded for this run.</p>\n</section>\n"
        }
        html += """
            <div class="scroll"><table>
            <thead><tr><th>Entity</th><th class="number">Created</th><th class="number">Updated</th>\
            <th class="number">Restored</th><th class="number">Removed</th><th class="number">Unchanged</th></tr></thead>
            <tbody>

            """
        for entity in entities {
            guard let count = diff.changes[entity.rawValue] else { continue }
            html += "<tr><td>\(entity.rawValue)</td>"
            for value in [count.created, count.updated, count.restored, count.removed, count.unchanged] {
                html += "<td class=\"number\">\(HTMLText.number(value))</td>"
            }
            html += "</tr>\n"
        }
        html += "</tbody></table></div>\n"
        let samples = diff.samples.filter { !$0.sourcedIds.isEmpty }
        if !samples.isEmpty {
            html += "<h3>Samples</h3>\n<ul class=\"samples\">\n"
            for sample in samples {
                let ids = sample.sourcedIds.map { "<code>\(HTMLText.escape($0))</code>" }.joined(separator: ", ")
                html += "<li>\(HTMLText.escape(sample.entity)) \(HTMLText.escape(sample.change)): \(ids)"
                if let fields = sample.fields, !fields.isEmpty {
                    html += "\n<ul>\n"
                    for field in fields {
                        html += "<li><code>\(HTMLText.escape(field.sourcedId))</code> \(HTMLText.escape(field.field)): "
                        html +=
                            "'\(HTMLText.escape(field.stored ?? ""))' → '\(HTMLText.escape(field.staged ?? ""))'</li>\n"
                    }
                    html += "</ul>\n"
                }
                html += "</li>\n"
            }
            html += "</ul>\n"
        }
        return html + "</section>\n"
    }
}
