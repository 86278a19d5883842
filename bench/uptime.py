#!/usr/bin/env python3
"""Months of uptime in minutes (issue 18): the mixed load of an operator's server, for N
minutes, against a running server, printing its resident memory every minute.

    python3 bench/uptime.py http://127.0.0.1:8080 "$EDITOR_KEY" --pid "$SERVER_PID" --minutes 30

Seeds a few hundred strikes, then runs, each on keep-alive connections of its own:
report writers, revision writers, a voider, a merger, a patcher (writes); casualties
and strikes readers; long-pollers (`wait=5`); one SSE reader of /v1/changes/stream.
Every minute it prints RSS (VmRSS of /proc/PID/status), the server's threads, the
requests answered in that minute and any 5xx; at the end, RSS(end) / RSS(5 min) (the
issue's target: within 1.25x, and under 128 MiB). A run shorter than 6 minutes prints
RSS(end) / RSS(1 min) instead, and says so. The key needs the editor role (voids,
merges, PATCHes). Python's stdlib only.
"""
import argparse
import datetime as dt
import http.client
import json
import random
import socket
import sys
import threading
import time
import urllib.parse

from keepalive import KeepAliveClient, iso

CITIES = ["Kyiv", "Kharkiv", "Odesa", "Sumy", "Dnipro", "Zaporizhzhia", "Lviv", "Kherson"]
SOURCES = [{"name": "Mayor's office", "kind": "official"}, {"name": "Regional administration", "kind": "official"},
           {"name": "Rescue service", "kind": "emergency_service"}, {"name": "Local newsroom", "kind": "media"}]
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


