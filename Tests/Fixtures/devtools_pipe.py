"""Drive headless Chromium over the DevTools protocol through --remote-debugging-pipe (standard library only).

With that flag Chromium reads commands from descriptor 3 and writes replies and events to descriptor 4, each
message a JSON text ended by a NUL byte, so no debugging port is opened. The browser tests' driver programs
import this module and keep only their own steps.
"""

import base64
import fcntl
import json
import os
import select
import signal
import time

# The window and the tabs' viewport in CSS pixels at scale 1, so screenshots are exactly this size.
WIDTH, HEIGHT = 1280, 900

# The document at this path has finished loading. A submitted form or a click on a link loads a new document,
# so the old page never matches once it is gone. Fill in the path with json.dumps.
LOADED = "document.readyState === 'complete' && location.pathname === %s"


def _move_high(fd):
    """Return a close-on-exec duplicate of `fd` at 20 or above, so it stays clear of descriptors 3 and 4."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 20)
    os.close(fd)
    return moved


class Browser:
    """A headless Chromium process, its DevTools pipe and every event it has sent.

    Use it in a `with` block: leaving the block closes Chromium through DevTools and kills it only when it
    does not exit. Chromium writes its profile to `output`/profile and `capture` writes pages to `output`.
    """

    def __init__(self, chromium, output):
        # Drop descriptors inherited from the test process, so Chromium's pipe numbers are the only open extras.
        os.closerange(3, 4096)
        self.output = output
        self._buffer = b""
        self._next_id = 0
        # Every event Chromium sent, in order, as (sessionId, method, params).
        self.events = []

        commands_read, self._commands = map(_move_high, os.pipe())
        self._replies, replies_write = map(_move_high, os.pipe())
        devnull = os.open(os.devnull, os.O_RDWR)
        arguments = [
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
            "--window-size=%d,%d" % (WIDTH, HEIGHT), "--no-first-run", "--no-default-browser-check",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-breakpad", "--user-data-dir=" + os.path.join(output, "profile"), "about:blank"]
        try:
            self.pid = os.posix_spawn(chromium, arguments, os.environ, file_actions=[
                (os.POSIX_SPAWN_DUP2, commands_read, 3), (os.POSIX_SPAWN_DUP2, replies_write, 4),
                (os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, devnull, 1),
                (os.POSIX_SPAWN_DUP2, devnull, 2)])
        finally:
            os.close(commands_read)
            os.close(replies_write)
            os.close(devnull)

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        self.close()
        return False

    def read_messages(self, timeout):
        """Read what Chromium sends within `timeout` seconds, store the events in `events` and return the replies."""
        replies = []
        ready, _, _ = select.select([self._replies], [], [], max(timeout, 0))
        if ready:
            chunk = os.read(self._replies, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buffer += chunk
        while b"\0" in self._buffer:
            raw, self._buffer = self._buffer.split(b"\0", 1)
            message = json.loads(raw)
            if "id" in message:
                replies.append(message)
            else:
                self.events.append((message.get("sessionId"), message.get("method"), message.get("params", {})))
        return replies

    def call(self, method, params=None, session=None, timeout=20):
        """Send one command, to a tab when `session` is set, and return its result.

        Raises RuntimeError when Chromium returns an error or no reply comes within `timeout` seconds.
        """
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError("%s got no reply within %d s" % (method, timeout))
            try:
                replies = self.read_messages(min(left, 0.2))
            except RuntimeError as error:
                raise RuntimeError("%s failed: %s" % (method, error)) from None
            for reply in replies:
                if reply.get("id") == self._next_id:
                    if "error" in reply:
                        raise RuntimeError("%s failed: %s" % (method, reply["error"]))
                    return reply.get("result", {})

    def evaluate(self, session, expression):
        """Run a JavaScript expression in the tab and return its value as JSON data."""
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)
        return result.get("result", {}).get("value")

    def location(self, session):
        return self.evaluate(session, "location.href")

    def wait_for(self, session, expression, awaited, timeout=15):
        """Evaluate `expression` about every 0.1 s until it is truthy. `awaited` names the page in the timeout error."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.evaluate(session, expression):
                    return
            except RuntimeError as error:
                # A page that navigates while the expression runs drops it; the next try runs on the new page.
                if "navigated or closed" not in str(error) and "Cannot find context" not in str(error):
                    raise
            self.read_messages(0.1)
        raise RuntimeError("timed out after %d s waiting for %s at %s" % (timeout, awaited, self.location(session)))

    def wait_for_request(self, session, since, prefix, awaited, timeout=20):
        """Return the first URL starting with `prefix` that the tab requested after event number `since`.

        It reads `Network.requestWillBeSent` events, so it works when the load of that URL fails. The tab
        needs the Network domain, which `open_tab` enables.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for owner, method, params in self.events[since:]:
                if owner == session and method == "Network.requestWillBeSent":
                    url = params.get("request", {}).get("url", "")
                    if url.startswith(prefix):
                        return url
            self.read_messages(0.1)
        raise RuntimeError("timed out after %d s waiting for %s at %s" % (timeout, awaited, self.location(session)))

    def open_tab(self):
        """Open a tab in a new browser context, which shares no cookies with earlier tabs, and return its session id."""
        context = self.call("Target.createBrowserContext", {"disposeOnDetach": True})["browserContextId"]
        target = self.call("Target.createTarget", {"url": "about:blank", "browserContextId": context})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable", {}, session)
        self.call("Network.enable", {}, session)
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False}, session)
        return session

    def navigate(self, session, url):
        self.call("Page.navigate", {"url": url}, session)

    def click_text(self, session, selector, text):
        """Click the first element matching `selector` whose trimmed text is `text`, or raise when there is none."""
        found = self.evaluate(session, "(() => { const e = [...document.querySelectorAll(%s)]"
                                       ".find(e => e.textContent.trim() === %s); if (e) e.click(); return !!e })()"
                              % (json.dumps(selector), json.dumps(text)))
        if not found:
            raise RuntimeError("no %s with the text %r at %s" % (selector, text, self.location(session)))

    def capture(self, session, label):
        """Save the tab's screenshot as `label`.png and its DOM as `label`.html, and return its URL and PNG path."""
        shot = self.call("Page.captureScreenshot", {"format": "png"}, session)
        path = os.path.join(self.output, label + ".png")
        with open(path, "wb") as file:
            file.write(base64.b64decode(shot["data"]))
        dom = self.evaluate(session, "document.documentElement.outerHTML")
        with open(os.path.join(self.output, label + ".html"), "w", encoding="utf-8") as file:
            file.write(dom)
        return {"url": self.location(session), "screenshot": path}

    def close(self):
        """Close Chromium through DevTools and wait up to 10 s for it to exit, then kill it if it is still running.

        Browser.close lets Chromium end its own helper processes. SIGKILL is only for a browser that does not
        exit in time.
        """
        try:
            self.call("Browser.close", timeout=5)
        except (RuntimeError, OSError):
            pass
        deadline = time.monotonic() + 10
        running = True
        while running and time.monotonic() < deadline:
            running = os.waitpid(self.pid, os.WNOHANG) == (0, 0)
            if running:
                time.sleep(0.05)
        if running:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self._commands)
        os.close(self._replies)
