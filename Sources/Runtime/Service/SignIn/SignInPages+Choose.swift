import HTTP

/// The district chooser and each district's choice of providers.
extension SignInPages {
    /// Lists the districts, or goes straight to the one the request hints at or the only one there is.
    func chooser(_ request: HTTPRequest) -> HTTPResponse {
        let returnTo = safeReturn(request.queryValue("return"))
        if let hint = request.queryValue("district"), !hint.isEmpty {
            guard district(hint) != nil else { return unknownDistrict(hint) }
            return SignInLayout.redirect(to: "/signin/\(Self.encode(hint))?return=\(Self.encode(returnTo))")
        }
        let offered = districts.filter { !$0.providers.isEmpty }
        if offered.count == 1 {
            return SignInLayout.redirect(to: "/signin/\(Self.encode(offered[0].id))?return=\(Self.encode(returnTo))")
        }
        guard !offered.isEmpty else {
            return SignInLayout.problem(
                title: "Sign-in is not set up",
                message: "No district has an identity provider yet. Ask your district's administrator to add one.",
                code: "sso.no_providers", status: 503)
        }
        var items = ""
        for district in offered.sorted(by: { $0.name < $1.name }) {
            let link = "/signin/\(Self.encode(district.id))?return=\(Self.encode(returnTo))"
            items +=
                "<li><a class=\"button secondary\" href=\"\(HTMLText.escape(link))\">"
                + "\(HTMLText.escape(district.name))</a></li>\n"
        }
        return SignInLayout.response(
            title: "Choose your district",
            content: """
                <h1>Choose your district</h1>
                <p class="muted">Sign in with the account your school district gave you.</p>
                <ul class="choices">
                \(items)</ul>
                """)
    }

    /// Shows a district's providers, or goes straight to its only provider when that one redirects.
    func districtPage(_ request: HTTPRequest, district id: String) -> HTTPResponse {
        guard let district = district(id), !district.providers.isEmpty else { return unknownDistrict(id) }
        let returnTo = safeReturn(request.queryValue("return"))
        if district.providers.count == 1, case .redirect = district.providers[0].method {
            return SignInLayout.redirect(
                to:
                    "/signin/\(Self.encode(id))/\(Self.encode(district.providers[0].id))?return=\(Self.encode(returnTo))"
            )
        }
        let binding: (value: String, cookie: String?)
        do {
            binding = try browserBinding(of: request)
        } catch {
            return SignInLayout.problem(
                title: "Sign-in failed", message: "The sign-in could not start. Try again in a moment.",
                code: "sso.session_failed", status: 500)
        }
        let content = providerChoices(district, returnTo: returnTo, csrf: binding.value, username: "")
        return SignInLayout.response(
            title: "Sign in", content: content, cookies: binding.cookie.map { [$0] } ?? [])
    }

    /// Renders a district's providers: a button for each one that redirects and a form for each directory.
    func providerChoices(
        _ district: SignInDistrict, returnTo: String, csrf: String, username: String, notice: String? = nil
    ) -> String {
        var html = "<h1>Sign in to \(HTMLText.escape(district.name))</h1>\n"
        if let notice { html += "<p class=\"problem\" role=\"alert\">\(HTMLText.escape(notice))</p>\n" }
        var buttons = ""
        var forms = ""
        for provider in district.providers {
            let action = "/signin/\(Self.encode(district.id))/\(Self.encode(provider.id))"
            switch provider.method {
            case .redirect:
                let link = action + "?return=" + Self.encode(returnTo)
                buttons +=
                    "<li><a class=\"button\" href=\"\(HTMLText.escape(link))\">"
                    + "\(HTMLText.escape(provider.label))</a></li>\n"
            case .directory:
                let field = "\(provider.id)-username"
                forms += """
                    <h2>\(HTMLText.escape(provider.label))</h2>
                    <form method="post" action="\(HTMLText.escape(action))">
                    <input type="hidden" name="csrf" value="\(HTMLText.escape(csrf))">
                    <input type="hidden" name="return" value="\(HTMLText.escape(returnTo))">
                    <label for="\(HTMLText.escape(field))">Username</label>
                    <input type="text" id="\(HTMLText.escape(field))" name="username" value="\(HTMLText.escape(username))" autocomplete="username" required>
                    <label for="\(HTMLText.escape(provider.id))-password">Password</label>
                    <input type="password" id="\(HTMLText.escape(provider.id))-password" name="password" autocomplete="current-password" required>
                    <button type="submit">Sign in</button>
                    </form>

                    """
            }
        }
        if !buttons.isEmpty { html += "<ul class=\"choices\">\n\(buttons)</ul>\n" }
        html += forms
        if districts.filter({ !$0.providers.isEmpty }).count > 1 {
            html +=
                "<p class=\"muted\"><a href=\"/signin?return=\(HTMLText.escape(Self.encode(returnTo)))\">"
                + "Choose another district</a></p>\n"
        }
        return html
    }
}