def rss_kib(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    return int(fields["VmRSS"][0]), int(fields["Threads"][0])


class Tally:
    """Requests answered, by status class, shared by every load thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.server_errors = 0
        self.first_error = None

    def count(self, status, what, payload=b""):
        with self.lock:
            self.requests += 1
            if status >= 500:
                self.server_errors += 1
                if self.first_error is None:
                    self.first_error = (status, what, payload[:300])

    def take(self):
        with self.lock:
            return self.requests, self.server_errors


class Ledger:
    """What the load threads share: strike ids and revision seqs they may act on."""

    def __init__(self):
        self.lock = threading.Lock()
        self.strikes = []
        self.revisions = []
        self.next_slot = 0

    def slot(self):
        # Each new report a few minutes after the last: within the match window some
        # reports match a strike of their city, others make a new one.
        with self.lock:
            self.next_slot += 1
            return EPOCH + dt.timedelta(minutes=7 * self.next_slot)

    def add(self, strike_id=None, seq=None):
        with self.lock:
            if strike_id is not None:
                self.strikes.append(strike_id)
            if seq is not None:
                self.revisions.append(seq)

    def some_strike(self, rng):
        with self.lock:
            return rng.choice(self.strikes) if self.strikes else None

    def take_revision(self, rng):
        with self.lock:
            if not self.revisions:
                return None
            i = rng.randrange(len(self.revisions))
            self.revisions[i], self.revisions[-1] = self.revisions[-1], self.revisions[i]
            return self.revisions.pop()


def new_report(ledger, rng):
    return {"city": rng.choice(CITIES), "occurred_at": iso(ledger.slot()), "source": rng.choice(SOURCES),
            "killed": rng.randint(0, 5), "injured": rng.randint(0, 12)}


def seed(base, key, tally, ledger, strikes):
    c = KeepAliveClient(base, key, tally.count)
    rng = random.Random(18)
    for _ in range(strikes):
        status, payload = c.request("POST", "/v1/reports", new_report(ledger, rng))
        if status != 201:
            sys.exit(f"uptime: seeding failed: {status} {payload[:300]!r}")
        answer = json.loads(payload)
        ledger.add(answer["strike"]["id"], answer["revision"]["seq"])


def report_writer(c, ledger, rng):
    if rng.random() < 0.5:
        body = new_report(ledger, rng)
    else:
        sid = ledger.some_strike(rng)
        body = {"strike_id": sid, "source": rng.choice(SOURCES), "killed": rng.randint(0, 9)}
    status, payload = c.request("POST", "/v1/reports", body)
    if status == 201:
        answer = json.loads(payload)
        ledger.add(answer["strike"]["id"], answer["revision"]["seq"])


def revision_writer(c, ledger, rng):
    sid = ledger.some_strike(rng)
    status, payload = c.request("POST", f"/v1/strikes/{sid}/revisions",
                                {"killed": rng.randint(0, 9), "injured": rng.randint(0, 20), "source": rng.choice(SOURCES),
                                 "note": "revised " * rng.randint(1, 20)})
    if status == 201:
        ledger.add(seq=json.loads(payload)["revision"]["seq"])


def voider(c, ledger, rng):
    seq = ledger.take_revision(rng)
    if seq is not None:
        c.request("POST", f"/v1/revisions/{seq}/void", {"reason": "a duplicate of another statement"})
    time.sleep(0.05)


def merger(c, ledger, rng):
    ids = []
    for _ in range(2):
        status, payload = c.request("POST", "/v1/strikes", {"city": rng.choice(CITIES), "occurred_at": iso(ledger.slot())})
        if status == 201:
            ids.append(json.loads(payload)["id"])
    if len(ids) == 2:
        c.request("POST", f"/v1/strikes/{ids[0]}/merge", {"into": ids[1]})
        ledger.add(ids[1])
    time.sleep(0.05)


def patcher(c, ledger, rng):
    sid = ledger.some_strike(rng)
    c.request("PATCH", f"/v1/strikes/{sid}", {"description": "damage to " + "a block of flats, " * rng.randint(1, 30)})


def casualties_reader(c, ledger, rng):
    start = EPOCH.date() + dt.timedelta(days=rng.randrange(0, 60))
    end = start + dt.timedelta(days=rng.choice([0, 1, 6, 30]))
    c.request("GET", f"/v1/casualties?city={rng.choice(CITIES)}&from={start}&to={end}")


def strikes_reader(c, ledger, rng):
    if rng.random() < 0.5:
        c.request("GET", f"/v1/strikes?city={rng.choice(CITIES)}&limit={rng.choice([10, 50, 100])}")
    else:
        c.request("GET", f"/v1/strikes/{ledger.some_strike(rng)}")


def long_poller(c, ledger, rng, state={}):
    since = state.get(id(c), 0)
    status, payload = c.request("GET", f"/v1/changes?since={since}&limit=100&wait=5", timeout=30)
    if status == 200:
        state[id(c)] = json.loads(payload)["next_since"]


def sse_reader(base, tally, stop, counts):
    """Reads the event stream as fast as it comes, reconnecting with Last-Event-ID."""
    u = urllib.parse.urlsplit(base)
    last = None
    while not stop.is_set():
        try:
            s = socket.create_connection((u.hostname, u.port), timeout=5)
            head = f"GET /v1/changes/stream HTTP/1.1\r\nHost: {u.hostname}\r\n"
            if last is not None:
                head += f"Last-Event-ID: {last}\r\n"
            s.sendall((head + "\r\n").encode())
            pending = b""
            while not stop.is_set():
                try:
                    data = s.recv(65536)
                except socket.timeout:
                    continue
                if not data:
                    break
                pending += data
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    if line.startswith(b"id: "):
                        last = int(line[4:])
                        counts["events"] += 1
            s.close()
        except OSError:
            time.sleep(0.5)
        counts["reconnects"] += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("base")
    ap.add_argument("key", help="an editor key")
    ap.add_argument("--pid", type=int, required=True, help="the server's process id")
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--seed-strikes", type=int, default=500)
    ap.add_argument("--label", default="", help="a name printed on every line (for side-by-side runs)")
    args = ap.parse_args()

    tally, ledger = Tally(), Ledger()
    seed(args.base, args.key, tally, ledger, args.seed_strikes)
    rss0, threads0 = rss_kib(args.pid)
    label = f"{args.label} " if args.label else ""
    print(f"{label}seeded {args.seed_strikes} strikes: RSS {rss0 / 1024:.1f} MiB, {threads0} threads", flush=True)

    stop = threading.Event()
    roles = [(report_writer, 3), (revision_writer, 2), (voider, 1), (merger, 1), (patcher, 1),
             (casualties_reader, 3), (strikes_reader, 2), (long_poller, 4)]

    def loop(role, n):
        c = KeepAliveClient(args.base, args.key, tally.count)
        rng = random.Random(f"{role.__name__}{n}")
        while not stop.is_set():
            try:
                role(c, ledger, rng)
            except (OSError, http.client.HTTPException, ValueError, KeyError) as e:
                tally.count(599, f"{role.__name__}: {e}")
                time.sleep(0.2)

    threads = [threading.Thread(target=loop, args=(role, n), daemon=True) for role, count in roles for n in range(count)]
    stream_counts = {"events": 0, "reconnects": 0}
    threads.append(threading.Thread(target=sse_reader, args=(args.base, tally, stop, stream_counts), daemon=True))
    for t in threads:
        t.start()

    started = time.monotonic()
    samples = {}
    minute = 0
    total_requests = 0
    while minute < args.minutes:
        minute += 1
        time.sleep(max(0.0, started + 60 * min(minute, args.minutes) - time.monotonic()))
        rss, nthreads = rss_kib(args.pid)
        samples[minute] = rss
        requests, errors = tally.take()
        print(f"{label}minute {minute:3d}: RSS {rss / 1024:6.1f} MiB, {nthreads} threads, "
              f"{requests - total_requests} requests, {errors} 5xx so far, {stream_counts['events']} events streamed",
              flush=True)
        total_requests = requests
    stop.set()

    end = samples[max(samples)]
    base_minute = 5 if max(samples) >= 6 else 1
    ratio = end / samples[base_minute]
    requests, errors = tally.take()
    print(f"{label}end: RSS {end / 1024:.1f} MiB after {max(samples)} min; RSS(5 min) "
          f"{samples.get(5, 0) / 1024:.1f} MiB; ratio RSS(end)/RSS({base_minute} min) = {ratio:.2f}"
          + ("" if base_minute == 5 else " (a run under 6 minutes: measured against minute 1)"), flush=True)
    print(f"{label}requests {requests}, 5xx {errors}, events streamed {stream_counts['events']}", flush=True)
    if tally.first_error:
        print(f"{label}first 5xx: {tally.first_error}", flush=True)


if __name__ == "__main__":
    main()
