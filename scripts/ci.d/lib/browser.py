#!/usr/bin/env python3
"""Helper of 80-browser.sh: the live page at / in headless Chromium, driven by playwright.

usage: browser.py STRIKELEDGER_BIN ARTIFACTS_DIR

Starts a real server on a free loopback port over a fresh SQLite database, posts the seed's
night through the API (the mayor's 3 killed and 3 injured in Kyiv, then the president's 4
killed; Kharkiv, Odesa and Sumy the same night), and checks, as a reader would see it:

- the page's weight (HTML, CSS, JS and icon, uncompressed) is under 100 KB, its answers
  carry the Content-Security-Policy, and it has no inline script or style;
- first render on loopback reported (target under 1 s; only over 5 s fails);
- a typo ("Khrakiv") shows the API's suggestions; "Kiev" shows Kyiv: 4 killed, 3 injured;
- the day's bar and the strike's history name both sources;
- a revision posted through the API reaches the ticker and the totals within 2 s, no reload;
- the server restarted (same database, same port): the ticker says it is reconnecting,
  then live again, and a revision posted right after the restart still arrives;
- axe-core finds no serious or critical violation, at desktop and phone width;
- no request leaves the page's origin, and the page throws no error;
- a server with --private-reads: the page asks for a key, keeps it in sessionStorage only,
  and shows the figures with it.

Screenshots at desktop and phone width go to ARTIFACTS_DIR.
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
WEIGHT_LIMIT = 100_000
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

failures = []


def check(ok, what):
    print(("  ok    " if ok else "  FAIL  ") + what, flush=True)
    if not ok:
        failures.append(what)
    return ok


class Server:
    """`strikeledger serve` on 127.0.0.1; port 0 picks one, which a restart keeps."""

    def __init__(self, binary, db, work, extra=()):
        self.binary, self.db, self.work, self.extra = binary, db, work, list(extra)
        self.port, self.proc, self.starts = 0, None, 0

    def start(self):
        self.starts += 1
        log_path = os.path.join(self.work, f"server-{os.path.basename(self.db)}-{self.starts}.log")
        self.log = open(log_path, "w+")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--db", self.db, "--host", "127.0.0.1", "--port", str(self.port)] + self.extra,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + 15
        while time.time() < deadline:
            with open(log_path) as f:
                m = re.search(r"listening on http://[^ ]*:(\d+)", f.read())
            if m:
                self.port = int(m.group(1))
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        with open(log_path) as f:
            sys.exit(f"browser: the server did not start:\n{f.read()}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"


def key(binary, db, name, role):
    return subprocess.run([binary, "keys", "create", "--db", db, "--name", name, "--role", role],
                          check=True, capture_output=True, text=True, stdin=subprocess.DEVNULL).stdout.strip()


def http(base, method, path, body=None, key=None):
    headers = {}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if key:
        headers["Authorization"] = f"Bearer {key}"
    req = urllib.request.Request(base + path, method=method, headers=headers,
                                 data=None if body is None else json.dumps(body).encode())
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def post(base, path, body, key):
    status, _, data = http(base, "POST", path, body, key)
    if status not in (200, 201):
        sys.exit(f"browser: POST {path} answered {status}: {data[:300]!r}")
    return json.loads(data)


def seed_night(base, editor):
    """The seed's night, as a scraper would post it."""
    mayor = post(base, "/v1/reports", {
        "city": "Kiev", "occurred_at": "2025-10-10T05:30:00+03:00",
        "source": {"name": "Vitali Klitschko", "kind": "official"},
        "killed": 3, "injured": 3, "reported_at": "2025-10-10T06:10:00+03:00",
        "weapons": [{"kind": "drone"}, {"kind": "missile", "model": "Iskander-M"}],
        "description": "Apartment buildings hit in several districts",
        "note": "children and a pregnant woman among the injured"}, editor)
    post(base, "/v1/reports", {
        "city": "Київ", "occurred_at": "2025-10-10T05:30:00+03:00",
        "source": {"name": "Volodymyr Zelensky", "kind": "official"},
        "killed": 4, "reported_at": "2025-10-10T10:45:00+03:00",
        "damage": "Dozens of residential buildings damaged; the Azerbaijani embassy damaged",
        "note": "raised the toll on social networks"}, editor)
    # A second desk's record of the same attack, folded into the first; then the president's
    # statement entered again on it by mistake (it lands on the first strike), and voided.
    strike = mayor["strike"]["id"]
    duplicate = post(base, "/v1/strikes", {"city": "Kyiv", "occurred_at": "2025-10-10T05:45:00+03:00"}, editor)["id"]
    post(base, f"/v1/strikes/{duplicate}/merge", {"into": strike}, editor)
    slip = post(base, f"/v1/strikes/{duplicate}/revisions", {
        "source": {"name": "Volodymyr Zelensky", "kind": "official"}, "killed": 4,
        "reported_at": "2025-10-10T10:45:00+03:00"}, editor)
    post(base, f"/v1/revisions/{slip['revision']['seq']}/void", {"reason": "entered twice"}, editor)
    for city in ("Jarkiv", "Odessa", "Sumy"):
        post(base, "/v1/reports", {"city": city, "occurred_at": "2025-10-10T00:00:00+03:00",
                                   "time_precision": "day", "source": {"name": "Volodymyr Zelensky", "kind": "official"}}, editor)
    return strike, duplicate


