#!/usr/bin/env python3
"""Access control over every write route of docs/API.md, table-driven.

usage: access.py HOST PORT KEYS_JSON
KEYS_JSON: {"reporter": k, "editor": k, "admin": k, "revoked": k, "unknown": k}. Missing, unknown,
malformed and revoked keys must get 401 with `WWW-Authenticate: Bearer`; a role below the
route's gets 403; the route's role and every higher one get neither 401 nor 403.
"""
import http.client
import json
import secrets
import sys

ROLES = ["reporter", "editor", "admin"]


def call(host, port, method, path, body, key=None, auth=None):
    conn = http.client.HTTPConnection(host, port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if auth is not None:
        headers["Authorization"] = auth
    elif key is not None:
        headers["Authorization"] = f"Bearer {key}"
    conn.request(method, path, body=json.dumps(body), headers=headers)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, r.getheader("WWW-Authenticate"), data


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    keys = json.load(open(sys.argv[3]))

    # Fixtures, made with the admin key: two strikes with a revision each.
    def report(day, killed):
        status, _, data = call(host, port, "POST", "/v1/reports", {
            "city": "Kyiv", "occurred_at": f"2024-03-{day:02d}T02:00:00Z",
            "source": {"name": "access fixture", "kind": "other"}, "killed": killed}, keys["admin"])
        assert status == 201, (status, data)
        answer = json.loads(data)
        return answer["strike"]["id"], answer["revision"]["seq"]
    strike, seq = report(1, 1)
    other, _ = report(10, 2)
    spare = [report(20 + i, 3)[0] for i in range(4)]  # merge sources: one per allowed role call

    # An attack with a revision to void.
    status, _, data = call(host, port, "POST", "/v1/attacks", {"country": "UA", "started_at": "2024-03-01T00:00:00Z"}, keys["admin"])
    assert status == 201, (status, data)
    attack = json.loads(data)["id"]
    status, _, data = call(host, port, "POST", f"/v1/attacks/{attack}/revisions", {
        "weapons": [{"model": "Shahed-136", "launched": 10}], "source": {"name": "access fixture", "kind": "other"}}, keys["admin"])
    assert status == 201, (status, data)
    attack_seq = json.loads(data)["revision"]["seq"]

    counter = iter(range(1, 1000))
    routes = [  # method, path, body (a fresh one per call), role needed
        ("POST", "/v1/cities", lambda: {"name": f"Accessville {next(counter)}", "country": "UA",
                                        "timezone": "Europe/Kyiv", "latitude": 50.0, "longitude": 30.0}, "admin"),
        ("POST", "/v1/cities/1/aliases", lambda: {"alias": f"Kyiv access {next(counter)}"}, "editor"),
        ("POST", "/v1/sources", lambda: {"name": f"access source {next(counter)}", "kind": "media"}, "reporter"),
        ("POST", "/v1/strikes", lambda: {"city": "Lviv", "occurred_at": f"2024-04-{next(counter) % 28 + 1:02d}T01:00:00Z"},
         "reporter"),
        ("PATCH", f"/v1/strikes/{strike}", lambda: {"description": f"patched {next(counter)}"}, "editor"),
        ("POST", "/v1/strikes/{spare}/merge", lambda: {"into": other}, "editor"),
        ("POST", f"/v1/strikes/{strike}/revisions", lambda: {"killed": next(counter), "source_id": 1}, "reporter"),
        ("POST", f"/v1/revisions/{seq}/void", lambda: {"reason": "access test"}, "editor"),
        ("POST", "/v1/reports", lambda: {"city": "Odesa", "occurred_at": "2024-05-01T01:00:00Z",
                                         "source": {"name": "access", "kind": "other"}, "killed": next(counter)}, "reporter"),
        ("POST", "/v1/attacks", lambda: {"country": "UA", "started_at": "2024-03-02T00:00:00Z"}, "reporter"),
        ("POST", f"/v1/attacks/{attack}/revisions", lambda: {"weapons": [{"model": "Kh-101", "launched": next(counter)}],
                                                             "source_id": 1}, "reporter"),
        ("POST", f"/v1/attacks/{attack}/strikes", lambda: {"strike_ids": [strike]}, "editor"),
        ("POST", f"/v1/attack-revisions/{attack_seq}/void", lambda: {"reason": "access test"}, "editor"),
        # A JSON body: past the key check, the editor gets 415 (an import is CSV or GeoJSON).
        ("POST", "/v1/imports", lambda: {"not": "csv"}, "editor"),
    ]
    unauthenticated = [
        ("no key", None, None),
        ("unknown key", keys.get("unknown") or secrets.token_urlsafe(32), None),
        ("revoked key", keys["revoked"], None),
        ("empty bearer", None, "Bearer "),
        ("basic scheme", None, "Basic " + "YWRtaW46YWRtaW4="),
        ("key without scheme", None, keys["admin"]),
    ]
    failures, rows = [], []
    for method, path, body, needed in routes:
        def target():
            return path.replace("{spare}", str(spare.pop())) if "{spare}" in path else path
        for label, key, auth in unauthenticated:
            p = path.replace("{spare}", str(spare[-1])) if "{spare}" in path else path
            status, www, data = call(host, port, method, p, body(), key, auth)
            ok = status == 401 and www is not None and www.split()[0].lower() == "bearer"
            rows.append((f"{method} {path}", label, f"{status} {www or ''}".strip(), "401 Bearer", ok))
        for role in ROLES:
            status, _, data = call(host, port, method, target(), body(), keys[role])
            if ROLES.index(role) < ROLES.index(needed):
                ok, want = status == 403, "403"
            else:
                ok, want = status not in (401, 403) and status < 500, "not 401/403"
            rows.append((f"{method} {path}", role, str(status), want, ok))
            if not ok:
                failures.append(f"{method} {path} as {role}: {status} {data[:200]!r}")
    w = max(len(r[0]) for r in rows)
    print(f"{'route':<{w}}  {'caller':<18} {'got':<34} {'wanted':<12} verdict")
    for route, caller, got, want, ok in rows:
        print(f"{route:<{w}}  {caller:<18} {got:<34} {want:<12} {'ok' if ok else 'FAIL'}")
    bad = [r for r in rows if not r[4]]
    print(f"access: {len(rows)} calls over {len(routes)} write routes, {len(bad)} wrong")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
