#!/usr/bin/env python3
"""Does a slow query stall the others? /healthz latency alone, then while other
clients loop a big casualties query, on one running server.

    bench/healthz-beside.py BASE [--slow PATH] [--seconds 5] [--loopers 1] [--rounds 3]

BASE is a server's URL (http://127.0.0.1:PORT). The slow query defaults to every city
over 366 days; each loop moves its end by a second, so the answer cache never serves it.
The loopers are processes of their own (not threads of this one), so the prober's
timings are not its own interpreter's waits. Each round measures alone, then beside
the loopers, the order flipped every round, and the table gives all samples together:

- one client: sequential GET /healthz on one keep-alive connection, as a load
  balancer's health check or a dashboard asks (the query's own latency, no queueing
  behind other clients);
- wrk -t1 -c16 (when wrk is installed): 16 connections asking as fast as they can.

Figures only; nothing is asserted.
"""
import argparse
import http.client
import multiprocessing
import shutil
import statistics
import subprocess
import time
import urllib.parse

SLOW = "/v1/casualties?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:%02dZ"


def connect(base):
    u = urllib.parse.urlsplit(base)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=60)


def loop_slow(base, path, stop_at, counter):
    conn = connect(base)
    n = 0
    while time.monotonic() < stop_at:
        conn.request("GET", path % (n % 60))
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            raise SystemExit(f"slow query answered {r.status}")
        n += 1
    with counter.get_lock():
        counter.value += n


def probe(base, seconds):
    """Sequential /healthz for `seconds`: the latencies in ms."""
    conn = connect(base)
    out = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t = time.perf_counter_ns()
        conn.request("GET", "/healthz")
        r = conn.getresponse()
        r.read()
        out.append((time.perf_counter_ns() - t) / 1e6)
        if r.status != 200:
            raise SystemExit(f"/healthz answered {r.status}")
    return out


def wrk_row(base, seconds):
    if not shutil.which("wrk"):
        return None
    text = subprocess.run(["wrk", "-t1", "-c16", f"-d{seconds}s", "--latency", base + "/healthz"],
                          capture_output=True, text=True).stdout
    row = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("50%", "99%"):
            v = parts[1]
            ms = float(v[:-2]) if v.endswith("ms") else float(v[:-2]) / 1000 if v.endswith("us") else float(v[:-1]) * 1000
            row[parts[0]] = ms
        if line.startswith("Requests/sec:"):
            row["rps"] = float(parts[1])
    return row


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("--slow", default=SLOW, help="the slow query's path; %%02d is replaced by a changing second")
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--loopers", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()

    c = connect(a.base)
    t = time.perf_counter()
    c.request("GET", a.slow % 59)
    r = c.getresponse()
    body = r.read()
    slow_ms = (time.perf_counter() - t) * 1000
    if r.status != 200:
        raise SystemExit(f"slow query answered {r.status}")

    probes = {"alone": [], "beside": []}
    wrks = {"alone": [], "beside": []}
    loops = multiprocessing.Value("i", 0)
    beside_seconds = 0
    for rnd in range(a.rounds):
        order = ["alone", "beside"] if rnd % 2 == 0 else ["beside", "alone"]
        for case in order:
            loopers = []
            if case == "beside":
                # Long enough for the probe and wrk, with a second's start on both.
                stop_at = time.monotonic() + 2 * a.seconds + 2
                loopers = [multiprocessing.Process(target=loop_slow, args=(a.base, a.slow, stop_at, loops))
                           for _ in range(a.loopers)]
                for p in loopers:
                    p.start()
                time.sleep(1)
                beside_seconds += 2 * a.seconds + 2
            probes[case] += probe(a.base, a.seconds)
            w = wrk_row(a.base, a.seconds)
            if w:
                wrks[case].append(w)
            for p in loopers:
                p.join()
                if p.exitcode != 0:
                    raise SystemExit("a looper failed")

    print(f"slow query: {a.slow % 59} ({len(body)} B, {slow_ms:.0f} ms alone); "
          f"{a.loopers} looping client(s): {loops.value} queries in {beside_seconds} s")
    print()
    print("| /healthz | requests | p50 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    for case in ("alone", "beside"):
        xs = probes[case]
        print(f"| one client, {case} | {len(xs)} | {statistics.median(xs):.2f} | {pct(xs, 0.99):.2f} | {max(xs):.2f} |")
    for case in ("alone", "beside"):
        ws = wrks[case]
        if ws:
            print(f"| wrk -t1 -c16, {case} (median of {len(ws)}) | {statistics.median(w['rps'] for w in ws):.0f} req/s "
                  f"| {statistics.median(w['50%'] for w in ws):.2f} | {statistics.median(w['99%'] for w in ws):.2f} | |")


if __name__ == "__main__":
    main()
