import HTTP

/// The frame and responses of the people-facing sign-in pages: the district chooser, the provider choice, error
/// pages and the portal.
enum SignInLayout {
    /// Pages load nothing from elsewhere, run no script and may not be framed.
    ///
    /// There is no `form-action`: the response to a sign-in form redirects on to the application, on another origin, and
    /// browsers apply `form-action` to every redirect after a submission.
    static let contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"

    /// Renders a whole page. `content` is HTML whose values the caller has escaped.
    static func page(title: String, content: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTMLText.escape(title)) · Rollbook</title>
        <style>\(style)</style>
        </head>
        <body>
        <main>
        \(content)
        </main>
        </body>
        </html>

        """
    }

    /// Returns an HTML page response.
    static func response(title: String, content: String, status: Int = 200, cookies: [String] = []) -> HTTPResponse {
        var response = HTTPResponse(status: status, body: Array(page(title: title, content: content).utf8))
        response.headers.add(name: "Content-Type", value: "text/html; charset=utf-8")
        addHeaders(to: &response, cookies: cookies)
        return response
    }

    /// Returns a page that explains why a sign-in cannot go on, and where to start again.
    static func problem(
        title: String, message: String, code: String? = nil, status: Int, retry: String? = nil,
        retryLabel: String = "Try again", cookies: [String] = []
    ) -> HTTPResponse {
        var content = """
            <h1>\(HTMLText.escape(title))</h1>
            <p class="problem" role="alert">\(HTMLText.escape(message))</p>

            """
        if let code {
            content += "<p class=\"code\">Code for your help desk: <code>\(HTMLText.escape(code))</code></p>\n"
        }
        if let retry {
            content +=
                "<p><a class=\"button\" href=\"\(HTMLText.escape(retry))\">\(HTMLText.escape(retryLabel))</a></p>\n"
        }
        return response(title: title, content: content, status: status, cookies: cookies)
    }

    /// Returns a redirect that also sets `cookies`: 302 for a link to follow, 303 after a form.
    static func redirect(to location: String, status: Int = 302, cookies: [String] = []) -> HTTPResponse {
        var response = HTTPResponse(status: status, body: Array("See \(location)\n".utf8))
        response.headers.add(name: "Location", value: location)
        response.headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        addHeaders(to: &response, cookies: cookies)
        return response
    }

    private static func addHeaders(to response: inout HTTPResponse, cookies: [String]) {
        for cookie in cookies { response.headers.add(name: "Set-Cookie", value: cookie) }
        response.headers.add(name: "Content-Security-Policy", value: contentSecurityPolicy)
        response.headers.add(name: "X-Frame-Options", value: "DENY")
        response.headers.add(name: "X-Content-Type-Options", value: "nosniff")
        response.headers.add(name: "Cache-Control", value: "no-store")
        response.headers.add(name: "Referrer-Policy", value: "same-origin")
    }

    static let style = """
        body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2433;background:#f3f5f9}
        main{max-width:30rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:12px;\
        box-shadow:0 2px 12px rgba(20,30,60,.12)}
        h1{font-size:1.5rem;margin:0 0 1rem}
        h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
        a{color:#2b5fd9}
        ul.choices{list-style:none;padding:0;margin:0}
        ul.choices li{margin:.5rem 0}
        a.button,button{display:block;width:100%;box-sizing:border-box;padding:.7rem 1rem;border:1px solid #2b5fd9;\
        border-radius:8px;background:#2b5fd9;color:#fff;font:inherit;text-align:center;text-decoration:none;\
        cursor:pointer}
        a.button.secondary{background:#fff;color:#2b5fd9}
        label{display:block;margin:.75rem 0 .25rem;font-weight:600}
        input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.6rem;border:1px solid #aab3c5;\
        border-radius:6px;font:inherit}
        form button{margin-top:1rem}
        .problem{padding:.75rem 1rem;border-left:4px solid #c62828;background:#fdecea}
        .code{color:#5b6478;font-size:.9rem}
        .muted{color:#5b6478}
        .bar{display:flex;justify-content:space-between;align-items:center;gap:1rem;margin-bottom:1rem}
        .bar h1{margin:0}
        .bar form button{width:auto;margin:0;background:#fff;color:#2b5fd9}
        """
}
