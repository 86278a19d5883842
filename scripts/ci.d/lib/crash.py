#!/usr/bin/env python3
"""Helpers of 40-crash-durability.sh.

  crash.py write HOST PORT KEY ACKS ROUND   8 writers POST reports (each a new strike with
                                            its own figures) until the server goes away;
                                            every 201 is appended to ACKS as JSON lines
  crash.py check HOST PORT ACKS             every acknowledged revision is in the changes
                                            feed and its strike's history; seqs are 1..head
  crash.py integrity DB                     with the server stopped: on a SQLite file, PRAGMA
                                            integrity_check is ok; on a postgres:// URL, the
                                            feed and the indexes are sound (see integrity_postgres)
"""
import datetime
import http.client
import json
import sqlite3
import subprocess
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


def psql(url, sql):
    """One query through psql (the stdlib has no PostgreSQL client): rows of |-separated text."""
    out = subprocess.run(["psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise SystemExit(f"crash: psql failed ({out.returncode}): {out.stderr.strip()}")
    return [line.split("|") for line in out.stdout.splitlines() if line]


def integrity_postgres(url):
    """The server was killed, the database was not. Checks: no session of the killed server
    is left (none in a transaction holding the feed's lock), the feed is seqs 1..head with
    feed_head.seq = max(seq), every revision event has its revision row and no revision
    lacks its event, and amcheck's bt_index_check (heapallindexed) passes on every B-tree
    index of the database, as PRAGMA integrity_check does for SQLite."""
    problems = []
    # The killed server's backends notice its sockets closed and end (rolling back).
    deadline = time.monotonic() + 10
    while True:
        left = psql(url, "SELECT pid, state, xact_start IS NOT NULL FROM pg_stat_activity "
                         "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if left:
        problems.append(f"{len(left)} sessions of the killed server still open after 10 s: {left[:5]}")
    head, max_seq, count = (int(v) for v in psql(url, """
        SELECT (SELECT seq FROM feed_head), COALESCE(MAX(seq), 0), COUNT(*) FROM change_events""")[0])
    if not head == max_seq == count:
        problems.append(f"feed_head.seq {head}, max(seq) {max_seq}, {count} events: not 1..head without a gap")
    orphans = psql(url, """
        SELECT (SELECT COUNT(*) FROM change_events e WHERE e.type = 'revision'
                  AND NOT EXISTS (SELECT 1 FROM revisions r WHERE r.seq = e.seq)),
               (SELECT COUNT(*) FROM revisions r WHERE NOT EXISTS
                  (SELECT 1 FROM change_events e WHERE e.seq = r.seq AND e.type = 'revision'))""")[0]
    if orphans != ["0", "0"]:
        problems.append(f"{orphans[0]} revision events without a revision, {orphans[1]} revisions without their event")
    psql(url, "CREATE EXTENSION IF NOT EXISTS amcheck")
    checked = psql(url, """
        SELECT COUNT(*) FROM (SELECT bt_index_check(c.oid, true)
          FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
          JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE a.amname = 'btree' AND n.nspname = 'public' AND c.relpersistence <> 't') AS checks""")[0][0]
    print(f"crash: PostgreSQL: no session left; feed_head.seq {head} = max(seq) = {count} events; "
          f"revisions and their events pair up; amcheck: {checked} B-tree indexes sound")
    if problems:
        for p in problems:
            print("crash: FAIL:", p)
        sys.exit(1)


def integrity(db):
    if db.startswith(("postgres://", "postgresql://")):
        return integrity_postgres(db)
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
