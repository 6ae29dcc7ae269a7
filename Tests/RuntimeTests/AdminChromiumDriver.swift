/// A Python 3 program (standard library only) that drives headless Chromium over the DevTools protocol.
///
/// It talks through `--remote-debugging-pipe`, so no debugging port is opened. It signs in through the login form,
/// visits the admin pages, clicks "Approve and publish", and saves a screenshot and the DOM of each page.
///
/// Arguments: base URL, output folder, chromium path, admin name, password, held run id. It writes
/// `result.json` into the output folder and exits 0, or prints the failure on standard error and exits 1.
enum AdminChromiumDriver {
    static let script = #"""
        import base64, fcntl, json, os, select, signal, sys, time

        # Drop descriptors inherited from the test process, so Chromium's pipe numbers are the only open extras.
        os.closerange(3, 4096)
        base, out, chromium, name, password, run = sys.argv[1:7]
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

        def call(method, params=None, session=None, timeout=20):
            global buffer, next_id
            next_id += 1
            message = {"id": next_id, "method": method, "params": params or {}}
            if session:
                message["sessionId"] = session
            os.write(commands_write, json.dumps(message).encode() + b"\0")
            deadline = time.monotonic() + timeout
            while True:
                while b"\0" in buffer:
                    raw, buffer = buffer.split(b"\0", 1)
                    reply = json.loads(raw)
                    if reply.get("id") == next_id:
                        if "error" in reply:
                            raise RuntimeError("%s failed: %s" % (method, reply["error"]))
                        return reply.get("result", {})
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError("%s got no reply within %d s" % (method, timeout))
                ready, _, _ = select.select([replies_read], [], [], left)
                if ready:
                    chunk = os.read(replies_read, 1 << 20)
                    if not chunk:
                        raise RuntimeError("chromium closed the DevTools pipe during " + method)
                    buffer += chunk

        def evaluate(session, expression):
            result = call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)
            return result.get("result", {}).get("value")

        def wait_for(session, expression, what, timeout=15):
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if evaluate(session, expression):
                    return
                time.sleep(0.1)
            raise RuntimeError("timed out after %d s waiting for %s at %s" % (
                timeout, what, evaluate(session, "location.href")))

        def capture(session, label, pages):
            shot = call("Page.captureScreenshot", {"format": "png"}, session)
            path = os.path.join(out, label + ".png")
            with open(path, "wb") as file:
                file.write(base64.b64decode(shot["data"]))
            dom = evaluate(session, "document.documentElement.outerHTML")
            with open(os.path.join(out, label + ".html"), "w", encoding="utf-8") as file:
                file.write(dom)
            pages[label] = {"url": evaluate(session, "location.href"), "screenshot": path}

        loaded = "document.readyState === 'complete' && location.pathname === %s"
        status = 1
        try:
            target = call("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            call("Page.enable", {}, session)
            call("Emulation.setDeviceMetricsOverride",
                 {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False}, session)
            pages = {}

            call("Page.navigate", {"url": base + "/admin"}, session)
            wait_for(session, loaded % json.dumps("/admin/login"), "the redirect to the sign-in page")
            capture(session, "login", pages)
            evaluate(session, "document.getElementById('name').value = %s;"
                              "document.getElementById('password').value = %s;"
                              "document.querySelector('main form button').click(); true"
                     % (json.dumps(name), json.dumps(password)))
            wait_for(session, loaded % json.dumps("/admin") + " && document.querySelector('h1') !== null",
                     "the dashboard after signing in")
            capture(session, "dashboard", pages)

            call("Page.navigate", {"url": "%s/admin/runs/%s" % (base, run)}, session)
            wait_for(session, loaded % json.dumps("/admin/runs/" + run), "the run page")
            capture(session, "run", pages)
            evaluate(session, "[...document.querySelectorAll('button')]"
                              ".find(b => b.textContent === 'Approve and publish').click(); true")
            wait_for(session, "document.readyState === 'complete' && document.querySelector('.notice') !== null",
                     "the approval message")
            capture(session, "approved", pages)

            call("Page.navigate", {"url": base + "/admin/apps"}, session)
            wait_for(session, loaded % json.dumps("/admin/apps"), "the apps page")
            capture(session, "apps", pages)
            with open(os.path.join(out, "result.json"), "w") as file:
                json.dump({"pages": pages}, file)
            status = 0
        except Exception as error:
            print("admin chromium driver: %s" % error, file=sys.stderr)
        finally:
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and os.waitpid(pid, os.WNOHANG) == (0, 0):
                time.sleep(0.05)
        sys.exit(status)
        """#
}
