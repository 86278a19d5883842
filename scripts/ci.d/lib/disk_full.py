"""A full disk said plainly (stage 45-disk-full): against a server whose SQLite database
lies on a small filesystem, with FILLER a file on it that can be removed to free space.

    disk_full.py HOST PORT KEY FILLER DB

1. POSTs strikes (each with a 4 KiB description) until the writes are refused: every
   refusal is 503 with Retry-After and a problem of type storage-full whose detail says
   the disk is full (never a 500); /readyz answers 503 with that reason; reads answer 200.
2. Removes FILLER: /readyz is 200 again by itself (its probe commits) before any
   write, then writes succeed again.
3. Every acknowledged (201) strike is served with its description.
Then, after the server has stopped, `disk_full.py integrity DB ACKS` checks
PRAGMA integrity_check and that every acknowledged strike is in the file.
"""
import http.client
import json
import os
import sqlite3
import sys
import time

STORAGE_FULL = "urn:strikeledger:problem:storage-full"
DESCRIPTION = "rubble on the stairwell; " * 160  # 4,000 bytes


def fail(message):
    print(f"disk-full: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


class Client:
    def __init__(self, host, port, key):
        self.host, self.port, self.key = host, port, key
        self.conn = http.client.HTTPConnection(host, port, timeout=30)

    def request(self, method, path, body=None):
        headers = {"Authorization": f"Bearer {self.key}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body)
        try:
            self.conn.request(method, path, body=body, headers=headers)
            r = self.conn.getresponse()
            data = r.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            raise
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data


def strike(i):
    minute = i % (24 * 60)
    day = 1 + i // (24 * 60)
    return {"city": "Kyiv", "occurred_at": f"2024-01-{day:02d}T{minute // 60:02d}:{minute % 60:02d}:00Z",
            "description": f"#{i} {DESCRIPTION}"}


def check_storage_full(status, headers, data, what):
    if status != 503:
        fail(f"{what}: status {status}, not 503: {data[:300]!r}")
    problem = json.loads(data)
    if problem.get("type") != STORAGE_FULL:
        fail(f"{what}: type {problem.get('type')!r}, not {STORAGE_FULL}: {problem}")
    if "disk is full" not in problem.get("detail", ""):
        fail(f"{what}: the detail does not say the disk is full: {problem}")
    if not headers.get("retry-after", "").isdigit():
        fail(f"{what}: no Retry-After: {headers}")


def run(host, port, key, filler, acks_path):
    c = Client(host, port, key)
    acked = {}
    refusals = 0
    i = 0
    # 1. Fill the disk. 6 MiB hold about 1,000 such strikes; stop after a few refusals.
    while refusals < 5:
        if i > 5000:
            fail("5,000 writes and the disk is not full")
        status, headers, data = c.request("POST", "/v1/strikes", strike(i))
        if status == 201:
            acked[json.loads(data)["id"]] = i
        else:
            check_storage_full(status, headers, data, f"write #{i} on a full disk")
            refusals += 1
        i += 1
    print(f"disk-full: {len(acked)} writes acknowledged, then {refusals} refused as storage-full")
    # Readiness tries a commit of its own at most once a second: past that second the
    # answer is the probe's, on the disk as it is.
    for attempt in range(2):
        status, headers, data = c.request("GET", "/readyz")
        check_storage_full(status, headers, data, f"/readyz on a full disk (#{attempt + 1})")
        time.sleep(1.2)
    print(f"disk-full: /readyz 503: {json.loads(data)['detail']}")
    first = min(acked)
    status, _, data = c.request("GET", f"/v1/strikes/{first}")
    if status != 200:
        fail(f"a read on a full disk: {status} {data[:200]!r}")
    status, _, data = c.request("GET", "/v1/strikes?city=Kyiv&limit=10")
    if status != 200:
        fail(f"a list on a full disk: {status} {data[:200]!r}")
    print("disk-full: reads 200 on a full disk")

    # 2. Free space: readiness comes back by itself (its probe commits; no client writes
    #    in between), then writes resume.
    os.remove(filler)
    freed = time.monotonic()
    while True:
        status, headers, data = c.request("GET", "/readyz")
        if status == 200:
            break
        check_storage_full(status, headers, data, "/readyz after space was freed")
        if time.monotonic() - freed > 30:
            fail("/readyz was not 200 within 30 s of freeing space")
        time.sleep(0.2)
    print(f"disk-full: /readyz 200 {time.monotonic() - freed:.1f} s after space was freed, before any write")
    while True:
        status, headers, data = c.request("POST", "/v1/strikes", strike(i))
        if status == 201:
            acked[json.loads(data)["id"]] = i
            i += 1
            break
        check_storage_full(status, headers, data, "a write after space was freed")
        if time.monotonic() - freed > 30:
            fail("writes did not resume within 30 s of freeing space")
        time.sleep(0.2)
        i += 1
    print(f"disk-full: writes resumed {time.monotonic() - freed:.1f} s after space was freed")
    for _ in range(10):
        status, _, data = c.request("POST", "/v1/strikes", strike(i))
        if status != 201:
            fail(f"a write after space was freed: {status} {data[:300]!r}")
        acked[json.loads(data)["id"]] = i
        i += 1
    status, _, data = c.request("GET", "/readyz")
    if status != 200:
        fail(f"/readyz after writes resumed: {status} {data[:300]!r}")

    # 3. Every acknowledged write is served.
    for sid, n in acked.items():
        status, _, data = c.request("GET", f"/v1/strikes/{sid}")
        if status != 200 or not json.loads(data).get("description", "").startswith(f"#{n} "):
            fail(f"acknowledged strike {sid} (#{n}): {status} {data[:200]!r}")
    with open(acks_path, "w") as f:
        json.dump(acked, f)
    print(f"disk-full: all {len(acked)} acknowledged strikes served")


def integrity(db, acks_path):
    with open(acks_path) as f:
        acked = {int(k): v for k, v in json.load(f).items()}
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    result = conn.execute("PRAGMA integrity_check").fetchall()
    if result != [("ok",)]:
        fail(f"integrity_check: {result}")
    stored = {row[0]: row[1] for row in conn.execute("SELECT id, description FROM strikes")}
    for sid, n in acked.items():
        if not (stored.get(sid) or "").startswith(f"#{n} "):
            fail(f"acknowledged strike {sid} (#{n}) is not in the file")
    print(f"disk-full: integrity_check ok; all {len(acked)} acknowledged strikes in the file")


if __name__ == "__main__":
    if sys.argv[1] == "integrity":
        integrity(sys.argv[2], sys.argv[3])
    else:
        run(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5])
