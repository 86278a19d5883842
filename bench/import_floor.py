#!/usr/bin/env python3
"""The floor of `strikeledger import` on this machine: the rows a database imported by
`strikeledger import` holds (strikes, change_events, revisions, strike_statements,
import_keys), written again into an empty database of the same schema by a minimal
program, with the import's settings (WAL, synchronous FULL, a 16 MiB cache, foreign keys
on, statement journals in memory), in transactions of 2,000 rows.

usage: import_floor.py SOURCE.sqlite EMPTY.sqlite MODE [ROWS]
  SOURCE  a database `strikeledger import` wrote (the rows to write again)
  EMPTY   a database with the schema and no imported rows (copied, never changed)
  MODE    one    - one INSERT per table per row (executemany over the batch's rows)
          many   - 32-row INSERTs per table, as NewStrikeBatch writes them
          lookup - `many`, plus the import's two lookups a row (natural key, window)
          nofk   - `many` with foreign keys off (what their checks cost)
          blobkey - `many` with import_keys.key a 32-byte BLOB instead of 64 hex characters
          noidx2 - `many` without strikes_time and strikes_local_date (what two indexes cost)
          idxafter - `many` with the five tables' secondary indexes dropped first and made
                   again at the end (the time includes making them)
Prints rows, user and system CPU seconds of this process while writing, wall seconds, µs of user CPU a row.
"""
import os
import resource
import shutil
import sqlite3
import sys
import tempfile
import time

TABLES = {
    "strikes": ["id", "city_id", "occurred_at", "time_precision", "local_date", "latitude", "longitude", "weapons",
                "description", "damage", "created_at", "updated_at", "toll_killed", "toll_injured", "toll_as_of",
                "toll_revisions", "toll_killed_low", "toll_killed_high", "toll_injured_low", "toll_injured_high"],
    "change_events": ["seq", "type", "strike_id", "merged_strike_id", "merged_city_id", "revision_seq", "city_id",
                      "toll_killed", "toll_injured", "toll_as_of", "toll_revisions", "created_at", "attack_id"],
    "revisions": ["seq", "strike_id", "killed", "injured", "reported_at", "recorded_at", "source_id", "note"],
    "strike_statements": ["strike_id", "source_id", "killed", "killed_at", "killed_seq", "injured", "injured_at",
                          "injured_seq"],
    "import_keys": ["key", "strike_id", "revision_seq", "created_at"],
}
ORDER = {"strikes": "id", "change_events": "seq", "revisions": "seq", "strike_statements": "strike_id",
         "import_keys": "strike_id"}
BATCH, CHUNK = 2000, 32


def main():
    source, empty, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    limit = int(sys.argv[4]) if len(sys.argv) > 4 else None
    src = sqlite3.connect(source)
    rows = {}
    for t, cols in TABLES.items():
        q = f"SELECT {', '.join(cols)} FROM {t} ORDER BY {ORDER[t]}" + (f" LIMIT {limit}" if limit else "")
        rows[t] = src.execute(q).fetchall()
    n = len(rows["strikes"])
    assert all(len(r) == n for r in rows.values()), {t: len(r) for t, r in rows.items()}
    # The sources must exist for the foreign keys.
    sources = src.execute("SELECT * FROM sources").fetchall()
    work = tempfile.mkdtemp(prefix="import-floor.")
    path = os.path.join(work, "floor.sqlite")
    shutil.copy(empty, path)
    db = sqlite3.connect(path, isolation_level=None)
    for p in ("journal_mode = WAL", "synchronous = FULL", "cache_size = -16384",
              "foreign_keys = " + ("OFF" if mode == "nofk" else "ON"), "temp_store = MEMORY"):
        db.execute("PRAGMA " + p)
    secondary = [r for r in db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN "
        "('strikes', 'change_events', 'revisions', 'strike_statements', 'import_keys')")]
    if mode == "blobkey":
        db.execute("DROP TABLE import_keys")
        db.execute("CREATE TABLE import_keys (key BLOB PRIMARY KEY, strike_id INTEGER NOT NULL REFERENCES strikes(id), "
                   "revision_seq INTEGER, created_at INTEGER NOT NULL)")
        rows["import_keys"] = [(bytes.fromhex(r[0]),) + tuple(r[1:]) for r in rows["import_keys"]]
    if mode == "noidx2":
        db.execute("DROP INDEX strikes_time")
        db.execute("DROP INDEX strikes_local_date")
    db.execute("BEGIN")
    for s in sources:
        db.execute(f"INSERT OR IGNORE INTO sources VALUES ({', '.join('?' * len(s))})", s)
    db.execute("COMMIT")
    one = {t: f"INSERT INTO {t} ({', '.join(c)}) VALUES ({', '.join('?' * len(c))})" for t, c in TABLES.items()}
    many = {t: f"INSERT INTO {t} ({', '.join(c)}) VALUES " + ", ".join([f"({', '.join('?' * len(c))})"] * CHUNK)
            for t, c in TABLES.items()}
    keyq = "SELECT 1 FROM import_keys WHERE key = ?"  # (the `lookup` mode only)
    windowq = "SELECT 1 FROM strikes WHERE city_id = ? AND merged_into IS NULL AND occurred_at BETWEEN ? AND ?"
    window = 3600
    r0, wall0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    if mode == "idxafter":
        for name, _ in secondary:
            db.execute(f"DROP INDEX {name}")
    for b in range(0, n, BATCH):
        db.execute("BEGIN IMMEDIATE")
        end = min(b + BATCH, n)
        if mode == "one":
            for i in range(b, end):
                for t in TABLES:
                    db.execute(one[t], rows[t][i])
        else:
            for c in range(b, end, CHUNK):
                stop = min(c + CHUNK, end)
                if mode == "lookup":
                    for i in range(c, stop):
                        db.execute(keyq, (rows["import_keys"][i][0],)).fetchone()
                        s = rows["strikes"][i]
                        db.execute(windowq, (s[1], s[2] - window, s[2] + window)).fetchone()
                for t in TABLES:
                    if stop - c == CHUNK:
                        db.execute(many[t], [v for r in rows[t][c:stop] for v in r])
                    else:
                        for r in rows[t][c:stop]:
                            db.execute(one[t], r)
        db.execute("UPDATE feed_head SET seq = ?", (rows["change_events"][end - 1][0],))
        db.execute("COMMIT")
    if mode == "idxafter":
        db.execute("BEGIN IMMEDIATE")
        for _, sql in secondary:
            db.execute(sql)
        db.execute("COMMIT")
    r1, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter() - wall0
    user, system = r1.ru_utime - r0.ru_utime, r1.ru_stime - r0.ru_stime
    print(f"{mode}: {n} rows, user {user:.2f} s, system {system:.2f} s, wall {wall:.2f} s, "
          f"{user / n * 1e6:.1f} µs user a row, {n / wall:.0f} rows/s wall")
    db.close()
    shutil.rmtree(work)


main()
