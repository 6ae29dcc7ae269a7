/// A Python 3 program (standard library only) that drives headless Chromium through the people-facing sign-in pages.
///
/// Like `AdminChromiumDriver` it talks over `--remote-debugging-pipe`, so no debugging port is opened. It follows an
/// app's authorization requests through the district chooser, the LDAP form and the upstream provider, opens the
/// portal and signs out, and saves a screenshot and the DOM of each page it shows.
///
/// Arguments: output folder, chromium path, plan file. The plan is a JSON object with `base`, `redirect_uri`, the
/// authorization URLs `chooser`, `cloud`, `denied` and `unlinked`, and `people`, which maps `jsmith`, `tkim` and
/// `zed` to their passwords. The driver writes `result.json` into the output folder and exits 0, or prints the
/// failure on standard error and exits 1.
///
/// The redirect URI is a port where nothing listens, so the browser's load fails there. The driver reads the URL the
/// browser was sent to from the `Network.requestWillBeSent` events instead of from the failed page.
enum SignInChromiumDriver {
    static let script = #"""
        import base64, fcntl, json, os, select, signal, sys, time

        # Drop descriptors inherited from the test process, so Chromium's pipe numbers are the only open extras.
        os.closerange(3, 4096)
        out, chromium, plan_path = sys.argv[1:4]
        with open(plan_path, encoding="utf-8") as file:
            plan = json.load(file)
        base, redirect_uri, people = plan["base"], plan["redirect_uri"], plan["people"]
        WIDTH, HEIGHT = 1280, 900