def page_files(base):
    """The page and every file it links, uncompressed: {path: (headers, bytes)}."""
    status, headers, html = http(base, "GET", "/")
    files = {"/": (headers, html)}
    for ref in re.findall(rb'(?:href|src)="(/assets/[^"]+)"', html):
        path = ref.decode()
        _, h, data = http(base, "GET", path)
        files[path] = (h, data)
    return status, files


def text(page, selector):
    return page.locator(selector).first.inner_text().strip()


def wait_text(page, selector, expected, timeout):
    """Waits until the selector's text equals `expected`; returns the seconds it took or None."""
    started = time.time()
    try:
        page.wait_for_function(
            "([s, e]) => { const n = document.querySelector(s); return n && n.textContent.trim() === e; }",
            arg=[selector, expected], timeout=timeout * 1000)
        return time.time() - started
    except Exception:
        return None


def serious(results):
    return [v for v in results.response.get("violations", []) if v.get("impact") in ("serious", "critical")]


def report_axe(name, results):
    bad = serious(results)
    for v in bad:
        print(f"    axe {v['impact']}: {v['id']}: {v['help']}; "
              + "; ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"]) for n in v["nodes"][:5]))
    minor = [v["id"] for v in results.response.get("violations", []) if v not in bad]
    check(not bad, f"axe-core at {name}: no serious or critical violation" + (f" (minor: {', '.join(minor)})" if minor else ""))


