#!/usr/bin/env python3
"""Helpers of 40-crash-durability.sh.

  crash.py write HOST PORT KEY ACKS ROUND   8 writers POST reports (each a new strike with
                                            its own figures) until the server goes away;
                                            every 201 is appended to ACKS as JSON lines
  crash.py check HOST PORT ACKS             every acknowledged revision is in the changes
                                            feed and its strike's history; seqs are 1..head
  crash.py integrity DB                     PRAGMA integrity_check (server stopped) is ok
"""
import datetime
import http.client
import json
import sqlite3
import sys
import threading
import time

WRITERS = 8
PER_WRITER = 2500        # reports one writer may send in one round (bounds the loop)
ROUND_SPAN = WRITERS * PER_WRITER
CITIES = ["Kyiv", "Kharkiv", "Odesa", "Dnipro", "Lviv", "Zaporizhzhia", "Sumy", "Poltava"]
EPOCH = datetime.datetime(2001, 1, 1, tzinfo=datetime.timezone.utc)


def report(n):
    # 8 cities, 7 h apart within a city (> the 6 h match window): every report is a new strike.
    city = CITIES[n % len(CITIES)]
    occurred = EPOCH + datetime.timedelta(hours=7 * (n // len(CITIES)))
    return {
        "city": city,
        "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "reported_at": (occurred + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source": {"name": f"crash writer {n % WRITERS}", "kind": "other"},
        "killed": n % 100000,
        "injured": (n * 7) % 100000,
        "note": f"crash test report {n}",
    }


def write(host, port, key, acks_path, round_no, max_seconds=15.0):
    lock = threading.Lock()
    counts = {"acked": 0, "errors": 0}
    acks = open(acks_path, "a")
    deadline = time.monotonic() + max_seconds

    def writer(w):
        conn = http.client.HTTPConnection(host, port, timeout=10)
        for i in range(PER_WRITER):
            if time.monotonic() > deadline:
                break
            n = round_no * ROUND_SPAN + w * PER_WRITER + i
            body = json.dumps(report(n))
            try:
                conn.request("POST", "/v1/reports", body=body, headers={
                    "Authorization": f"Bearer {key}", "Content-Type": "application/json"})
                r = conn.getresponse()
                data = r.read()
            except (OSError, http.client.HTTPException):
                break  # the server was killed: this write is not acknowledged
            if r.status != 201:
                with lock:
                    counts["errors"] += 1
                print(f"crash: writer {w}: report {n} answered {r.status}: {data[:200]!r}", file=sys.stderr)
                break
            answer = json.loads(data)
            rev = answer["revision"]
            line = {"n": n, "seq": rev["seq"], "strike_id": answer["strike"]["id"],
                    "killed": rev["killed"], "injured": rev["injured"]}
            with lock:
                acks.write(json.dumps(line) + "\n")
                acks.flush()
                counts["acked"] += 1
        conn.close()

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    acks.close()
    print(f"crash: round {round_no}: {counts['acked']} writes acknowledged before the kill")
    if counts["errors"]:
        sys.exit(f"crash: {counts['errors']} writes answered other than 201")


def get_json(conn, path):
    conn.request("GET", path)
    r = conn.getresponse()
    data = r.read()
    if r.status != 200:
        raise SystemExit(f"crash: GET {path} answered {r.status}: {data[:200]!r}")
    return json.loads(data)


def check(host, port, acks_path):
    acks = [json.loads(line) for line in open(acks_path) if line.strip()]
    conn = http.client.HTTPConnection(host, port, timeout=30)
    feed, since = {}, 0
    for _ in range(100000):
        page = get_json(conn, f"/v1/changes?since={since}&limit=1000")
        for item in page["items"]:
            feed[item["seq"]] = item
        if not page["items"]:
            head = page["next_since"]
            break
        since = page["next_since"]
    seqs = sorted(feed)
    problems = []
    consecutive = seqs == list(range(1, len(seqs) + 1))
    if not consecutive:
        missing = sorted(set(range(1, (seqs[-1] if seqs else 0) + 1)) - set(seqs))
        problems.append(f"gaps in the feed's seq: {missing[:20]}")
    if seqs and head != seqs[-1]:
        problems.append(f"next_since {head} is not the last seq {seqs[-1]}")
    lost = []
    for a in acks:
        item = feed.get(a["seq"])
        rev = item and item.get("revision")
        if not rev or rev["strike_id"] != a["strike_id"] or rev["killed"] != a["killed"] or rev["injured"] != a["injured"]:
            lost.append(a)
    # The strike's own history too, for a sample (every 25th ack, and the last ones).
    sample = acks[::25] + acks[-8:]
    for a in sample:
        history = get_json(conn, f"/v1/strikes/{a['strike_id']}/revisions?limit=500")
        if not any(r["seq"] == a["seq"] and r["killed"] == a["killed"] for r in history["items"]):
            lost.append(dict(a, where="strike history"))
    conn.close()
    if lost:
        problems.append(f"{len(lost)} acknowledged revisions missing or changed, e.g. {lost[:3]}")
    print(f"crash: checked {len(acks)} acknowledged writes against a feed of {len(seqs)} events "
          f"(seq 1..{head}, {'consecutive' if consecutive else 'WITH GAPS'}); "
          f"{len(sample)} strike histories read")
    if problems:
        for p in problems:
            print("crash: FAIL:", p)
        sys.exit(1)


def integrity(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    result = [row[0] for row in con.execute("PRAGMA integrity_check")]
    con.close()
    print(f"crash: PRAGMA integrity_check: {', '.join(result[:5])}")
    if result != ["ok"]:
        sys.exit(1)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "write":
        write(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6]))
    elif cmd == "check":
        check(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif cmd == "integrity":
        integrity(sys.argv[2])
    else:
        sys.exit(__doc__)
