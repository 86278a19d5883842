#!/usr/bin/env python3
"""Helper of 75-postgres-restart.sh: PostgreSQL restarted under a running server.

usage: pg_restart.py PORT_A PORT_B KEY PG_DIR ACKS

Two writers POST reports and two readers GET strikes, casualties, the feed and /readyz
at a steady pace on server A, on keep-alive connections, while PostgreSQL goes away
twice: first stopped, down for 3 s and started again (PG_DIR/stop, PG_DIR/start), then
restarted at once (PG_DIR/restart, a fast shutdown). The servers are never touched.

Checks, for every request (all of them valid): the answer is a success or a 503 with a
Retry-After in seconds, never another status (no 500, and no 401 because the key could
not be looked up), never a connection dropped without an answer, never longer than
HANG_LIMIT; while the database is stopped requests get 503 (at least one is seen),
/readyz is 503 and no write is acknowledged. After each start the server recovers by
itself: a write is 201 and /readyz 200 again within RECOVERY_LIMIT, and every request
from SETTLE on succeeds. A long-poll held on A across each outage, filtered on a city
the writers leave alone, is answered by the first write in that city through server B
once the database is back (so A's LISTEN connection is back too), and new polls on A
and B are woken by a write through A.
Every 201 is appended to ACKS (crash.py's format) for `crash.py check` afterwards.
Prints the outage lengths and the recovery times.
"""
import datetime
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time