def main():
    binary, artifacts = sys.argv[1], sys.argv[2]
    os.makedirs(artifacts, exist_ok=True)
    work = tempfile.mkdtemp(prefix="strikeledger-browser-")
    db = os.path.join(work, "page.sqlite")
    editor = key(binary, db, "page-editor", "editor")
    server = Server(binary, db, work).start()
    private = None
    try:
        base = server.base
        print(f"browser: server on {base}")
        strike, duplicate = seed_night(base, editor)

        print("browser: the page's files")
        status, files = page_files(base)
        check(status == 200, f"GET / answers 200 ({status})")
        html_headers, html = files["/"]
        csp = html_headers.get("Content-Security-Policy", "")
        check("default-src 'self'" in csp, f"GET / carries Content-Security-Policy: {csp}")
        check(html_headers.get("Content-Type", "").startswith("text/html"), "GET / is text/html")
        check(bool(html_headers.get("ETag")), f"GET / carries an ETag ({html_headers.get('ETag')})")
        inline = re.findall(rb"<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=", html)
        check(not inline, f"no inline script, style or handler in the HTML ({inline[:3]})")
        check(len(files) >= 3, f"the page links its style sheet and script ({sorted(files)})")
        weight = sum(len(data) for _, data in files.values())
        detail = ", ".join(f"{p} {len(d)}" for p, (_, d) in sorted(files.items()))
        check(weight < WEIGHT_LIMIT, f"weight {weight} bytes uncompressed, under {WEIGHT_LIMIT} ({detail})")
        for path, (h, _) in files.items():
            if path != "/":
                check(bool(h.get("ETag")) and "default-src 'self'" in h.get("Content-Security-Policy", ""),
                      f"{path}: ETag and CSP ({h.get('Content-Type')})")

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            origin = urlsplit(base)
            foreign, errors = [], []

            def watch(context):
                def on_request(request):
                    u = urlsplit(request.url)
                    if (u.scheme, u.hostname, u.port) != (origin.scheme, origin.hostname, origin.port):
                        foreign.append(request.url)
                context.on("request", on_request)

            def watch_page(page):
                page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
                page.on("console", lambda m: errors.append(f"console: {m.text}")
                        if m.type == "error" and "Content Security Policy" in m.text else None)

            # ---- Desktop ----
            context = browser.new_context(viewport=DESKTOP, locale="en-GB")
            watch(context)
            page = context.new_page()
            watch_page(page)
            print("browser: first render")
            page.goto(base + "/")
            wait_text(page, "#total-strikes", "0", 5)
            # Both from the page's own clock, counted from the start of navigation: the first
            # paint, and the moment the page first filled the totals (performance.mark 'figures').
            fcp, figures = page.evaluate("""() => [
                (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime,
                (performance.getEntriesByName('figures')[0] || {}).startTime]""")
            # A figure, not a timed assertion (CI shares its cores): the target is 1 s on
            # loopback; only a page that takes more than 5 s fails, as broken.
            for name, ms in (("first contentful paint", fcp), ("first render with figures (Kyiv's last 7 days)", figures)):
                check(ms is not None and ms < 5000, f"{name} {ms:.0f} ms after navigation" if ms is not None else f"{name} measured")
                if ms is not None and ms >= 1000:
                    print(f"  note  {name} took {ms:.0f} ms, over the 1 s target (a loaded machine?)", flush=True)
            zone = text(page, "#zone")
            check("Europe/Kyiv" in zone, f"the zone is named: {zone}")
            try:
                page.wait_for_selector("#connection[data-state=live]", timeout=5000)
                check(True, f"the ticker is live: {text(page, '#connection')!r}")
            except Exception:
                check(False, f"the ticker is live ({text(page, '#connection')!r})")
            check(text(page, "#message") == "", f"no error on the page ({text(page, '#message')!r})")

            print("browser: a typo")
            page.fill("#city", "Khrakiv")
            page.click("#query button[type=submit]")
            page.wait_for_selector(".suggestion", timeout=5000)
            suggestions = page.locator(".suggestion").all_inner_texts()
            check("Kharkiv" in suggestions, f"'Khrakiv' suggests {suggestions}")

            print("browser: Kiev on the night of the seed")
            page.fill("#city", "Kiev")
            page.fill("#from", "2025-10-09")
            page.fill("#to", "2025-10-11")
            page.click("#query button[type=submit]")
            check(wait_text(page, "#total-killed", "4", 5) is not None, f"Kiev: 4 killed ({text(page, '#total-killed')})")
            check(text(page, "#total-injured") == "3", f"Kiev: 3 injured ({text(page, '#total-injured')})")
            check(page.input_value("#city") == "Kyiv", f"the picker shows the city's name ({page.input_value('#city')})")
            bar = page.locator('#chart g.day[data-date="2025-10-10"]')
            label = bar.get_attribute("aria-label") or ""
            check("Vitali Klitschko" in label and "Volodymyr Zelensky" in label, f"the day's bar names both sources: {label}")
            zero = page.locator('#chart g.day[data-date="2025-10-09"]').get_attribute("aria-label") or ""
            check(zero.find(": 0 killed, 0 injured") > 0, f"a quiet day shows zeros: {zero}")
            page.click(f"#toggle-{strike}")
            page.wait_for_selector(f"#history-{strike} .revision", timeout=5000)
            history = text(page, f"#history-{strike}")
            check("Vitali Klitschko" in history and "Volodymyr Zelensky" in history, f"the strike's history names both sources")
            voided = page.locator(f"#history-{strike} .revision.voided")
            check(voided.count() == 1 and voided.locator("del").count() == 1 and "entered twice" in voided.inner_text(),
                  f"the voided revision is struck through, with its reason: {voided.first.inner_text()!r}")
            check(f"Strike {duplicate} was merged into this one" in history, "the merged strike is shown")
            check("Europe/Kyiv" in text(page, "#zone") and "10 Oct 2025, 05:30" in text(page, "#strikes"),
                  f"the strike's time is Kyiv's: {text(page, '#strikes tbody tr')[:60]!r}")
            page.wait_for_selector("#map g.struck", timeout=5000)
            struck = sorted(page.locator("#map g.struck").evaluate_all("ns => ns.map(n => n.dataset.city)"))
            check(struck == ["Kharkiv", "Kyiv", "Odesa", "Sumy"], f"the map shows the struck cities: {struck}")

            print("browser: a revision arrives")
            before_seq = page.locator("#ticker li").first.get_attribute("data-seq")
            posted = time.time()
            post(base, f"/v1/strikes/{strike}/revisions", {
                "killed": 5, "reported_at": "2025-10-10T12:00:00+03:00",
                "source": {"name": "Kyiv City Military Administration", "kind": "military"}}, editor)
            seen = wait_text(page, "#total-killed", "5", 2)
            elapsed = time.time() - posted
            check(seen is not None, f"the totals moved to 5 killed without a reload ({elapsed * 1000:.0f} ms)")
            first = page.locator("#ticker li").first
            ticker = first.inner_text()
            check(first.get_attribute("data-seq") != before_seq and "Kyiv City Military Administration" in ticker,
                  f"the ticker shows the revision: {ticker!r}")
            moved = first.locator("mark.moved").all_inner_texts()
            check(moved == ["5 killed"], f"the ticker highlights the figure that changed: {moved}")
            check(text(page, "#message") == "", f"no error on the page ({text(page, '#message')!r})")
            page.screenshot(path=os.path.join(artifacts, "desktop.png"), full_page=True)
            report_axe("desktop width", Axe().run(page))

            print("browser: the server restarts")
            server.stop()
            try:
                page.wait_for_selector("#connection:not([data-state=live])", timeout=5000)
                check(True, f"the status line says so: {text(page, '#connection')!r}")
            except Exception:
                check(False, "the status line leaves 'live' when the server stops")
            server.start()
            revived = time.time()
            missed = post(base, f"/v1/strikes/{strike}/revisions", {
                "injured": 6, "reported_at": "2025-10-10T12:30:00+03:00",
                "source": {"name": "Kyiv City Military Administration", "kind": "military"}}, editor)
            try:
                page.wait_for_selector("#connection[data-state=live]", timeout=10000)
                check(True, f"live again {time.time() - revived:.1f} s after the restart: {text(page, '#connection')!r}")
            except Exception:
                check(False, f"the ticker reconnects after a restart ({text(page, '#connection')!r})")
            seq = missed["revision"]["seq"]
            try:
                page.wait_for_selector(f'#ticker li[data-seq="{seq}"]', timeout=5000)
                check(True, f"the revision posted during the reconnection (seq {seq}) reached the ticker")
            except Exception:
                check(False, f"the revision posted during the reconnection (seq {seq}) reached the ticker")
            check(wait_text(page, "#total-injured", "6", 3) is not None, f"totals follow it: {text(page, '#total-injured')} injured")
            context.close()

            # ---- Phone ----
            print("browser: phone width")
            context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="en-GB")
            watch(context)
            page = context.new_page()
            watch_page(page)
            page.goto(base + "/#city=Kiev&from=2025-10-09&to=2025-10-11")
            check(wait_text(page, "#total-killed", "5", 5) is not None, "the phone shows the same totals")
            page.click(f"#toggle-{strike}")
            page.wait_for_selector(f"#history-{strike} .revision", timeout=5000)
            page.wait_for_selector("#map g.struck", timeout=5000)
            wide = page.evaluate("() => document.documentElement.scrollWidth")
            check(wide <= PHONE["width"], f"nothing wider than the phone ({wide} px)")
            page.screenshot(path=os.path.join(artifacts, "phone.png"), full_page=True)
            page.evaluate("() => window.scrollTo(0, 0)")
            page.screenshot(path=os.path.join(artifacts, "phone-first-screen.png"))
            report_axe("phone width", Axe().run(page))
            context.close()

            # ---- Private reads ----
            print("browser: a server with --private-reads")
            pdb = os.path.join(work, "private.sqlite")
            reader = key(binary, pdb, "page-reader", "reporter")
            private = Server(binary, pdb, work, ["--private-reads"]).start()
            context = browser.new_context(viewport=DESKTOP, locale="en-GB")
            page = context.new_page()
            watch_page(page)
            page.goto(private.base + "/")
            page.wait_for_selector("#key-form:not([hidden])", timeout=5000)
            check(True, "the page asks for a key")
            page.fill("#key", reader)
            page.click("#key-form button[type=submit]")
            check(wait_text(page, "#total-strikes", "0", 5) is not None, "with the key, the figures show")
            page.wait_for_selector("#connection[data-state=live]", timeout=5000)
            stored = page.evaluate("() => [sessionStorage.getItem('strikeledger-key'), localStorage.length, document.cookie]")
            check(stored[0] == reader and stored[1] == 0 and stored[2] == "",
                  "the key is kept in sessionStorage only (not localStorage, not a cookie)")
            page.screenshot(path=os.path.join(artifacts, "private-reads.png"))
            context.close()
            browser.close()

            check(not foreign, f"no request left the origin ({foreign[:5]})")
            check(not errors, f"no script error and no CSP violation ({errors[:5]})")
    finally:
        server.stop()
        if private:
            private.stop()
    print(f"browser: screenshots in {artifacts}")
    if failures:
        print(f"browser: {len(failures)} check(s) failed")
        sys.exit(1)


if __name__ == "__main__":
    main()
