#!/usr/bin/env python3
"""Sends each hostile request of scripts/ci.d/hostile/ to a running server on a fresh
socket, reads until the server closes (15 s at most), and checks the answers against
hostile/expected.tsv; after each case GET /healthz on a new connection must be 200.

usage: hostile.py HOST PORT KEY CORPUS_DIR
Prints a table (case, expected, got, verdict) and exits 1 on any mismatch.
"""
import concurrent.futures
import os
import socket
import sys
import threading
import time

READ_TIMEOUT = 15.0
MIB = 1 << 20

# Cases too large to commit, made here: (name, bytes, expected, mode, note).
def generated():
    body = b"x" * (10 * MIB)
    head = (b"POST /v1/sources HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer @KEY@\r\n"
            b"Content-Type: application/json\r\n")
    chunked = b"".join(b"100000\r\n" + b"y" * MIB + b"\r\n" for _ in range(10)) + b"0\r\n\r\n"
    return [
        ("body-10mb", head + b"Content-Length: %d\r\n\r\n" % len(body) + body, "413", "keep",
         "10 MiB body with Content-Length (generated)"),
        ("body-10mb-chunked", head + b"Transfer-Encoding: chunked\r\n\r\n" + chunked, "413", "keep",
         "10 MiB chunked body (generated)"),
        ("body-10mb-expect", head + b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body), "413", "keep",
         "10 MiB announced with Expect: 100-continue, body never sent (generated)"),
    ]


def parse_answers(data: bytes):
    """Splits a byte stream into responses; returns (statuses, leftover bytes, error)."""
    statuses, i = [], 0
    while i < len(data):
        end = data.find(b"\r\n\r\n", i)
        if end < 0:
            return statuses, data[i:], "incomplete response head"
        lines = data[i:end].split(b"\r\n")
        parts = lines[0].split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
            return statuses, data[i:], f"not a status line: {lines[0][:60]!r}"
        status = int(parts[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        i = end + 4
        if 100 <= status < 200:
            continue  # 100 Continue is not an answer
        length = 0 if status in (204, 304) else int(headers.get(b"content-length", b"0") or 0)
        if b"content-length" not in headers and status not in (204, 304):
            return statuses + [status], data[i:], "answer without Content-Length"
        if b"date" not in headers:
            return statuses + [status], data[i:], "answer without Date"
        if status >= 400 and not headers.get(b"content-type", b"").startswith(b"application/problem+json"):
            return statuses + [status], data[i:], "error answer that is not application/problem+json"
        if len(data) - i < length:
            return statuses + [status], b"", "truncated response body"
        i += length
        statuses.append(status)
    return statuses, b"", None


def exchange(host, port, payload: bytes, mode: str):
    """Sends payload on a fresh socket; returns (bytes read until close, closed?, seconds)."""
    started = time.monotonic()
    s = socket.create_connection((host, port), timeout=5)
    s.settimeout(READ_TIMEOUT)
    received, closed = bytearray(), False

    def send():
        try:
            view = memoryview(payload)
            while view:
                n = s.send(view[:65536])
                view = view[n:]
            if mode == "shut":
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may answer and close before it has read everything: fine

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    deadline = started + READ_TIMEOUT
    try:
        while time.monotonic() < deadline:
            s.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True  # reset after the answer (the server lingered, then closed)
                break
            if not chunk:
                closed = True
                break
            received += chunk
    finally:
        s.close()
    sender.join(timeout=1)
    return bytes(received), closed, time.monotonic() - started


def healthz(host, port):
    try:
        s = socket.create_connection((host, port), timeout=5)
        s.settimeout(5)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
        statuses, _, _ = parse_answers(data)
        return statuses[0] if statuses else None
    except OSError as e:
        return f"error: {e}"


def matches(expected: str, got):
    wanted = [alt.split("|") for alt in expected.split(",")]
    return len(got) == len(wanted) and all(str(g) in w for g, w in zip(got, wanted))


def run_case(host, port, key, case):
    name, payload, expected, mode, note = case
    data, closed, seconds = exchange(host, port, payload.replace(b"@KEY@", key.encode()), mode)
    statuses, leftover, error = parse_answers(data)
    problems = []
    if error:
        problems.append(error)
    if leftover:
        problems.append(f"{len(leftover)} unparsed bytes")
    if not closed:
        problems.append(f"not closed within {READ_TIMEOUT:.0f} s")
    if not statuses:
        problems.append("closed without an answer" if closed else "no answer")
    elif not matches(expected, statuses):
        problems.append(f"expected {expected}")
    health = healthz(host, port)
    if health != 200:
        problems.append(f"/healthz afterwards: {health}")
    return name, expected, ",".join(map(str, statuses)) or "-", seconds, problems, note


def main():
    host, port, key, corpus = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    cases = []
    with open(os.path.join(corpus, "expected.tsv")) as manifest:
        for line in manifest:
            if line.startswith("#") or not line.strip():
                continue
            name, expected, mode, note = line.rstrip("\n").split("\t")
            with open(os.path.join(corpus, name + ".http"), "rb") as f:
                cases.append((name, f.read(), expected, mode, note))
    cases += generated()
    # Cases wait on timeouts (408 after 10 s), so run several at once; each on its own socket.
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda c: run_case(host, port, key, c), cases))
    width = max(len(r[0]) for r in results)
    print(f"{'case':<{width}}  {'expected':<12} {'got':<12} {'secs':>5}  verdict")
    failures = 0
    for name, expected, got, seconds, problems, note in results:
        verdict = "ok" if not problems else "FAIL: " + "; ".join(problems)
        failures += bool(problems)
        print(f"{name:<{width}}  {expected:<12} {got:<12} {seconds:5.1f}  {verdict}")
    print(f"hostile: {len(results)} cases, {len(results) - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
