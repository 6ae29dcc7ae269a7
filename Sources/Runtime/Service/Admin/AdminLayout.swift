import Foundation

/// The frame of every admin page: head, inline style, navigation and the one-time message.
enum AdminLayout {
    /// A message shown above a page's content: the outcome of a form, or why a request was rejected.
    struct Notice: Sendable, Equatable {
        /// The kind of a message, which sets its colour and ARIA role.
        enum Kind: String, Sendable {
            case success
            case error
        }

        var kind: Kind
        var message: String

        static func success(_ message: String) -> Notice { Notice(kind: .success, message: message) }
        static func error(_ message: String) -> Notice { Notice(kind: .error, message: message) }
    }

    /// Renders a whole page. `content` is HTML whose values the caller has escaped.
    static func page(
        title: String, content: String, session: AdminSession? = nil, notice: Notice? = nil
    ) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTMLText.escape(title)) · Rollbook admin</title>
            <style>\(style)</style>
            </head>
            <body>

            """
        if let session {
            html += """
                <header class="bar">
                <nav><a href="/admin">Dashboard</a> <a href="/admin/apps">Apps</a></nav>
                <form method="post" action="/admin/logout" class="inline">
                \(tokenField(session))<span class="who">Signed in as \(HTMLText.escape(session.name))</span>
                <button type="submit" class="link">Sign out</button>
                </form>
                </header>

                """
        }
        html += "<main>\n"
        if let notice {
            let role = notice.kind == .error ? "alert" : "status"
            html +=
                "<p class=\"notice \(notice.kind.rawValue)\" role=\"\(role)\">\(HTMLText.escape(notice.message))</p>\n"
        }
        html += content
        html += "</main>\n</body>\n</html>\n"
        return html
    }

    /// Renders the hidden field that carries the session's CSRF token in a form.
    static func tokenField(_ session: AdminSession) -> String {
        "<input type=\"hidden\" name=\"csrf\" value=\"\(HTMLText.escape(session.csrfToken))\">"
    }

    /// Renders a form of one button that posts to `action` with the session's token.
    static func button(_ label: String, action: String, session: AdminSession, style: String = "") -> String {
        let classAttribute = style.isEmpty ? "" : " class=\"\(style)\""
        return "<form method=\"post\" action=\"\(HTMLText.escape(action))\" class=\"inline\">\(tokenField(session))"
            + "<button type=\"submit\"\(classAttribute)>\(HTMLText.escape(label))</button></form>"
    }

    /// Formats a time in UTC to the second, such as `2026-12-04 20:00:05 UTC`.
    static func time(_ date: Date?) -> String {
        guard let date else { return "-" }
        let text = date.formatted(Date.ISO8601FormatStyle())
        return text.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC")
    }

    /// Renders a status as a coloured badge. `colour` names the run status whose colour it takes, by default its own.
    static func badge(_ status: String, colour: String? = nil) -> String {
        "<span class=\"badge status-\(HTMLText.escape(colour ?? status))\">\(HTMLText.escape(status))</span>"
    }

    static let style = """
        :root{color-scheme:light;--ink:#1d2330;--muted:#5b6474;--line:#d9dde5;--accent:#1f5fbf;--bg:#f6f7f9}
        *{box-sizing:border-box}
        body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);\
        background:var(--bg)}
        main{max-width:1180px;margin:0 auto;padding:24px}
        .bar{display:flex;justify-content:space-between;align-items:center;gap:16px;padding:10px 24px;\
        background:#fff;border-bottom:1px solid var(--line)}
        .bar nav a{margin-right:16px;font-weight:600}
        .who{color:var(--muted);margin-right:8px}
        a{color:var(--accent)}
        h1{font-size:24px;margin:8px 0 16px}
        h2{font-size:18px;margin:28px 0 10px}
        section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:4px 16px 16px;margin-bottom:20px}
        table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
        th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top;\
        overflow-wrap:anywhere}
        th{font-size:13px;color:var(--muted);font-weight:600}
        td.number,th.number{text-align:right}
        .scroll{overflow-x:auto}
        form.inline{display:inline}
        button{font:inherit;padding:5px 12px;border-radius:6px;border:1px solid var(--accent);background:var(--accent);\
        color:#fff;cursor:pointer}
        button.secondary{background:#fff;color:var(--accent)}
        button.danger{background:#fff;color:#a4161a;border-color:#a4161a}
        button.link{background:none;border:none;color:var(--accent);padding:0;text-decoration:underline}
        .notice{padding:10px 14px;border-radius:6px;border:1px solid}
        .notice.success{background:#e8f5ec;border-color:#8cc7a0}
        .notice.error{background:#fdecec;border-color:#e0a1a1}
        .badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;\
        background:#e4e7ec;vertical-align:middle}
        .status-committed{background:#dcf1e3;color:#17613a}
        .status-running{background:#dde9fb;color:#1f4f99}
        .status-held,.status-blocked{background:#fff1cc;color:#7a5200}
        .status-failed,.status-interrupted{background:#fbdedd;color:#8e1b1b}
        .muted{color:var(--muted)}
        dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:12px 0}
        dl.facts dt{color:var(--muted)}
        dl.facts dd{margin:0;overflow-wrap:anywhere}
        .actions{display:flex;gap:12px;margin:12px 0}
        label{display:block;margin:12px 0 4px;font-weight:600}
        input[type=text],input[type=password]{font:inherit;width:100%;padding:6px 8px;border:1px solid var(--line);\
        border-radius:6px}
        .login{max-width:380px;margin:60px auto}
        progress{width:140px;vertical-align:middle}
        """
}
