#!/usr/bin/env python3
"""Helper of 65-webhooks.sh: webhooks against a real receiver, signatures checked by the
`standardwebhooks` reference library, and a kill -9 with deliveries pending.

  webhooks.py BIN WORKDIR [POSTGRES_URL]

1. A receiver on 127.0.0.1 (an ephemeral port) answers 503 to everything at first.
2. A server (BIN serve --allow-private-webhooks, fast retries) gets two subscriptions and
   100 revisions: 200 deliveries pending, each tried and failed at least once for the head.
3. The server is killed with SIGKILL; the receiver starts answering 204; the server
   starts again on the same database.
4. Every delivery arrives: each at least once, in seq order per subscription, each
   request verified by standardwebhooks with the subscription's secret, a repeat with
   the same webhook-id as before the kill, and `data` the item GET /v1/changes has.
5. A rotated secret: the next delivery verifies with the old secret and the new one.
6. With POSTGRES_URL (an empty database): two servers on it, writes spread over both,
   every event delivered exactly once between them (the receiver never fails), in order.
"""
import http.client
import http.server
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

from standardwebhooks.webhooks import Webhook

EVENTS = 100


class Receiver:
    def __init__(self):
        self.lock = threading.Lock()
        self.status = 503
        self.secrets = {}          # path -> [secret]
        self.hits = []             # (path, webhook-id, status answered, body)
        self.failures = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver.lock:
                    secrets = list(receiver.secrets.get(self.path, []))
                    status = receiver.status
                for secret in secrets:
                    try:
                        Webhook(secret).verify(body, headers)
                    except Exception as e:  # the library's own verdict
                        with receiver.lock:
                            receiver.failures.append(f"{self.path} {headers.get('webhook-id')}: {secret[:12]}…: {e}")
                if not secrets:
                    with receiver.lock:
                        receiver.failures.append(f"{self.path}: no secret known")
                with receiver.lock:
                    receiver.hits.append((self.path, headers.get("webhook-id"), status, body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.port = self.server.server_address[1]


def start(binary, db):
    env = dict(os.environ, STRIKELEDGER_DB=db)  # a postgres:// URL stays off the command line
    proc = subprocess.Popen([binary, "serve", "--port", "0", "--allow-private-webhooks",
                             "--webhook-retry-delays", "0.2,0.5,1"],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        m = re.search(r"listening on http://[^ ]*:(\d+)", line)
        if m:
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
            return proc, int(m.group(1))
    sys.exit("webhooks: FAIL: the server did not start")


def call(port, method, path, key, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {key}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, (json.loads(data) if data and r.getheader("Content-Type", "").startswith("application/") else data)


def wait(what, condition, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    sys.exit(f"webhooks: FAIL: timed out waiting for {what}")


def admin_key(binary, db):
    return subprocess.check_output([binary, "keys", "create", "--name", "hooks-admin", "--role", "admin"],
                                   text=True, env=dict(os.environ, STRIKELEDGER_DB=db)).strip()


def two_processes(binary, db, receiver, events=50):
    key = admin_key(binary, db)
    servers = [start(binary, db), start(binary, db)]
    try:
        ports = [port for _, port in servers]
        status, sub = call(ports[0], "POST", "/v1/subscriptions", key, {"url": f"http://127.0.0.1:{receiver.port}/pg"})
        assert status == 201, sub
        receiver.secrets["/pg"] = [sub["secret"]]
        status, strike = call(ports[1], "POST", "/v1/strikes", key, {"city": "Odesa", "occurred_at": "2025-10-10T02:30:00Z"})
        assert status == 201, strike
        for n in range(events):
            status, r = call(ports[n % 2], "POST", f"/v1/strikes/{strike['id']}/revisions", key,
                             {"killed": n, "reported_at": "2025-10-10T03:00:00Z", "source": {"name": "CI", "kind": "other"}})
            assert status == 201, r
        ids = lambda: [i for p, i, _, _ in list(receiver.hits) if p == "/pg"]
        wait("every delivery on PostgreSQL", lambda: len(set(ids())) == events)
        time.sleep(1)  # room for a duplicate to show, were there one
        got = ids()
        seqs = [int(i.rsplit("_", 1)[1]) for i in got]
        assert len(got) == events and seqs == sorted(seqs), f"PostgreSQL: not exactly once, in order: {seqs}"
        sent = []
        for port in ports:
            metrics = call(port, "GET", "/metrics", key)[1].decode()
            sent.append(int(float(re.search(r"^strikeledger_webhook_deliveries (\S+)", metrics, re.M).group(1))))
        assert sum(sent) == events, sent
        print(f"webhooks: PostgreSQL, two servers: {events} events delivered exactly once, in order "
              f"(sent by each: {sent})")
    finally:
        for proc, _ in servers:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=15)


def main():
    binary, work = sys.argv[1], sys.argv[2]
    db = os.path.join(work, "webhooks.sqlite")
    key = admin_key(binary, db)
    receiver = Receiver()
    proc, port = start(binary, db)
    subs = {}
    for path, extra in [("/all", {}), ("/kyiv-revisions", {"city": "Kyiv", "types": ["revision"]})]:
        status, sub = call(port, "POST", "/v1/subscriptions", key,
                           {"url": f"http://127.0.0.1:{receiver.port}{path}", "description": f"CI {path}", **extra})
        assert status == 201, (status, sub)
        subs[path] = sub["id"]
        receiver.secrets[path] = [sub["secret"]]

    status, strike = call(port, "POST", "/v1/strikes", key, {"city": "Kyiv", "occurred_at": "2025-10-10T02:30:00Z"})
    assert status == 201, strike
    for n in range(EVENTS):
        status, r = call(port, "POST", f"/v1/strikes/{strike['id']}/revisions", key,
                         {"killed": n, "reported_at": "2025-10-10T03:00:00Z", "source": {"name": "CI", "kind": "other"}})
        assert status == 201, r
    wait("a failed attempt on each subscription",
         lambda: {p for p, _, s, _ in list(receiver.hits) if s == 503} == set(subs))
    metrics = call(port, "GET", "/metrics", key)[1].decode()
    queue = int(re.search(r"^strikeledger_webhook_queue_length (\d+)", metrics, re.M).group(1))
    print(f"webhooks: {queue} deliveries pending; kill -9")
    assert queue == 2 * EVENTS, queue
    before_kill = {(p, i) for p, i, _, _ in receiver.hits}
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    with receiver.lock:
        receiver.status = 204
    proc, port = start(binary, db)
    try:
        def delivered(path):
            return {i for p, i, s, _ in list(receiver.hits) if p == path and s == 204}
        wait("every delivery after the restart", lambda: all(len(delivered(p)) == EVENTS for p in subs))
        status, feed = call(port, "GET", f"/v1/changes?since=0&limit=1000", key)
        items = {item["seq"]: item for item in feed["items"]}
        for path, sid in subs.items():
            ok = [(i, json.loads(b)) for p, i, s, b in receiver.hits if p == path and s == 204]
            seqs = [int(i.rsplit("_", 1)[1]) for i, _ in ok]
            # At least once, in order: a repeat may follow itself, never come after a later event.
            distinct = [s for k, s in enumerate(seqs) if k == 0 or s != seqs[k - 1]]
            assert distinct == sorted(set(seqs)) and len(distinct) == EVENTS, f"{path}: out of order: {seqs}"
            for i, payload in ok:
                assert i == f"msg_{sid}_{payload['data']['seq']}", (i, payload["data"]["seq"])
                assert payload["type"] == "toll.revised", payload["type"]
                assert payload["data"] == items[payload["data"]["seq"]], f"{i}: data differs from the feed item"
            repeated = {i for p, i in before_kill if p == path} & {i for i, _ in ok}
            assert repeated, f"{path}: no webhook-id seen before the kill came again"
            print(f"webhooks: {path}: {len(ok)} deliveries after the restart, in order; "
                  f"{len(repeated)} repeated with the same webhook-id")

        # A rotation: the old secret and the new one both sign.
        status, rotated = call(port, "POST", f"/v1/subscriptions/{subs['/all']}/rotate-secret", key, {})
        assert status == 200, rotated
        receiver.secrets["/all"].append(rotated["secret"])
        count = len(receiver.hits)
        status, r = call(port, "POST", f"/v1/strikes/{strike['id']}/revisions", key,
                         {"killed": 1000, "source": {"name": "CI", "kind": "other"}})
        assert status == 201, r
        wait("the delivery after the rotation", lambda: any(p == "/all" for p, _, _, _ in receiver.hits[count:]))
        status, page = call(port, "GET", f"/v1/subscriptions/{subs['/all']}/deliveries?limit=1", key)
        assert status == 200 and page["items"][0]["status"] in ("delivered", "pending"), page
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)

    if len(sys.argv) > 3:
        two_processes(binary, sys.argv[3], receiver)
    else:
        print("webhooks: PostgreSQL part SKIPPED (no STRIKELEDGER_TEST_POSTGRES)")

    if receiver.failures:
        print("webhooks: FAIL: signatures standardwebhooks refused:", *receiver.failures[:10], sep="\n  ")
        sys.exit(1)
    print(f"webhooks: {len(receiver.hits)} requests, every signature verified by standardwebhooks")


if __name__ == "__main__":
    main()