HOST = "127.0.0.1"
HANG_LIMIT = 5.0          # seconds: no ordinary request may take longer
RECOVERY_LIMIT = 10.0     # seconds after PostgreSQL is back: writes 201 and /readyz 200
SETTLE = 5.0              # seconds after PostgreSQL is back from which every request must succeed
WRITER_CITIES = ["Kyiv", "Kharkiv", "Odesa", "Sumy", "Dnipro"]
HELD_CITY = "Poltava"     # no writer writes here: a poll filtered on it waits for our write
EPOCH = datetime.datetime(2003, 1, 1, tzinfo=datetime.timezone.utc)
MAX_REQUESTS = 100000     # per worker, bounds the loops


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Log:
    """Every request: (start, end, worker, what, status or None, Retry-After, error)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.entries = []

    def add(self, *entry):
        with self.lock:
            self.entries.append(entry)


def call(conn, method, path, body=None, key=None):
    headers = {}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if key:
        headers["Authorization"] = f"Bearer {key}"
    conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    r = conn.getresponse()
    return r.status, r.getheader("Retry-After"), r.read()


def route(method, path):
    return f"{method} " + re.sub(r"/[0-9]+", "/{id}", path.split("?")[0])


class Worker(threading.Thread):
    def __init__(self, name, port, stop, log, requests):
        super().__init__(name=name)
        self.port, self.stop, self.log, self.requests = port, stop, log, requests

    def run(self):
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        for i in range(MAX_REQUESTS):
            if self.stop.is_set():
                break
            method, path, body, key, on_answer = self.requests(i)
            start = time.monotonic()
            try:
                status, retry_after, data = call(conn, method, path, body, key)
                end = time.monotonic()
                self.log.add(start, end, self.name, route(method, path), status, retry_after, None)
                if on_answer:
                    on_answer(status, data)
            except (OSError, http.client.HTTPException) as e:
                end = time.monotonic()
                self.log.add(start, end, self.name, route(method, path), None, None, repr(e))
                conn.close()
                conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
            # A steady pace, not a flood: the point is the outage, not throughput.
            time.sleep(max(0.0, 0.02 - (end - start)))
        conn.close()


def main():
    port, port_b, key, pg_dir, acks_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
    failures = []
    log = Log()
    stop = threading.Event()
    acks = open(acks_path, "a")
    acks_lock = threading.Lock()
    counter = iter(range(1, 10 ** 9))
    counter_lock = threading.Lock()
    strikes = []

    def next_n():
        with counter_lock:
            return next(counter)

    def writer_requests(w):
        def make(i):
            n = next_n()
            at = EPOCH + datetime.timedelta(hours=7 * n)
            body = {"city": WRITER_CITIES[n % len(WRITER_CITIES)], "occurred_at": iso(at),
                    "source": {"name": f"restart writer {w}", "kind": "other"},
                    "killed": n % 1000, "injured": (n * 7) % 1000, "note": f"restart test report {n}"}

            def on_answer(status, data):
                if status == 201:
                    a = json.loads(data)
                    rev = a["revision"]
                    with acks_lock:
                        acks.write(json.dumps({"n": n, "seq": rev["seq"], "strike_id": a["strike"]["id"],
                                               "killed": rev["killed"], "injured": rev["injured"]}) + "\n")
                        acks.flush()
                        if len(strikes) < 50:
                            strikes.append(a["strike"]["id"])
            return "POST", "/v1/reports", body, key, on_answer
        return make

    def reader_requests(r):
        def make(i):
            kind = (i + r) % 5
            if kind == 0:
                return "GET", "/readyz", None, None, None
            if kind == 1:
                return "GET", "/v1/strikes?limit=5", None, None, None
            if kind == 2:
                return "GET", f"/v1/changes?since={max(0, i * 3)}&limit=20", None, None, None
            if kind == 3:
                return "GET", "/v1/casualties?city=Kyiv&from=2003-01-01&to=2010-12-31", None, None, None
            if not strikes:
                return "GET", "/v1/strikes?limit=5", None, None, None
            return "GET", f"/v1/strikes/{strikes[i % len(strikes)]}", None, None, None
        return make

    workers = [Worker(f"writer{w}", port, stop, log, writer_requests(w)) for w in range(2)] + \
              [Worker(f"reader{r}", port, stop, log, reader_requests(r)) for r in range(2)]
    t0 = time.monotonic()
    for w in workers:
        w.start()

    def held_city_write(label, deadline, on_port):
        """POSTs a report in HELD_CITY to the server on `on_port` until one is 201 (the
        database may still be coming back); returns its seq and when it was acknowledged."""
        conn = http.client.HTTPConnection(HOST, on_port, timeout=30)
        try:
            while time.monotonic() < deadline:
                n = next_n()
                at = EPOCH - datetime.timedelta(days=n)
                try:
                    status, _, data = call(conn, "POST", "/v1/reports", {
                        "city": HELD_CITY, "occurred_at": iso(at), "source": {"name": "restart held poll", "kind": "other"},
                        "killed": 1}, key)
                except (OSError, http.client.HTTPException):
                    conn.close()
                    status, data = None, b""
                if status == 201:
                    a = json.loads(data)
                    with acks_lock:
                        acks.write(json.dumps({"n": n, "seq": a["revision"]["seq"], "strike_id": a["strike"]["id"],
                                               "killed": 1, "injured": None}) + "\n")
                        acks.flush()
                    return a["revision"]["seq"], time.monotonic()
                time.sleep(0.1)
            raise RuntimeError(f"{label}: no write in {HELD_CITY} was acknowledged in time")
        finally:
            conn.close()

    def feed_head():
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        since = 0
        try:
            for _ in range(100000):
                status, _, data = call(conn, "GET", f"/v1/changes?since={since}&limit=1000")
                if status != 200:
                    raise RuntimeError(f"GET /v1/changes answered {status}")
                page = json.loads(data)
                if not page["items"]:
                    return page["next_since"]
                since = page["next_since"]
        finally:
            conn.close()

    class HeldPoll(threading.Thread):
        def __init__(self, since, wait, on_port):
            super().__init__()
            self.since, self.wait, self.on_port, self.answer = since, wait, on_port, None

        def run(self):
            conn = http.client.HTTPConnection(HOST, self.on_port, timeout=self.wait + 15)
            try:
                status, _, data = call(conn, "GET", f"/v1/changes?city={HELD_CITY}&since={self.since}&wait={self.wait}")
                self.answer = (time.monotonic(), status, data)
            except (OSError, http.client.HTTPException) as e:
                self.answer = (time.monotonic(), None, repr(e).encode())
            finally:
                conn.close()

    def check_poll(label, poll, seq, acked):
        poll.join(10)
        if poll.is_alive():
            failures.append(f"{label}: the poll was not answered within 10 s of the write in {HELD_CITY} (seq {seq})")
            return None
        at, status, data = poll.answer
        if status != 200:
            failures.append(f"{label}: the poll answered {status}: {data[:200]!r}")
            return None
        items = json.loads(data)["items"]
        if [i["seq"] for i in items] != [seq]:
            failures.append(f"{label}: the poll answered seqs {[i['seq'] for i in items]}, expected [{seq}]")
            return None
        return max(0.0, at - acked)

    def pg(action):
        out = subprocess.run([os.path.join(pg_dir, action)], capture_output=True, text=True, timeout=90)
        if out.returncode != 0:
            raise RuntimeError(f"PostgreSQL {action} failed: {out.stdout}{out.stderr}")

    outages = []   # (label, down_at, back_at)
    try:
        time.sleep(2)
        for label, actions in (("stop, 3 s, start", ["stop", "sleep", "start"]), ("restart", ["restart"])):
            head = feed_head()
            held = HeldPoll(head, 60, port)
            held.start()
            time.sleep(0.5)
            if held.answer is not None:
                failures.append(f"{label}: the held poll answered before any write in {HELD_CITY}: {held.answer}")
            down_at = time.monotonic()
            dead = [None, None]      # PostgreSQL surely down: from stop's return to start's call
            for action in actions:
                if action == "sleep":
                    dead[0] = time.monotonic()
                    time.sleep(3)
                    dead[1] = time.monotonic()
                else:
                    pg(action)
            back_at = time.monotonic()
            outages.append((label, down_at, back_at, dead))
            print(f"restart: {label}: PostgreSQL away for {back_at - down_at:.2f} s "
                  f"(from the {actions[0]} command until {actions[-1]} returned)")
            # The poll held on A across the outage: answered by the first write in its city,
            # made through the other process (so A's LISTEN connection came back too).
            seq, acked = held_city_write(label, back_at + RECOVERY_LIMIT, port_b)
            latency = check_poll(f"{label}: poll held on A across the outage", held, seq, acked)
            if latency is not None:
                print(f"restart: {label}: the poll held on A across the outage was answered {latency * 1000:.0f} ms "
                      f"after a write through B ({acked - back_at:.2f} s after PostgreSQL was back)")
            # New polls on both processes, woken by a new write through A.
            fresh = [HeldPoll(seq, 10, port), HeldPoll(seq, 10, port_b)]
            for f in fresh:
                f.start()
            time.sleep(0.3)
            seq2, acked2 = held_city_write(label, time.monotonic() + RECOVERY_LIMIT, port)
            for name, f in zip("AB", fresh):
                latency = check_poll(f"{label}: new poll on {name} after the outage", f, seq2, acked2)
                if latency is not None:
                    print(f"restart: {label}: a new poll on {name} was woken {latency * 1000:.0f} ms after a write through A")
            time.sleep(SETTLE + 1)
    except (RuntimeError, OSError, http.client.HTTPException, subprocess.TimeoutExpired) as e:
        failures.append(str(e))
    finally:
        stop.set()
        for w in workers:
            w.join(60)
        acks.close()

    entries = sorted(log.entries)
    total_time = time.monotonic() - t0
    # Every request, wherever it fell: all are valid, so each gets its answer or a 503.
    dropped = [e for e in entries if e[4] is None]
    wrong = [e for e in entries if e[4] is not None and e[4] >= 400 and e[4] != 503]
    for what, found in (("got no answer (connection dropped or timed out)", dropped),
                        ("got an answer other than success or 503", wrong)):
        if found:
            kinds = {}
            for e in found:
                kinds[f"{e[3]} {e[4] or e[6]}"] = kinds.get(f"{e[3]} {e[4] or e[6]}", 0) + 1
            failures.append(f"{len(found)} requests {what}: {kinds}; the first at "
                            f"{found[0][0] - t0:.2f} s into the run")
    no_retry = [e for e in entries if e[4] == 503 and not (e[5] or "").strip().isdigit()]
    if no_retry:
        failures.append(f"{len(no_retry)} 503 answers without a Retry-After in seconds, e.g. {no_retry[:3]}")
    slow = [e for e in entries if e[1] - e[0] > HANG_LIMIT]
    if slow:
        failures.append(f"{len(slow)} requests took over {HANG_LIMIT} s, e.g. "
                        f"{[(round(e[0] - t0, 2), e[3], e[4], round(e[1] - e[0], 2)) for e in slow[:5]]}")
    first_down = outages[0][1] if outages else float("inf")
    before = [e for e in entries if e[1] < first_down]
    if any(e[4] is None or e[4] >= 300 for e in before):
        failures.append(f"requests failed before PostgreSQL went away: "
                        f"{[(e[3], e[4]) for e in before if e[4] is None or e[4] >= 300][:5]}")
    for n, (label, down_at, back_at, dead) in enumerate(outages):
        # The requests that ended from this outage's start until the next one's.
        end = outages[n + 1][1] if n + 1 < len(outages) else float("inf")
        window = [e for e in entries if down_at <= e[1] < end]
        during = [e for e in window if e[0] >= down_at and e[1] <= back_at]
        refused = [e for e in window if e[4] == 503]
        ok_writes = [e for e in window if e[3] == "POST /v1/reports" and e[4] == 201 and e[0] >= back_at]
        ready = [e for e in window if e[3] == "GET /readyz" and e[4] == 200 and e[0] >= back_at]
        surely_down = [e for e in window if dead[0] is not None and e[0] >= dead[0] and e[1] <= dead[1]]
        ready_down = [e for e in surely_down if e[3] == "GET /readyz"]
        lies = [e for e in surely_down if e[3] == "POST /v1/reports" and e[4] is not None and e[4] < 300]
        late = [e for e in window if e[0] >= back_at + SETTLE and (e[4] is None or e[4] >= 300)]
        first_write = ok_writes[0][1] - back_at if ok_writes else None
        first_ready = ready[0][1] - back_at if ready else None
        last_503 = refused[-1][1] - back_at if refused else None
        answers = {}
        for e in during:
            answers[f"{e[3]} {e[4] or 'dropped'}"] = answers.get(f"{e[3]} {e[4] or 'dropped'}", 0) + 1
        print(f"restart: {label}: {len(during)} requests while PostgreSQL was away: "
              + ", ".join(f"{k} x{v}" for k, v in sorted(answers.items())))
        print(f"restart: {label}: {len(refused)} answered 503 in all"
              + (f", the last {last_503:+.2f} s from PostgreSQL's return" if last_503 is not None else "")
              + "; recovered by itself: first 201 write "
              + (f"{first_write:+.2f} s" if first_write is not None else "NEVER")
              + ", first /readyz 200 " + (f"{first_ready:+.2f} s" if first_ready is not None else "NEVER")
              + " after PostgreSQL was back")
        if not refused and dead[0] is not None:
            failures.append(f"{label}: no request got a 503 while PostgreSQL was away for {back_at - down_at:.1f} s")
        if any(e[4] != 503 for e in ready_down):
            failures.append(f"{label}: /readyz answered {[e[4] for e in ready_down]} while PostgreSQL was stopped")
        if lies:
            failures.append(f"{label}: {len(lies)} writes were acknowledged while PostgreSQL was stopped")
        if first_write is None or first_write > RECOVERY_LIMIT:
            failures.append(f"{label}: no write was 201 within {RECOVERY_LIMIT} s of PostgreSQL's return")
        if first_ready is None or first_ready > RECOVERY_LIMIT:
            failures.append(f"{label}: /readyz was not 200 within {RECOVERY_LIMIT} s of PostgreSQL's return")
        if late:
            failures.append(f"{label}: {len(late)} requests failed more than {SETTLE} s after PostgreSQL's return, e.g. "
                            f"{[(round(e[0] - back_at, 2), e[3], e[4], e[6]) for e in late[:5]]}")
    writes = sum(1 for e in entries if e[3] == "POST /v1/reports" and e[4] == 201)
    print(f"restart: {len(entries)} requests in {total_time:.1f} s ({writes} writes acknowledged); "
          f"{sum(1 for e in entries if e[4] == 503)} answered 503, {len(wrong)} other errors, {len(dropped)} dropped, "
          f"{len(slow)} over {HANG_LIMIT} s")
    if failures:
        for f in failures:
            print("restart: FAIL:", f)
        sys.exit(1)


if __name__ == "__main__":
    main()
