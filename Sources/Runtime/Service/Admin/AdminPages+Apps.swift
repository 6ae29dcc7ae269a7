import Foundation
import HTTP
import Store

/// The apps page, with each export's last delivery per district, and an app's disclosure audit.
extension AdminPages {
    /// Audit entries shown on an app's audit page, newest first.
    static let auditLength = 100

    func appsPage(session: AdminSession) -> HTTPResponse {
        let apps = control.config.apps
        return withStore(session: session) { store in
            var content = "<h1>Apps</h1>\n"
            if apps.isEmpty { content += "<p class=\"muted\">No apps are configured in config.lua.</p>\n" }
            for app in apps {
                content += try appSection(app, store: store)
            }
            return AdminResponse.page(AdminLayout.page(title: "Apps", content: content, session: session))
        }
    }

    func auditPage(_ appId: String, session: AdminSession) -> HTTPResponse {
        guard let app = control.config.apps.first(where: { $0.id == appId }) else {
            return errorPage(
                "App not found", "There is no app '\(appId)'; the apps page lists the configured apps.", status: 404,
                session: session)
        }
        return withStore(session: session) { store in
            let entries = try store.disclosures(app: app.id, limit: Self.auditLength)
            var content = "<h1>Disclosure audit of \(HTMLText.escape(app.name))</h1>\n<section>\n"
            content += "<p class=\"muted\">What left the hub for this app, newest first; at most "
            content +=
                "\(Self.auditLength) entries. <code>rollbook audit \(HTMLText.escape(app.id))</code> lists more.</p>\n"
            if entries.isEmpty {
                content += "<p>Nothing has been disclosed to this app yet.</p>\n"
            } else {
                content += """
                    <div class="scroll"><table id="audit">
                    <thead><tr><th>Time</th><th>District</th><th>App run</th><th>Channel</th><th>Delivery</th>\
                    <th>Entity</th><th>Fields</th><th class="number">Records</th></tr></thead>
                    <tbody>

                    """
                for entry in entries {
                    content +=
                        "<tr><td>\(AdminLayout.time(entry.disclosedAt))</td><td>\(HTMLText.escape(entry.district))</td>"
                    content += "<td>\(entry.appRun)</td><td>\(HTMLText.escape(entry.channel))</td>"
                    content += "<td>\(entry.delivery.map(String.init) ?? "-")</td><td>\(entry.entity.rawValue)</td>"
                    content += "<td>\(HTMLText.escape(entry.fields.joined(separator: ", ")))</td>"
                    content += "<td class=\"number\">\(HTMLText.number(entry.records))</td></tr>\n"
                }
                content += "</tbody></table></div>\n"
            }
            content += "</section>\n"
            return AdminResponse.page(
                AdminLayout.page(title: "Audit of \(app.name)", content: content, session: session))
        }
    }

    private func appSection(_ app: AppConfig, store: SnapshotStore) throws -> String {
        var html = "<section id=\"app-\(HTMLText.escape(app.id))\">\n"
        html += "<h2>\(HTMLText.escape(app.name)) <span class=\"muted\">(\(HTMLText.escape(app.id)))</span></h2>\n"
        html += "<p>Districts: \(HTMLText.escape(app.districts.joined(separator: ", "))) · mapping "
        html += "<code>\(HTMLText.escape(app.mapping))</code> · "
        html += "<a href=\"/admin/apps/\(Self.pathSegment(app.id))/audit\">disclosure audit</a></p>\n"
        guard !app.exports.isEmpty else { return html + "<p class=\"muted\">No exports.</p>\n</section>\n" }
        html += """
            <div class="scroll"><table>
            <thead><tr><th>Export</th><th>District</th><th>Last delivery</th><th>Time</th><th>File</th>\
            <th class="number">Bytes</th><th class="number">Records</th></tr></thead>
            <tbody>

            """
        for export in app.exports {
            let destination = export.destination["type"]?.stringValue ?? export.script.map { "script \($0)" } ?? "-"
            let label =
                "<strong>\(HTMLText.escape(export.name))</strong><br><span class=\"muted\">\(export.kind.rawValue) "
                + "\(HTMLText.escape(export.mode.rawValue)) to \(HTMLText.escape(destination))</span>"
            for district in app.districts {
                html += "<tr><td>\(label)</td><td>\(HTMLText.escape(district))</td>"
                guard
                    let delivery = try store.deliveries(app: app.id, district: district, export: export.name, limit: 1)
                        .first
                else {
                    html += "<td colspan=\"5\" class=\"muted\">never delivered</td></tr>\n"
                    continue
                }
                let records = try store.disclosures(app: app.id, district: district, limit: Self.auditLength)
                    .filter { $0.delivery == delivery.id }.reduce(0) { $0 + $1.records }
                let colour = ["delivered": "committed", "failed": "failed", "running": "running"][delivery.state]
                var state = AdminLayout.badge(delivery.state, colour: colour ?? "unknown")
                if let message = delivery.message {
                    state += "<br><span class=\"muted\">\(HTMLText.escape(message))</span>"
                }
                html += "<td>\(state)</td><td>\(AdminLayout.time(delivery.endedAt ?? delivery.startedAt))</td>"
                html += "<td>\(HTMLText.escape(delivery.file.map { ($0 as NSString).lastPathComponent } ?? "-"))</td>"
                html += "<td class=\"number\">\(delivery.bytes.map(HTMLText.number) ?? "-")</td>"
                html += "<td class=\"number\">\(HTMLText.number(records))</td></tr>\n"
            }
        }
        return html + "</tbody></table></div>\n</section>\n"
    }
}