        def high(fd):
            moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 20)
            os.close(fd)
            return moved

        commands_read, commands_write = map(high, os.pipe())
        replies_read, replies_write = map(high, os.pipe())
        devnull = os.open(os.devnull, os.O_RDWR)
        arguments = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
                     "--window-size=%d,%d" % (WIDTH, HEIGHT), "--no-first-run", "--no-default-browser-check",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-breakpad", "--user-data-dir=" + os.path.join(out, "profile"), "about:blank"]
        pid = os.posix_spawn(chromium, arguments, os.environ, file_actions=[
            (os.POSIX_SPAWN_DUP2, commands_read, 3), (os.POSIX_SPAWN_DUP2, replies_write, 4),
            (os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
        os.close(commands_read)
        os.close(replies_write)

        buffer = b""
        next_id = 0
        # Every event Chromium sent, in order, as (sessionId, method, params).
        events = []

        def read_messages(timeout):
            """Read what Chromium sent within `timeout` seconds and return the replies; events go to `events`."""
            global buffer
            replies = []
            ready, _, _ = select.select([replies_read], [], [], max(timeout, 0))
            if ready:
                chunk = os.read(replies_read, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "id" in message:
                    replies.append(message)
                else:
                    events.append((message.get("sessionId"), message.get("method"), message.get("params", {})))
            return replies

        def call(method, params=None, session=None, timeout=20):
            global next_id
            next_id += 1
            message = {"id": next_id, "method": method, "params": params or {}}
            if session:
                message["sessionId"] = session
            os.write(commands_write, json.dumps(message).encode() + b"\0")
            deadline = time.monotonic() + timeout
            while True:
                for reply in read_messages(0.2):
                    if reply.get("id") == next_id:
                        if "error" in reply:
                            raise RuntimeError("%s failed: %s" % (method, reply["error"]))
                        return reply.get("result", {})
                if time.monotonic() > deadline:
                    raise RuntimeError("%s got no reply within %d s" % (method, timeout))

        def evaluate(session, expression):
            result = call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)
            return result.get("result", {}).get("value")

        def wait_for(session, expression, what, timeout=15):
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                try:
                    if evaluate(session, expression):
                        return
                except RuntimeError as error:
                    # A page that navigates while the expression runs drops it; the next try runs on the new page.
                    if "navigated or closed" not in str(error) and "Cannot find context" not in str(error):
                        raise
                read_messages(0.1)
            raise RuntimeError("timed out after %d s waiting for %s at %s" % (
                timeout, what, evaluate(session, "location.href")))

        def wait_for_redirect_uri(session, since, what, timeout=20):
            """Return the first URL at the redirect URI that the tab requested after event number `since`."""
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                for owner, method, params in events[since:]:
                    if owner == session and method == "Network.requestWillBeSent":
                        url = params.get("request", {}).get("url", "")
                        if url.startswith(redirect_uri):
                            return url
                read_messages(0.1)
            raise RuntimeError("timed out after %d s waiting for %s at %s" % (
                timeout, what, evaluate(session, "location.href")))

        def open_tab():
            """Open a tab in a new browser context, so it shares no cookies with the tabs before it."""
            context = call("Target.createBrowserContext", {"disposeOnDetach": True})["browserContextId"]
            target = call("Target.createTarget", {"url": "about:blank", "browserContextId": context})["targetId"]
            session = call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            call("Page.enable", {}, session)
            call("Network.enable", {}, session)
            call("Emulation.setDeviceMetricsOverride",
                 {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False}, session)
            return session

        def capture(session, label, pages):
            shot = call("Page.captureScreenshot", {"format": "png"}, session)
            path = os.path.join(out, label + ".png")
            with open(path, "wb") as file:
                file.write(base64.b64decode(shot["data"]))
            dom = evaluate(session, "document.documentElement.outerHTML")
            with open(os.path.join(out, label + ".html"), "w", encoding="utf-8") as file:
                file.write(dom)
            pages[label] = {"url": evaluate(session, "location.href"), "screenshot": path}

        def click_text(session, selector, text):
            found = evaluate(session, "(() => { const e = [...document.querySelectorAll(%s)]"
                                      ".find(e => e.textContent.trim() === %s); if (e) e.click(); return !!e })()"
                             % (json.dumps(selector), json.dumps(text)))
            if not found:
                raise RuntimeError("no %s reading %r at %s" % (selector, text, evaluate(session, "location.href")))

        def submit_directory_form(session, username, password):
            evaluate(session, "document.getElementById('directory-username').value = %s;"
                              "document.getElementById('directory-password').value = %s;"
                              "document.querySelector('form[action$=\"/directory\"] button').click(); true"
                     % (json.dumps(username), json.dumps(password)))

        # A page at `path` that has finished loading; the form's answer is a new page, so the old one is gone.
        loaded = "document.readyState === 'complete' && location.pathname === %s"
        has_form = " && document.getElementById('directory-username') !== null"
        status = 1
        try:
            pages, redirects = {}, {}

            # An app's request without a district: the chooser, the district's page, a wrong and a right password.
            tab = open_tab()
            call("Page.navigate", {"url": plan["chooser"]}, tab)
            wait_for(tab, loaded % json.dumps("/signin") + " && document.querySelector('ul.choices') !== null",
                     "the district chooser")
            capture(tab, "chooser", pages)
            click_text(tab, "ul.choices a", "Brookfield District")
            wait_for(tab, loaded % json.dumps("/signin/d") + has_form, "the district's sign-in page")
            capture(tab, "district", pages)
            submit_directory_form(tab, "jsmith", "not-" + people["jsmith"])
            wait_for(tab, loaded % json.dumps("/signin/d/directory") + " && document.querySelector('.problem') !== null",
                     "the wrong password message")
            capture(tab, "wrong-password", pages)
            mark = len(events)
            submit_directory_form(tab, "jsmith", people["jsmith"])
            redirects["directory"] = wait_for_redirect_uri(tab, mark, "the app's callback after the LDAP sign-in")
            cookies = call("Network.getCookies", {"urls": [base]}, tab)["cookies"]

            # The portal in the same tab, then sign-out, after which the portal sends the browser to sign in again.
            call("Page.navigate", {"url": base + "/portal"}, tab)
            wait_for(tab, loaded % json.dumps("/portal") + " && document.querySelector('ul.choices') !== null",
                     "the portal")
            capture(tab, "portal", pages)
            launch = evaluate(tab, "[...document.querySelectorAll('ul.choices a')]"
                                   ".map(a => ({name: a.textContent, href: a.getAttribute('href')}))")
            click_text(tab, "form[action='/signout'] button", "Sign out")
            wait_for(tab, loaded % json.dumps("/signout") + " && document.querySelector('h1') !== null",
                     "the signed-out page")
            capture(tab, "signed-out", pages)
            cookies_after_sign_out = call("Network.getCookies", {"urls": [base]}, tab)["cookies"]
            call("Page.navigate", {"url": base + "/portal"}, tab)
            wait_for(tab, loaded % json.dumps("/signin"), "the sign-in page after the portal")
            portal_after_sign_out = evaluate(tab, "location.href")

            # The upstream provider, in the same signed-out tab: the district hint skips the chooser.
            call("Page.navigate", {"url": plan["cloud"]}, tab)
            wait_for(tab, loaded % json.dumps("/signin/d") + has_form, "the district's sign-in page")
            mark = len(events)
            click_text(tab, "ul.choices a", "Sign in with Brookfield Cloud")
            redirects["cloud"] = wait_for_redirect_uri(tab, mark, "the app's callback after the upstream sign-in")

            # A person on the roster but outside the app's view, each person in a fresh browser context.
            tab = open_tab()
            call("Page.navigate", {"url": plan["denied"]}, tab)
            wait_for(tab, loaded % json.dumps("/signin/d") + has_form, "the district's sign-in page")
            mark = len(events)
            submit_directory_form(tab, "tkim", people["tkim"])
            redirects["denied"] = wait_for_redirect_uri(tab, mark, "the app's callback with the refusal")

            # A person on no roster, who gets a page instead of a redirect.
            tab = open_tab()
            call("Page.navigate", {"url": plan["unlinked"]}, tab)
            wait_for(tab, loaded % json.dumps("/signin/d") + has_form, "the district's sign-in page")
            submit_directory_form(tab, "zed", people["zed"])
            wait_for(tab, loaded % json.dumps("/signin/d/directory") + " && document.querySelector('.problem') !== null",
                     "the page for a person without a roster user")
            capture(tab, "no-linked-user", pages)

            with open(os.path.join(out, "result.json"), "w") as file:
                json.dump({"pages": pages, "redirects": redirects, "cookies": cookies,
                           "cookies_after_sign_out": cookies_after_sign_out, "launch": launch,
                           "portal_after_sign_out": portal_after_sign_out}, file)
            status = 0
        except Exception as error:
            print("sign-in chromium driver: %s" % error, file=sys.stderr)
        finally:
            # Browser.close lets Chromium end its own helper processes; SIGKILL is for a browser that does not answer.
            try:
                call("Browser.close", timeout=5)
            except Exception:
                pass
            deadline = time.monotonic() + 10
            running = True
            while running and time.monotonic() < deadline:
                running = os.waitpid(pid, os.WNOHANG) == (0, 0)
                time.sleep(0.05 if running else 0)
            if running:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        sys.exit(status)
        """#
}
