#!/usr/bin/env python3
"""Helper of 70-two-processes.sh: two server processes on one PostgreSQL database.

usage: two_processes.py PORT_A PORT_B REPORTER_KEY EDITOR_KEY [SECONDS]

1. Writers: 8 threads, 4 on each process, for SECONDS (default 20). Each posts reports
   (varied cities and spellings; some match a strike the writer made before), revisions
   on its own earlier strikes, and now and then voids one of its own revisions or merges
   two of its own strikes (editor key). Every acknowledged write is remembered: a 201
   revision by its seq, a void by the revision it voided, a merge by its two strikes.
2. Pollers: 2 on each process follow the whole feed with long-polls
   (`since=next_since&wait=10`, limits 100 and 17) while the writers run, then drain
   to the final head.
3. Checks: every poller saw seqs 1..head, strictly ascending, without a gap or a
   repeat, and the same sequence as every other poller; every acknowledged write is
   in it exactly once, as the event it should be; nothing else is.
4. Wake across processes: a poll held on one process (since=head, wait=10) is woken by
   a write on the other, 3 times each way; the latency from the write's 201 to the
   held poll's answer is printed (the issue asks for 100 ms; the stage fails only over
   1 s, so that a loaded machine does not make it flaky).

Prints one JSON line `result: {...}` with the figures for the shell script to check
against the database. Exits non-zero on any failure.
"""
import datetime
import http.client
import json
import random
import statistics
import sys
import threading
import time

HOST = "127.0.0.1"
WRITERS_PER_PROCESS = 4
# Spellings from the gazetteer (API.md: name or alias, any case): each resolves to its city.
CITIES = [["Kyiv", "Kiev", "Київ"], ["Kharkiv", "Kharkov", "Харків"], ["Odesa", "Odessa"], ["Sumy"],
          ["Dnipro"], ["Zaporizhzhia"], ["Lviv"], ["Poltava"], ["Mykolaiv"], ["Chernihiv"]]
EPOCH = datetime.datetime(1990, 1, 1, tzinfo=datetime.timezone.utc)
MAX_OPS = 10000           # writes one writer may send (bounds the loop, and the dates: see occurred)
REQUEST_TIMEOUT = 20
WAKE_LIMIT = 1.0          # seconds: fail over this
WAKE_TARGET = 0.100       # seconds: what the issue asks; printed, not enforced


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Failure(Exception):
    pass


def request(conn, method, path, body=None, key=None):
    headers = {}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    r = conn.getresponse()
    return r.status, r.read()


