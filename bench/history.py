#!/usr/bin/env python3
"""Does a write cost the same at any history? (issue 13)

Appends N revisions (default 4,000) to ONE strike through POST /v1/strikes/{id}/revisions
from one client on one keep-alive connection, and times them in blocks (default 500):
the mean milliseconds per revision of each block. Then voids one revision and merges
a second strike into the first, timing each against the long history, and appends the
same number of revisions spread over new strikes (one each) as the flat yardstick.

Usage: history.py BASE_URL KEY [-n 4000] [--block 500]
KEY needs the editor role (void and merge). Prints one JSON line:
  one_strike_ms: [mean ms per revision, block by block]
  new_strikes_ms: [the same, each revision on a strike of its own]
  last_over_first: the last block's mean over the first's (the target is < 1.5)
  void_ms, merge_ms: one void and one merge on the strike holding the long history,
  void_ms_fresh, merge_ms_fresh: the same on a strike with one revision.
"""
import argparse
import http.client
import json
import sys
import time
import urllib.parse


class Client:
    def __init__(self, base, key):
        u = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        self.headers = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}

    def post(self, path, body):
        self.conn.request("POST", path, body=json.dumps(body), headers=self.headers)
        r = self.conn.getresponse()
        data = r.read()
        if r.status not in (200, 201):
            sys.exit(f"POST {path} answered {r.status}: {data[:300]!r}")
        return json.loads(data)


def strike(c, minute):
    # Strikes in 2019-2020 (outside the bench dataset), a minute apart.
    t = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1546300800 + minute * 60))
    return c.post("/v1/strikes", {"city": "Odesa", "occurred_at": t})["id"]


def revision(c, sid, i):
    t = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1546300800 + i))
    return c.post(f"/v1/strikes/{sid}/revisions",
                  {"killed": i % 50, "injured": i % 70, "reported_at": t,
                   "source": {"name": f"History bench {i % 7}", "kind": "media"}})


def timed(f):
    t0 = time.perf_counter()
    r = f()
    return (time.perf_counter() - t0) * 1000, r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("key")
    ap.add_argument("-n", type=int, default=4000)
    ap.add_argument("--block", type=int, default=500)
    a = ap.parse_args()
    c = Client(a.base, a.key)
    base_minute = int(time.time()) % 500000  # distinct strikes on each run

    long_id = strike(c, base_minute)
    one, block, first_seq = [], [], None
    for i in range(a.n):
        ms, r = timed(lambda: revision(c, long_id, i))
        if first_seq is None:
            first_seq = r["revision"]["seq"]
        block.append(ms)
        if len(block) == a.block:
            one.append(round(sum(block) / len(block), 3)); block = []

    flat, block = [], []
    for i in range(a.n):
        sid = strike(c, base_minute + 1 + i)
        ms, _ = timed(lambda: revision(c, sid, i))
        block.append(ms)
        if len(block) == a.block:
            flat.append(round(sum(block) / len(block), 3)); block = []

    # A void and a merge against the long history, and against a fresh strike.
    void_ms, _ = timed(lambda: c.post(f"/v1/revisions/{first_seq}/void", {"reason": "history bench"}))
    fresh = strike(c, base_minute + a.n + 5)
    fresh_rev = revision(c, fresh, 1)
    fresh_seq = fresh_rev["revision"]["seq"]
    void_fresh_ms, _ = timed(lambda: c.post(f"/v1/revisions/{fresh_seq}/void", {"reason": "history bench"}))
    other = strike(c, base_minute + a.n + 6)
    revision(c, other, 2)
    merge_ms, _ = timed(lambda: c.post(f"/v1/strikes/{other}/merge", {"into": long_id}))
    fresh_target = strike(c, base_minute + a.n + 7)
    revision(c, fresh_target, 3)
    other2 = strike(c, base_minute + a.n + 8)
    revision(c, other2, 4)
    merge_fresh_ms, _ = timed(lambda: c.post(f"/v1/strikes/{other2}/merge", {"into": fresh_target}))

    print(json.dumps({
        "revisions": a.n, "block": a.block,
        "one_strike_ms": one, "new_strikes_ms": flat,
        "last_over_first": round(one[-1] / one[0], 2) if one and one[0] else None,
        "void_ms": round(void_ms, 2), "void_ms_fresh": round(void_fresh_ms, 2),
        "merge_ms": round(merge_ms, 2), "merge_ms_fresh": round(merge_fresh_ms, 2),
    }))


if __name__ == "__main__":
    main()
