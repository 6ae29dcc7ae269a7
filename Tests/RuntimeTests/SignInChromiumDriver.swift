/// A Python 3 program (standard library only) that drives headless Chromium through the people-facing sign-in pages.
///
/// Like `AdminChromiumDriver` it uses `devtools_pipe.py` from the test fixtures, which talks over
/// `--remote-debugging-pipe`, so no debugging port is opened. It follows an app's authorization requests through the
/// district chooser, the LDAP form and the upstream provider, opens the portal and signs out, and saves a screenshot
/// and the DOM of each page it shows.
///
/// Arguments: fixtures folder, output folder, chromium path, plan file. The plan is a JSON object with `base`,
/// `redirect_uri`, the authorization URLs `chooser`, `cloud`, `denied` and `unlinked`, and `people`, which maps
/// `jsmith`, `tkim` and `zed` to their passwords. The driver writes `result.json` into the output folder and exits 0,
/// or prints the failure on standard error and exits 1.
///
/// The redirect URI is a port where nothing listens, so the browser's load fails there. The driver reads the URL the
/// browser was sent to from the `Network.requestWillBeSent` events instead of from the failed page.
enum SignInChromiumDriver {
    static let script = #"""
        import json, os, sys

        fixtures, out, chromium, plan_path = sys.argv[1:5]
        sys.path.insert(0, fixtures)
        from devtools_pipe import Browser, LOADED

        with open(plan_path, encoding="utf-8") as file:
            plan = json.load(file)
        base, redirect_uri, people = plan["base"], plan["redirect_uri"], plan["people"]

        def submit_directory_form(browser, tab, username, password):
            browser.evaluate(tab, "document.getElementById('directory-username').value = %s;"
                                  "document.getElementById('directory-password').value = %s;"
                                  "document.querySelector('form[action$=\"/directory\"] button').click(); true"
                             % (json.dumps(username), json.dumps(password)))

        has_form = " && document.getElementById('directory-username') !== null"
        status = 1
        try:
            with Browser(chromium, out) as browser:
                pages, redirects = {}, {}

                # An app's request without a district: the chooser, the district's page, a wrong and a right password.
                tab = browser.open_tab()
                browser.navigate(tab, plan["chooser"])
                browser.wait_for(tab, LOADED % json.dumps("/signin") + " && document.querySelector('ul.choices') !== null",
                                 "the district chooser")
                pages["chooser"] = browser.capture(tab, "chooser")
                browser.click_text(tab, "ul.choices a", "Brookfield District")
                browser.wait_for(tab, LOADED % json.dumps("/signin/d") + has_form, "the district's sign-in page")
                pages["district"] = browser.capture(tab, "district")
                submit_directory_form(browser, tab, "jsmith", "not-" + people["jsmith"])
                browser.wait_for(tab, LOADED % json.dumps("/signin/d/directory")
                                 + " && document.querySelector('.problem') !== null", "the wrong password message")
                pages["wrong-password"] = browser.capture(tab, "wrong-password")
                mark = len(browser.events)
                submit_directory_form(browser, tab, "jsmith", people["jsmith"])
                redirects["directory"] = browser.wait_for_request(
                    tab, mark, redirect_uri, "the app's callback after the LDAP sign-in")
                cookies = browser.call("Network.getCookies", {"urls": [base]}, tab)["cookies"]

                # The portal in the same tab, then sign-out, after which the portal sends the browser to sign in again.
                browser.navigate(tab, base + "/portal")
                browser.wait_for(tab, LOADED % json.dumps("/portal") + " && document.querySelector('ul.choices') !== null",
                                 "the portal")
                pages["portal"] = browser.capture(tab, "portal")
                launch = browser.evaluate(tab, "[...document.querySelectorAll('ul.choices a')]"
                                               ".map(a => ({name: a.textContent, href: a.getAttribute('href')}))")
                browser.click_text(tab, "form[action='/signout'] button", "Sign out")
                browser.wait_for(tab, LOADED % json.dumps("/signout") + " && document.querySelector('h1') !== null",
                                 "the signed-out page")
                pages["signed-out"] = browser.capture(tab, "signed-out")
                cookies_after_sign_out = browser.call("Network.getCookies", {"urls": [base]}, tab)["cookies"]
                browser.navigate(tab, base + "/portal")
                browser.wait_for(tab, LOADED % json.dumps("/signin"), "the sign-in page after the portal")
                portal_after_sign_out = browser.location(tab)

                # The upstream provider, in the same signed-out tab: the district hint skips the chooser.
                browser.navigate(tab, plan["cloud"])
                browser.wait_for(tab, LOADED % json.dumps("/signin/d") + has_form, "the district's sign-in page")
                mark = len(browser.events)
                browser.click_text(tab, "ul.choices a", "Sign in with Brookfield Cloud")
                redirects["cloud"] = browser.wait_for_request(
                    tab, mark, redirect_uri, "the app's callback after the upstream sign-in")

                # A person on the roster but outside the app's view, each person in a fresh browser context.
                tab = browser.open_tab()
                browser.navigate(tab, plan["denied"])
                browser.wait_for(tab, LOADED % json.dumps("/signin/d") + has_form, "the district's sign-in page")
                mark = len(browser.events)
                submit_directory_form(browser, tab, "tkim", people["tkim"])
                redirects["denied"] = browser.wait_for_request(
                    tab, mark, redirect_uri, "the app's callback with the refusal")

                # A person on no roster, who gets a page instead of a redirect.
                tab = browser.open_tab()
                browser.navigate(tab, plan["unlinked"])
                browser.wait_for(tab, LOADED % json.dumps("/signin/d") + has_form, "the district's sign-in page")
                submit_directory_form(browser, tab, "zed", people["zed"])
                browser.wait_for(tab, LOADED % json.dumps("/signin/d/directory")
                                 + " && document.querySelector('.problem') !== null",
                                 "the page for a person without a roster user")
                pages["no-linked-user"] = browser.capture(tab, "no-linked-user")

                with open(os.path.join(out, "result.json"), "w") as file:
                    json.dump({"pages": pages, "redirects": redirects, "cookies": cookies,
                               "cookies_after_sign_out": cookies_after_sign_out, "launch": launch,
                               "portal_after_sign_out": portal_after_sign_out}, file)
            status = 0
        except Exception as error:
            print("sign-in chromium driver: %s" % error, file=sys.stderr)
        sys.exit(status)
        """#
}