class Writer(threading.Thread):
    """One writer on one process; its strikes live in its own hours, so it can merge
    and void its own without racing the others (other writers' reports may still match
    them, which is fine: merges and voids stay valid)."""

    def __init__(self, number, port, reporter, editor, deadline, record):
        super().__init__(name=f"writer-{number}")
        self.number, self.port, self.reporter, self.editor = number, port, reporter, editor
        self.deadline, self.record = deadline, record
        self.rng = random.Random(1000 + number)
        self.strikes = []        # (strike_id, city index, occurred_at) this writer made, not merged away
        self.revisions = []      # revision seqs this writer made, not voided yet
        self.slots = [0] * len(CITIES)
        self.error = None
        self.counts = {"report": 0, "matched": 0, "revision": 0, "void": 0, "merge": 0}

    def occurred(self, city):
        # Within a city, every new strike of every writer in its own 7 h slot (> the 6 h
        # match window), slot * 8 + writer: writers never match each other's strikes. At
        # most MAX_OPS new strikes per writer over 10 cities stay well before today.
        self.slots[city] += 1
        return EPOCH + datetime.timedelta(hours=7 * (8 * self.slots[city] + self.number))

    def source(self):
        return {"name": f"two-process writer {self.number}", "kind": self.rng.choice(["media", "official", "other"])}

    def post(self, path, body, key, expect):
        status, data = request(self.conn, "POST", path, body, key)
        if status not in expect:
            raise Failure(f"{self.name}: POST {path} answered {status}: {data[:300]!r}")
        return json.loads(data)

    def new_report(self):
        city = self.rng.randrange(len(CITIES))
        at = self.occurred(city)
        answer = self.post("/v1/reports", {
            "city": self.rng.choice(CITIES[city]), "occurred_at": iso(at),
            "reported_at": iso(at + datetime.timedelta(minutes=40)), "source": self.source(),
            "killed": self.rng.randrange(0, 40), "injured": self.rng.randrange(0, 120),
            "weapons": [{"kind": self.rng.choice(["drone", "missile", "guided_bomb"])}],
            "note": f"writer {self.number} report"}, self.reporter, (201,))
        self.acked_revision(answer["revision"], answer["strike"]["id"])
        self.counts["report"] += 1
        if not answer["matched"]:
            self.strikes.append((answer["strike"]["id"], city, at))

    def matching_report(self):
        strike, city, at = self.rng.choice(self.strikes)
        answer = self.post("/v1/reports", {
            "city": self.rng.choice(CITIES[city]), "occurred_at": iso(at + datetime.timedelta(minutes=20)),
            "reported_at": iso(at + datetime.timedelta(hours=2, minutes=self.rng.randrange(60))),
            "source": self.source(), "killed": self.rng.randrange(0, 60),
            "note": f"writer {self.number} follow-up"}, self.reporter, (201,))
        self.acked_revision(answer["revision"], answer["strike"]["id"])
        self.counts["matched"] += 1

    def revision(self):
        strike, _, at = self.rng.choice(self.strikes)
        answer = self.post(f"/v1/strikes/{strike}/revisions", {
            "killed": self.rng.randrange(0, 80), "injured": self.rng.randrange(0, 200),
            "reported_at": iso(at + datetime.timedelta(hours=3, minutes=self.rng.randrange(600))),
            "source": self.source(), "note": f"writer {self.number} revision"}, self.reporter, (201,))
        self.acked_revision(answer["revision"], None)
        self.counts["revision"] += 1

    def void(self):
        seq = self.revisions.pop(self.rng.randrange(len(self.revisions)))
        answer = self.post(f"/v1/revisions/{seq}/void", {"reason": f"writer {self.number}: entered twice"},
                           self.editor, (200,))
        if answer["revision"]["seq"] != seq or not answer["revision"]["voided"]:
            raise Failure(f"{self.name}: void of {seq} answered {answer['revision']}")
        self.record("void", {"revision_seq": seq})
        self.counts["void"] += 1

    def merge(self):
        (a, _, _), (b, _, _) = self.strikes[-2], self.strikes[-1]
        self.strikes = self.strikes[:-2] + [self.strikes[-1]]
        answer = self.post(f"/v1/strikes/{a}/merge", {"into": b}, self.editor, (200,))
        if answer["id"] != b:
            raise Failure(f"{self.name}: merge of {a} into {b} answered strike {answer['id']}")
        self.record("merge", {"strike_id": b, "merged_strike_id": a})
        self.counts["merge"] += 1

    def acked_revision(self, revision, strike):
        if revision is None:
            raise Failure(f"{self.name}: a write with figures answered no revision")
        if strike is not None and revision["strike_id"] != strike:
            # A report's revision is recorded on the strike it matched.
            raise Failure(f"{self.name}: revision {revision['seq']} on strike {revision['strike_id']}, answer says {strike}")
        self.revisions.append(revision["seq"])
        self.record("revision", {"seq": revision["seq"], "strike_id": revision["strike_id"],
                                 "killed": revision["killed"], "injured": revision["injured"]})

    def run(self):
        self.conn = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        try:
            for _ in range(MAX_OPS):
                if time.monotonic() >= self.deadline:
                    break
                roll = self.rng.random()
                if len(self.strikes) < 3 or roll < 0.40:
                    self.new_report()
                elif roll < 0.60:
                    self.matching_report()
                elif roll < 0.92:
                    self.revision()
                elif roll < 0.97 and len(self.revisions) > 5:
                    self.void()
                elif len(self.strikes) >= 4:
                    self.merge()
                else:
                    self.new_report()
        except (Failure, OSError, http.client.HTTPException, ValueError, KeyError) as e:
            self.error = f"{self.name} (port {self.port}): {e!r}"
        finally:
            self.conn.close()


