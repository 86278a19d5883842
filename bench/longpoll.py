#!/usr/bin/env python3
"""Long-poll benchmark (issue 5): hold N long-polls, commit one revision, time the wake-up.

1. reads the feed's head and the server's RSS (VmRSS of --pid);
2. opens N keep-alive connections on loopback (non-blocking, selectors, at most
   --burst connects in flight) and sends `GET /v1/changes?since=<head>&wait=60` on each;
3. waits until /metrics reports N held polls (strikeledger_held_polls), reads RSS again;
4. commits one revision through POST /v1/reports, and times, per connection, the
   span from the POST's answer to the complete answer of that poll;
5. prints p50, p99, max, how many woke within 1 s, and RSS before, held and after.

Stops by itself: every phase has a deadline (the whole run is bounded by --deadline).
Usage: longpoll.py BASE_URL KEY --pid SERVER_PID [-n 10000]
Prints a human summary on stderr and one JSON line on stdout.
"""
import argparse
import errno
import http.client
import json
import resource
import selectors
import socket
import sys
import threading
import time
import urllib.parse


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def get(host, port, path, headers=None):
    c = http.client.HTTPConnection(host, port, timeout=10)
    c.request("GET", path, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, dict(r.getheaders()), body


def held_polls(host, port):
    _, _, body = get(host, port, "/metrics")
    for line in body.decode().splitlines():
        if line.startswith("strikeledger_held_polls"):
            return int(float(line.split()[-1]))
    return -1


def pct(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


class Poll:
    __slots__ = ("sock", "out", "buf", "state", "done_at", "status", "need")

    def __init__(self, sock, request):
        self.sock = sock
        self.out = request
        self.buf = bytearray()
        self.state = "connecting"
        self.done_at = None
        self.status = None
        self.need = None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("key")
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("-n", type=int, default=10000)
    ap.add_argument("--burst", type=int, default=256, help="connects in flight at once")
    ap.add_argument("--deadline", type=float, default=150, help="seconds for the whole run")
    args = ap.parse_args()
    deadline = time.monotonic() + args.deadline

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, args.n + 256) if hard != resource.RLIM_INFINITY else args.n + 256
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    n = min(args.n, want - 64)
    if n < args.n:
        print(f"file limit {hard}: holding {n} polls, not {args.n}", file=sys.stderr)

    u = urllib.parse.urlsplit(args.base)
    host, port = u.hostname, u.port
    _, _, body = get(host, port, "/v1/changes?since=0&limit=1")
    first = json.loads(body)
    # A since past every item gives no items; next_since is then the head.
    _, hdrs, body = get(host, port, "/v1/changes?since=%d&limit=1000" % max(0, first["next_since"]))
    head = first["next_since"]
    while True:
        page = json.loads(body)
        if not page["items"]:
            head = page["next_since"]
            break
        head = page["next_since"]
        _, _, body = get(host, port, "/v1/changes?since=%d&limit=1000" % head)

    rss_before = rss_kib(args.pid)
    request = (f"GET /v1/changes?since={head}&wait=60 HTTP/1.1\r\nHost: {host}:{port}\r\n"
               "Accept: application/json\r\n\r\n").encode()

    sel = selectors.DefaultSelector()
    polls = []
    connecting = 0
    sent = 0
    refused = 0
    t_open = time.monotonic()

    def start_one():
        nonlocal connecting, refused
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        rc = s.connect_ex((host, port))
        if rc not in (0, errno.EINPROGRESS):
            refused += 1
            s.close()
            return
        p = Poll(s, request)
        polls.append(p)
        connecting += 1
        sel.register(s, selectors.EVENT_WRITE, p)

    def on_readable(p, now):
        try:
            chunk = p.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            p.state = "closed"
            p.done_at = p.done_at or now
            sel.unregister(p.sock)
            return
        p.buf += chunk
        if p.need is None:
            end = p.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head_text = bytes(p.buf[:end]).decode("latin-1")
            p.status = int(head_text.split(" ", 2)[1])
            length = 0
            for line in head_text.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            p.need = end + 4 + length
        if len(p.buf) >= p.need:
            p.state = "answered"
            p.done_at = now
            sel.unregister(p.sock)

    def pump(timeout):
        nonlocal connecting, sent
        for key, ev in sel.select(timeout):
            p = key.data
            now = time.monotonic()
            if p.state == "connecting" and ev & selectors.EVENT_WRITE:
                err = p.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                connecting -= 1
                if err:
                    p.state = "closed"
                    p.done_at = now
                    sel.unregister(p.sock)
                    continue
                try:
                    p.sock.send(p.out)  # small; fits the empty send buffer at once
                except OSError:
                    p.state = "closed"
                    p.done_at = now
                    sel.unregister(p.sock)
                    continue
                p.state = "sent"
                sent += 1
                sel.modify(p.sock, selectors.EVENT_READ, p)
            elif ev & selectors.EVENT_READ:
                on_readable(p, now)

    # Open and send, at most --burst connects in flight.
    while len(polls) < n and time.monotonic() < deadline:
        while connecting < args.burst and len(polls) < n:
            start_one()
        pump(0.05)
    while connecting > 0 and time.monotonic() < deadline:
        pump(0.05)
    t_sent = time.monotonic() - t_open

    # Wait until the server holds them all (or 30 s pass).
    held = -1
    wait_until = min(deadline, time.monotonic() + 30)
    last_check = 0.0
    while time.monotonic() < wait_until:
        pump(0.05)
        if time.monotonic() - last_check > 0.25:
            last_check = time.monotonic()
            held = held_polls(host, port)
            if held >= sent:
                break
    early = sum(1 for p in polls if p.state in ("answered", "closed"))
    rss_held = rss_kib(args.pid)

    # Commit one revision from another thread, while this one keeps reading.
    post_times = {}

    def post():
        c = http.client.HTTPConnection(host, port, timeout=30)
        body = json.dumps({"city": "Kyiv", "occurred_at": "2025-06-05T10:00:00Z",
                           "source": {"name": "Long-poll bench", "kind": "other"},
                           "killed": 1, "note": "long-poll benchmark"})
        post_times["sent"] = time.monotonic()
        c.request("POST", "/v1/reports", body, {"Authorization": "Bearer " + args.key,
                                                 "Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        post_times["answered"] = time.monotonic()
        post_times["status"] = r.status
        c.close()

    waiting = [p for p in polls if p.state == "sent"]
    th = threading.Thread(target=post)
    th.start()
    wake_deadline = min(deadline, time.monotonic() + 20)
    while time.monotonic() < wake_deadline:
        pump(0.05)
        if "answered" in post_times and all(p.state != "sent" for p in waiting):
            break
    th.join(timeout=max(0.1, deadline - time.monotonic()))
    rss_after = rss_kib(args.pid)

    t_answer = post_times.get("answered")
    lat = sorted(max(0.0, p.done_at - t_answer) for p in waiting
                 if p.state == "answered" and p.status == 200 and t_answer is not None)
    before_post_answer = sum(1 for p in waiting if p.state == "answered" and t_answer is not None
                             and p.done_at < t_answer)
    statuses = {}
    for p in waiting:
        key = str(p.status) if p.state == "answered" else p.state
        statuses[key] = statuses.get(key, 0) + 1
    within_1s = sum(1 for v in lat if v <= 1.0)

    for p in polls:
        p.sock.close()
    time.sleep(0.5)
    rss_closed = rss_kib(args.pid)

    ru = resource.getrusage(resource.RUSAGE_SELF)
    out = {
        "client_cpu_s": round(ru.ru_utime + ru.ru_stime, 2),
        "requested": args.n, "opened": len(polls), "sent": sent, "refused": refused,
        "held_per_metrics": held, "answered_before_post": early,
        "open_seconds": round(t_sent, 2),
        "post_status": post_times.get("status"),
        "post_ms": round((t_answer - post_times["sent"]) * 1000, 1) if t_answer else None,
        "woken": len(lat), "woken_within_1s": within_1s, "before_post_answer": before_post_answer,
        "statuses": statuses,
        "p50_ms": round(pct(lat, 50) * 1000, 1) if lat else None,
        "p99_ms": round(pct(lat, 99) * 1000, 1) if lat else None,
        "max_ms": round(lat[-1] * 1000, 1) if lat else None,
        "rss_before_mib": round(rss_before / 1024, 1),
        "rss_held_mib": round(rss_held / 1024, 1),
        "rss_after_wake_mib": round(rss_after / 1024, 1),
        "rss_after_close_mib": round(rss_closed / 1024, 1),
    }
    print(f"held {held} of {len(polls)} polls; RSS {out['rss_before_mib']} MiB before, "
          f"{out['rss_held_mib']} MiB held, {out['rss_after_wake_mib']} MiB after wake-up; "
          f"woken {len(lat)} (within 1 s: {within_1s}), p50 {out['p50_ms']} ms, p99 {out['p99_ms']} ms, "
          f"max {out['max_ms']} ms; statuses {statuses}", file=sys.stderr)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
