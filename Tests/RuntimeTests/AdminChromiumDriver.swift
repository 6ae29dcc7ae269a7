/// A Python 3 program (standard library only) that drives headless Chromium through the admin pages.
///
/// It uses `devtools_pipe.py` from the test fixtures, which talks over `--remote-debugging-pipe`, so no debugging
/// port is opened. It signs in through the login form, visits the admin pages, clicks "Approve and publish", and
/// saves a screenshot and the DOM of each page.
///
/// Arguments: fixtures folder, base URL, output folder, chromium path, admin name, password, held run id. It writes
/// `result.json` into the output folder and exits 0, or prints the failure on standard error and exits 1.
enum AdminChromiumDriver {
    static let script = #"""
        import json, os, sys

        fixtures, base, out, chromium, name, password, run = sys.argv[1:8]
        sys.path.insert(0, fixtures)
        from devtools_pipe import Browser, LOADED

        status = 1
        try:
            with Browser(chromium, out) as browser:
                tab = browser.open_tab()
                pages = {}

                browser.navigate(tab, base + "/admin")
                browser.wait_for(tab, LOADED % json.dumps("/admin/login"), "the redirect to the sign-in page")
                pages["login"] = browser.capture(tab, "login")
                browser.evaluate(tab, "document.getElementById('name').value = %s;"
                                      "document.getElementById('password').value = %s;"
                                      "document.querySelector('main form button').click(); true"
                                 % (json.dumps(name), json.dumps(password)))
                browser.wait_for(tab, LOADED % json.dumps("/admin") + " && document.querySelector('h1') !== null",
                                 "the dashboard after signing in")
                pages["dashboard"] = browser.capture(tab, "dashboard")

                browser.navigate(tab, "%s/admin/runs/%s" % (base, run))
                browser.wait_for(tab, LOADED % json.dumps("/admin/runs/" + run), "the run page")
                pages["run"] = browser.capture(tab, "run")
                browser.click_text(tab, "button", "Approve and publish")
                browser.wait_for(tab, "document.readyState === 'complete' && document.querySelector('.notice') !== null",
                                 "the approval message")
                pages["approved"] = browser.capture(tab, "approved")

                browser.navigate(tab, base + "/admin/apps")
                browser.wait_for(tab, LOADED % json.dumps("/admin/apps"), "the apps page")
                pages["apps"] = browser.capture(tab, "apps")
                with open(os.path.join(out, "result.json"), "w") as file:
                    json.dump({"pages": pages}, file)
            status = 0
        except Exception as error:
            print("admin chromium driver: %s" % error, file=sys.stderr)
        sys.exit(status)
        """#
}