class Poller(threading.Thread):
    """Follows the whole feed on one process with long-polls until told to drain, then
    reads up to the head without waiting."""

    def __init__(self, name, port, limit, stop):
        super().__init__(name=name)
        self.port, self.limit, self.stop = port, limit, stop
        # (seq, type, strike_id, merged_strike_id, then the revision's seq, strike_id, killed, injured or Nones)
        self.events = []
        self.polls = self.empty = 0
        self.error = None
        self.head = None

    def get(self, conn, since, wait):
        status, data = request(conn, "GET", f"/v1/changes?since={since}&limit={self.limit}&wait={wait}")
        if status != 200:
            raise Failure(f"{self.name}: GET /v1/changes?since={since} answered {status}: {data[:300]!r}")
        self.polls += 1
        return json.loads(data)

    def take(self, page, since):
        items = page["items"]
        if len(items) > self.limit:
            raise Failure(f"{self.name}: {len(items)} items for limit {self.limit}")
        for item in items:
            rev = item.get("revision")
            self.events.append((item["seq"], item["type"], item["strike_id"], item.get("merged_strike_id"))
                               + ((rev["seq"], rev["strike_id"], rev["killed"], rev["injured"]) if rev else (None,) * 4))
        if items and page["next_since"] != items[-1]["seq"]:
            raise Failure(f"{self.name}: next_since {page['next_since']} is not the last item's seq {items[-1]['seq']}")
        if not items:
            self.empty += 1
        if page["next_since"] < since:
            raise Failure(f"{self.name}: next_since went back from {since} to {page['next_since']}")
        return page["next_since"]

    def run(self):
        conn = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        since = 0
        try:
            while not self.stop.is_set():
                since = self.take(self.get(conn, since, 10), since)
            # Drain: the writers are done; read without waiting until a page is empty.
            for _ in range(100000):
                page = self.get(conn, since, 0)
                before = since
                since = self.take(page, since)
                if not page["items"]:
                    break
            self.head = since if since == before else None
        except (Failure, OSError, http.client.HTTPException, ValueError, KeyError) as e:
            self.error = f"{self.name} (port {self.port}): {e!r}"
        finally:
            conn.close()


def head_of(port):
    """The feed's head as `port` reports it: next_since of the first empty page."""
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    since = 0
    try:
        for _ in range(100000):
            status, data = request(conn, "GET", f"/v1/changes?since={since}&limit=1000")
            if status != 200:
                raise Failure(f"GET /v1/changes?since={since} on {port} answered {status}")
            page = json.loads(data)
            if not page["items"]:
                return page["next_since"]
            since = page["next_since"]
        raise Failure(f"the feed on {port} has no end")
    finally:
        conn.close()


def wake_once(write_port, poll_port, reporter, n):
    """A poll held on poll_port (since=head, wait=10), woken by a write on write_port.
    Returns (latency from the write's 201 to the poll's answer, the write's seq)."""
    head = head_of(poll_port)
    answer = {}

    def hold():
        conn = http.client.HTTPConnection(HOST, poll_port, timeout=REQUEST_TIMEOUT)
        try:
            answer["sent"] = time.monotonic()
            status, data = request(conn, "GET", f"/v1/changes?since={head}&wait=10")
            answer["at"] = time.monotonic()
            answer["status"], answer["body"] = status, data
        except (OSError, http.client.HTTPException) as e:
            answer["error"] = repr(e)
        finally:
            conn.close()

    poller = threading.Thread(target=hold)
    poller.start()
    time.sleep(0.5)                      # let the poll park on the other process
    if "at" in answer:
        raise Failure(f"wake: the poll on {poll_port} answered before any write: {answer}")
    conn = http.client.HTTPConnection(HOST, write_port, timeout=REQUEST_TIMEOUT)
    at = EPOCH - datetime.timedelta(days=n)   # before every writer's strikes: a new strike
    status, data = request(conn, "POST", "/v1/reports", {
        "city": "Kyiv", "occurred_at": iso(at), "source": {"name": "wake test", "kind": "other"},
        "killed": n}, reporter)
    acked = time.monotonic()
    conn.close()
    if status != 201:
        raise Failure(f"wake: the write on {write_port} answered {status}: {data[:200]!r}")
    seq = json.loads(data)["revision"]["seq"]
    poller.join(15)
    if poller.is_alive() or "error" in answer:
        raise Failure(f"wake: the held poll on {poll_port} did not answer: {answer.get('error', 'still held after 15 s')}")
    if answer["status"] != 200:
        raise Failure(f"wake: the held poll answered {answer['status']}")
    items = json.loads(answer["body"])["items"]
    if [i["seq"] for i in items] != [seq]:
        raise Failure(f"wake: the held poll (since={head}) answered seqs {[i['seq'] for i in items]}, expected [{seq}]")
    waited = answer["at"] - answer["sent"]
    if waited > 9.5:
        raise Failure(f"wake: the held poll on {poll_port} answered only at its timeout ({waited:.1f} s)")
    # 0 when the held poll answered before the write's own 201 reached the client.
    return max(0.0, answer["at"] - acked), seq


