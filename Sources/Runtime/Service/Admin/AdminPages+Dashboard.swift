import Foundation
import HTTP
import Store

/// The dashboard: districts with their activity and a sync button, runs waiting for a decision, recent runs.
extension AdminPages {
    /// Runs listed on the dashboard, newest first.
    static let recentRunCount = 30

    func dashboard(_ session: AdminSession, notice: AdminLayout.Notice?, status: Int = 200) -> HTTPResponse {
        let shown = notice ?? sessions.takeFlash(for: session.id)
        return withStore(session: session) { store in
            var content = "<h1>Rollbook admin</h1>\n"
            content += districtSection(session)
            var pending: [RunSummary] = []
            for district in control.config.districts {
                pending += try store.pendingRuns(district: district.id)
            }
            content += pendingSection(pending)
            content += runsSection(try store.allRuns(limit: Self.recentRunCount))
            return AdminResponse.page(
                AdminLayout.page(title: "Dashboard", content: content, session: session, notice: shown), status: status)
        }
    }

    func startSync(_ district: String, session: AdminSession) -> HTTPResponse {
        switch control.triggerSync(district: district, reason: "admin page, signed in as \(session.name)") {
        case .started(let started):
            control.logger.info("admin started a sync", ["admin": session.name, "district": started])
            sessions.setFlash(.success("A sync of \(started) started. Its progress shows below."), for: session.id)
            return AdminResponse.redirect(to: "/admin")
        case .alreadyRunning(let running):
            control.logger.info(
                "admin sync not started", ["admin": session.name, "district": running, "reason": "running"])
            // Rendered with 409 rather than redirected, so a client that does not follow redirects gets the rejection.
            return dashboard(
                session, notice: .error("Nothing was started: a sync of \(running) is already running."), status: 409)
        case .unknownDistrict(let unknown):
            let known = control.config.districts.map(\.id).joined(separator: ", ")
            return errorPage(
                "No such district",
                "There is no district '\(unknown)'; configured: \(known.isEmpty ? "none" : known).", status: 404,
                session: session)
        case .stopping:
            return errorPage(
                "Service stopping",
                "The service is shutting down and starts no new syncs. Try again after it restarts.",
                status: 503, session: session)
        }
    }

    private func districtSection(_ session: AdminSession) -> String {
        let names = Dictionary(
            control.config.districts.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        var html = """
            <section>
            <h2>Districts</h2>
            <div class="scroll"><table>
            <thead><tr><th>District</th><th>Activity</th><th>Next scheduled sync</th><th>Action</th></tr></thead>
            <tbody>

            """
        for activity in control.activity() {
            let id = activity.district
            let name = names[id].flatMap { $0 == id ? nil : $0 }
            html += "<tr id=\"district-\(HTMLText.escape(id))\"><td><strong>\(HTMLText.escape(id))</strong>"
            if let name { html += "<br><span class=\"muted\">\(HTMLText.escape(name))</span>" }
            html += "</td><td>\(activityText(activity))</td><td>\(AdminLayout.time(activity.nextScheduled))</td><td>"
            html += AdminLayout.button(
                "Sync now", action: "/admin/districts/\(Self.pathSegment(id))/sync", session: session)
            html += "</td></tr>\n"
        }
        html += "</tbody></table></div>\n</section>\n"
        return html
    }

    private func activityText(_ activity: DistrictActivity) -> String {
        guard activity.running else { return "<span class=\"muted\">idle</span>" }
        var parts = [AdminLayout.badge("running")]
        if let step = activity.step { parts.append("step <code>\(HTMLText.escape(step))</code>") }
        if let started = activity.startedAt { parts.append("since \(AdminLayout.time(started))") }
        if let file = activity.file {
            parts.append(
                "reading <code>\(HTMLText.escape(file))</code>: <span class=\"rows\">"
                    + "\(HTMLText.number(activity.rows))</span> rows so far")
        }
        return parts.joined(separator: " · ")
    }

    private func pendingSection(_ runs: [RunSummary]) -> String {
        guard !runs.isEmpty else { return "" }
        var html = "<section>\n<h2>Waiting for a decision</h2>\n<ul>\n"
        for run in runs {
            let reason = RunListing.Item(run).hold?.reason ?? "It waits for an approval or a discard."
            html += "<li><a href=\"/admin/runs/\(run.id)\">Run \(run.id)</a> of \(HTMLText.escape(run.district)) "
            html += "is \(AdminLayout.badge(run.status.rawValue)): \(HTMLText.escape(reason))</li>\n"
        }
        return html + "</ul>\n</section>\n"
    }

    func runsSection(_ runs: [RunSummary]) -> String {
        var html = "<section>\n<h2>Recent runs</h2>\n"
        guard !runs.isEmpty else { return html + "<p class=\"muted\">No runs yet.</p>\n</section>\n" }
        html += """
            <div class="scroll"><table id="runs">
            <thead><tr><th>Run</th><th>District</th><th>Kind</th><th>Status</th><th>Started</th>\
            <th class="number">Duration</th><th class="number">Records</th><th class="number">Rejected</th>\
            <th class="number">Errors</th><th class="number">Warnings</th><th>Report</th></tr></thead>
            <tbody>

            """
        for run in runs {
            let item = RunListing.Item(run)
            let accepted = item.counts.values.reduce(0) { $0 + $1.accepted }
            let rejected = item.counts.values.reduce(0) { $0 + $1.rejected }
            let duration = run.endedAt.map { HTMLText.duration($0.timeIntervalSince(run.startedAt)) } ?? "-"
            html += "<tr><td><a href=\"/admin/runs/\(run.id)\">\(run.id)</a></td>"
            html += "<td>\(HTMLText.escape(run.district))</td><td>\(HTMLText.escape(run.kind.rawValue))</td>"
            html += "<td>\(AdminLayout.badge(run.status.rawValue))</td><td>\(AdminLayout.time(run.startedAt))</td>"
            html += "<td class=\"number\">\(duration)</td><td class=\"number\">\(HTMLText.number(accepted))</td>"
            html += "<td class=\"number\">\(HTMLText.number(rejected))</td>"
            html += "<td class=\"number\">\(HTMLText.number(run.diagnosticTotals["error"] ?? 0))</td>"
            html += "<td class=\"number\">\(HTMLText.number(run.diagnosticTotals["warning"] ?? 0))</td>"
            html += "<td><a href=\"/admin/runs/\(run.id)/report\">report</a></td></tr>\n"
        }
        return html + "</tbody></table></div>\n</section>\n"
    }

    /// Percent-encodes a value for one path segment, keeping only unreserved characters (RFC 3986, section 2.3).
    static func pathSegment(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(
            CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
