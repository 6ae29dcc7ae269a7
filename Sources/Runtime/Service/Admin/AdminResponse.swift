import Foundation
import HTTP

/// Responses of the admin pages, every one with the same security headers.
enum AdminResponse {
    /// Pages load nothing from elsewhere, run no script and may not be framed. Forms post only to this origin.
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'"

    /// Returns an HTML page.
    static func page(_ html: String, status: Int = 200) -> HTTPResponse {
        var response = HTTPResponse(status: status, body: Array(html.utf8))
        response.headers.add(name: "Content-Type", value: "text/html; charset=utf-8")
        addSecurityHeaders(to: &response)
        return response
    }

    /// Returns a redirect: 302 for a page that needs a sign-in, 303 after a form.
    static func redirect(to location: String, status: Int = 303) -> HTTPResponse {
        var response = HTTPResponse(status: status, body: Array("See \(location)\n".utf8))
        response.headers.add(name: "Location", value: location)
        response.headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        addSecurityHeaders(to: &response)
        return response
    }

    private static func addSecurityHeaders(to response: inout HTTPResponse) {
        response.headers.add(name: "Content-Security-Policy", value: contentSecurityPolicy)
        response.headers.add(name: "X-Frame-Options", value: "DENY")
        response.headers.add(name: "X-Content-Type-Options", value: "nosniff")
        response.headers.add(name: "Cache-Control", value: "no-store")
        // Same-origin form posts keep their Referer, which the origin check reads when a browser sends no Origin.
        response.headers.add(name: "Referrer-Policy", value: "same-origin")
    }
}