def main():
    port_a, port_b = int(sys.argv[1]), int(sys.argv[2])
    reporter, editor = sys.argv[3], sys.argv[4]
    seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 20.0
    failures = []
    wakes = []

    def wake_round(label):
        """3 wakes each way; returns the seqs written."""
        seqs = []
        for w, p in [(port_a, port_b), (port_b, port_a)] * 3:
            try:
                latency, seq = wake_once(w, p, reporter, len(wakes) + 1)
            except (Failure, OSError, http.client.HTTPException, ValueError, KeyError) as e:
                failures.append(f"wake ({label}): {e}")
                break
            wakes.append(latency)
            seqs.append(seq)
            print(f"two-processes: wake ({label}): a write on :{w} woke the poll held on :{p} "
                  f"{latency * 1000:.1f} ms after its 201 (seq {seq})")
        return seqs

    # Wakes on a quiet database first (the pollers below read these events too).
    quiet_seqs = wake_round("quiet")

    lock = threading.Lock()
    acks = []
    def record(kind, fields):
        with lock:
            acks.append(dict(fields, kind=kind))

    stop = threading.Event()
    pollers = [Poller(f"poller-A-limit{limit}", port_a, limit, stop) for limit in (100, 17)] + \
              [Poller(f"poller-B-limit{limit}", port_b, limit, stop) for limit in (100, 17)]
    for p in pollers:
        p.start()
    started = time.monotonic()
    deadline = started + seconds
    writers = [Writer(n, port_a if n % 2 == 0 else port_b, reporter, editor, deadline, record)
               for n in range(2 * WRITERS_PER_PROCESS)]
    for w in writers:
        w.start()
    for w in writers:
        w.join(seconds + 3 * REQUEST_TIMEOUT)
    elapsed = time.monotonic() - started
    # The pollers are parked on the head (wait=10): they drain once the wait ends.
    stop.set()
    for p in pollers:
        p.join(3 * REQUEST_TIMEOUT)
    drained = time.monotonic() - started

    run_failures = []
    for t in writers + pollers:
        if t.is_alive():
            run_failures.append(f"{t.name} did not finish")
        elif t.error:
            run_failures.append(t.error)
    failures += run_failures
    n_writes = len(acks)
    counts = {k: sum(w.counts[k] for w in writers) for k in ("report", "matched", "revision", "void", "merge")}
    print(f"two-processes: {n_writes} writes acknowledged in {elapsed:.1f} s by 8 writers, "
          f"{n_writes / elapsed:.0f} writes/s (new-strike reports {counts['report']}, matching reports "
          f"{counts['matched']}, revisions {counts['revision']}, voids {counts['void']}, merges {counts['merge']}); "
          f"per process: " + ", ".join(
              f":{port} {sum(sum(w.counts.values()) for w in writers if w.port == port)}" for port in (port_a, port_b)))
    for p in pollers:
        print(f"two-processes: {p.name}: {len(p.events)} events in {p.polls} polls ({p.empty} empty), "
              f"drained to head {p.head} at {drained:.1f} s")

    # After the pollers are done: these events are checked by the wake itself, not by them.
    wake_round("after the load")

    # What the feed must hold up to the pollers' head: every acknowledged write once
    # (the quiet wakes' too), and nothing else.
    expected_revisions = {a["seq"]: a for a in acks if a["kind"] == "revision"}
    expected_revisions.update({s: {"seq": s, "kind": "revision"} for s in quiet_seqs})
    n_revisions = sum(1 for a in acks if a["kind"] == "revision") + len(quiet_seqs)
    if len(expected_revisions) != n_revisions:
        failures.append(f"{n_revisions - len(expected_revisions)} acknowledged revisions share a seq with another")
    expected_voids = sorted(a["revision_seq"] for a in acks if a["kind"] == "void")
    expected_merges = sorted((a["strike_id"], a["merged_strike_id"]) for a in acks if a["kind"] == "merge")
    total = n_revisions + len(expected_voids) + len(expected_merges)

    if not run_failures:
        failures_before = len(failures)
        for p in pollers:
            seqs = [e[0] for e in p.events]
            if any(b <= a for a, b in zip(seqs, seqs[1:])):
                bad = next(i for i, (a, b) in enumerate(zip(seqs, seqs[1:])) if b <= a)
                failures.append(f"{p.name}: seqs not strictly ascending: {seqs[bad]} then {seqs[bad + 1]}")
            if seqs != list(range(1, len(seqs) + 1)):
                missing = sorted(set(range(1, (max(seqs) if seqs else 0) + 1)) - set(seqs))
                failures.append(f"{p.name}: seqs are not 1..{len(seqs)}: missing {missing[:10]}, "
                                f"{len(seqs) - len(set(seqs))} repeated")
            if p.head != (seqs[-1] if seqs else 0):
                failures.append(f"{p.name}: drained to head {p.head}, but its last seq is {seqs[-1] if seqs else 0}")
        first = pollers[0]
        for p in pollers[1:]:
            if p.events != first.events:
                a, b = first.events, p.events
                i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
                failures.append(f"{p.name} and {first.name} differ from event #{i}: {b[i:i + 2]} vs {a[i:i + 2]} "
                                f"(lengths {len(b)} and {len(a)})")
        final = first.events
        by_seq = {}
        for e in final:
            by_seq.setdefault(e[0], []).append(e)
        wrong = []
        for seq, a in expected_revisions.items():
            found = by_seq.get(seq, [])
            ok = len(found) == 1 and found[0][1] == "revision" and found[0][4] == seq and (
                "strike_id" not in a or (found[0][5], found[0][6], found[0][7]) == (a["strike_id"], a["killed"], a["injured"]))
            if not ok:
                wrong.append(f"revision {seq} {a} appears as {found}")
        if wrong:
            failures.append(f"{len(wrong)} acknowledged revisions are not in the feed exactly once as written, e.g. {wrong[:3]}")
        voids = sorted(e[4] for e in final if e[1] == "void")
        merges = sorted((e[2], e[3]) for e in final if e[1] == "merge")
        if voids != expected_voids:
            failures.append(f"the feed's voids differ from the acknowledged ones ({len(voids)} vs {len(expected_voids)}): "
                            f"{sorted(set(voids) ^ set(expected_voids))[:10]}")
        if merges != expected_merges:
            failures.append(f"the feed's merges differ from the acknowledged ones ({len(merges)} vs {len(expected_merges)}): "
                            f"{sorted(set(merges) ^ set(expected_merges))[:10]}")
        if len(final) != total:
            failures.append(f"the feed holds {len(final)} events up to its head; {total} writes were acknowledged")
        if len(failures) == failures_before:
            print(f"two-processes: {len(pollers)} pollers (2 per process) saw the same {len(final)} events in order, "
                  f"seq 1..{final[-1][0] if final else 0} without a gap: {len(final) - len(voids) - len(merges)} revisions, "
                  f"{len(voids)} voids, {len(merges)} merges; {total} acknowledged writes, each exactly once")

    if wakes:
        ordered = sorted(wakes)
        print(f"two-processes: cross-process wake over {len(wakes)} held polls: min {ordered[0] * 1000:.1f} ms, "
              f"median {statistics.median(ordered) * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms "
              f"(the issue asks within {WAKE_TARGET * 1000:.0f} ms; the stage fails over {WAKE_LIMIT * 1000:.0f} ms)"
              + ("" if ordered[-1] <= WAKE_TARGET else "; NOTE: some over 100 ms"))
        slow = [w for w in wakes if w > WAKE_LIMIT]
        if slow:
            failures.append(f"{len(slow)} wakes took over {WAKE_LIMIT} s: {[round(w, 3) for w in slow]}")

    print("result: " + json.dumps({"events": total + len(wakes) - len(quiet_seqs), "writes": n_writes,
                                  "seconds": round(elapsed, 1), "wake_ms_max": round(max(wakes) * 1000, 1) if wakes else None}))
    if failures:
        for f in failures:
            print("two-processes: FAIL:", f)
        sys.exit(1)


if __name__ == "__main__":
    main()
