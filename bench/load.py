#!/usr/bin/env python3
"""Loads the benchmark dataset into a running StrikeLedger server through its API.

20,000 strikes (default) over 8 cities and 3 years (2023-2025), each with 1-4
revisions, written as POST /v1/reports from several threads, each on its own
keep-alive connection. The first report of a strike creates it (the server must
run with a match window shorter than the 10-minute grid the strikes sit on, e.g.
`serve --match-window 60`); the strike's later reports name it by `strike_id`.

Kyiv gets exactly 20 strikes between KYIV_FROM and KYIV_TO (local dates,
inclusive): the range that the casualties benchmark asks for.

Usage: load.py BASE_URL KEY [--strikes N] [--threads T] [--seed S]
Prints one JSON line: strikes, reports, seconds, reports_per_s, kyiv_from, kyiv_to.
Exits non-zero if any report is refused.
"""
import argparse
import datetime as dt
import json
import random
import sys
import threading
import time

from keepalive import KeepAliveClient, iso

CITIES = ["Kyiv", "Kharkiv", "Odesa", "Sumy", "Dnipro", "Zaporizhzhia", "Lviv", "Kherson"]
SOURCES = [
    {"name": "Vitali Klitschko", "kind": "official"},
    {"name": "Volodymyr Zelensky", "kind": "official"},
    {"name": "State Emergency Service", "kind": "emergency_service"},
    {"name": "Air Force of Ukraine", "kind": "military"},
    {"name": "Ukrainska Pravda", "kind": "media"},
    {"name": "Suspilne", "kind": "media"},
    {"name": "Regional administration", "kind": "official"},
    {"name": "Local channel", "kind": "social"},
]
WEAPONS = ["drone", "missile", "guided_bomb", "rocket", "artillery"]
KYIV_FROM = dt.date(2025, 6, 1)
KYIV_TO = dt.date(2025, 6, 10)
KYIV_IN_RANGE = 20
START = dt.datetime(2023, 1, 1, tzinfo=dt.timezone.utc)
END = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
SLOT = 600  # seconds: strikes of one city sit on distinct 10-minute slots


def plan(n, rng):
    """Returns a list of strikes: (city, occurred_at, [revision dicts])."""
    slots = int((END - START).total_seconds()) // SLOT
    per_city = {c: n // len(CITIES) for c in CITIES}
    for c in CITIES[: n % len(CITIES)]:
        per_city[c] += 1
    # Kyiv local time is UTC+3 in June: keep a margin of a day around the range.
    lo = dt.datetime.combine(KYIV_FROM - dt.timedelta(days=1), dt.time(), dt.timezone.utc)
    hi = dt.datetime.combine(KYIV_TO + dt.timedelta(days=2), dt.time(), dt.timezone.utc)
    strikes = []
    for city in CITIES:
        want = per_city[city]
        fixed = []
        if city == "Kyiv":
            # Two a day, 03:00Z and 15:00Z (06:00 and 18:00 in Kyiv), on each date of the range.
            for d in range((KYIV_TO - KYIV_FROM).days + 1):
                day = dt.datetime.combine(KYIV_FROM + dt.timedelta(days=d), dt.time(), dt.timezone.utc)
                fixed += [day + dt.timedelta(hours=3), day + dt.timedelta(hours=15)]
            fixed = fixed[:KYIV_IN_RANGE]
        times = set(fixed)
        while len(times) < want:
            t = START + dt.timedelta(seconds=rng.randrange(slots) * SLOT)
            if city == "Kyiv" and lo <= t < hi:
                continue
            times.add(t)
        for t in sorted(times):
            k = rng.randint(1, 4)
            revs = []
            reported = t + dt.timedelta(minutes=rng.randint(10, 60))
            killed, injured = rng.randint(0, 5), rng.randint(0, 15)
            for i in range(k):
                rev = {"source": rng.choice(SOURCES), "reported_at": iso(reported)}
                if i == 0 or rng.random() < 0.7:
                    rev["killed"] = killed
                if i == 0 or rng.random() < 0.7:
                    rev["injured"] = injured
                revs.append(rev)
                reported += dt.timedelta(minutes=rng.randint(20, 600))
                killed += rng.randint(0, 3)
                injured += rng.randint(0, 6)
            strikes.append((city, t, revs, rng.choice(WEAPONS)))
    rng.shuffle(strikes)
    return strikes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("key")
    ap.add_argument("--strikes", type=int, default=20000)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--seed", type=int, default=2025)
    args = ap.parse_args()

    strikes = plan(args.strikes, random.Random(args.seed))
    lock = threading.Lock()
    nxt = [0]
    counts = {"reports": 0, "errors": 0}
    first_error = []

    def worker():
        c = KeepAliveClient(args.base, args.key)
        done = errors = 0
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= len(strikes):
                break
            city, t, revs, weapon = strikes[i]
            strike_id = None
            for j, rev in enumerate(revs):
                body = dict(rev)
                if strike_id is None:
                    body.update(city=city, occurred_at=iso(t), weapons=[{"kind": weapon}])
                else:
                    body["strike_id"] = strike_id
                status, payload = c.post("/v1/reports", body)
                done += 1
                if status != 201:
                    errors += 1
                    with lock:
                        if not first_error:
                            first_error.append((status, payload[:500], body))
                    break
                if strike_id is None:
                    answer = json.loads(payload)
                    if answer.get("matched"):
                        errors += 1  # the dataset needs a new strike here
                        with lock:
                            if not first_error:
                                first_error.append(("matched", payload[:300], body))
                    strike_id = answer["strike"]["id"]
        with lock:
            counts["reports"] += done
            counts["errors"] += errors

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(args.threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    secs = time.monotonic() - t0
    out = {"strikes": len(strikes), "reports": counts["reports"], "errors": counts["errors"],
           "seconds": round(secs, 1), "reports_per_s": round(counts["reports"] / secs, 1),
           "threads": args.threads,
           "kyiv_from": KYIV_FROM.isoformat(), "kyiv_to": KYIV_TO.isoformat()}
    print(json.dumps(out))
    if first_error:
        print("first error:", first_error[0], file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
