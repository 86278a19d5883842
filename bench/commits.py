#!/usr/bin/env python3
"""The one-commit-per-write ceiling of a disk: single-row INSERT transactions in a loop,
WAL journal, synchronous=FULL (as the server runs), for a fixed time.
Usage: commits.py DIR [SECONDS]   (DIR on the same file system as the server's database)
Prints one JSON line: commits, seconds, commits_per_s."""
import json, os, sqlite3, sys, tempfile, time

d = sys.argv[1] if len(sys.argv) > 1 else "."
secs = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
fd, path = tempfile.mkstemp(prefix="commit-ceiling-", suffix=".sqlite", dir=d)
os.close(fd)
os.remove(path)
try:
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute("PRAGMA synchronous=FULL")
    c.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
    # Warm up for a quarter of the time: the WAL grows to its steady size first.
    warm_end = time.monotonic() + secs / 4
    while time.monotonic() < warm_end:
        c.execute("BEGIN")
        c.execute("INSERT INTO t(v) VALUES ('warm-up')")
        c.execute("COMMIT")
    n = 0
    t0 = time.monotonic()
    end = t0 + secs
    while time.monotonic() < end:
        c.execute("BEGIN")
        c.execute("INSERT INTO t(v) VALUES (?)", ("revision %d" % n,))
        c.execute("COMMIT")
        n += 1
    elapsed = time.monotonic() - t0
    c.close()
    print(json.dumps({"commits": n, "seconds": round(elapsed, 2), "commits_per_s": round(n / elapsed, 1)}))
finally:
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
