#!/usr/bin/env python3
"""Writes the hostile HTTP corpus, scripts/ci.d/hostile/*.http, byte for byte, and its
manifest hostile/expected.tsv (case, expected status sequence, delivery mode, note).

Run it after editing a case: `python3 scripts/ci.d/lib/make_hostile.py`; the stage
(20-hostile-corpus.sh) regenerates into a temp dir and fails if the committed corpus is stale.

Expected statuses follow docs/API.md, section HTTP: a framing error is 400 and close
(exactly one answer; nothing after it is read as a request), an unknown version 505, a
coding the server does not implement 501, request line over 8 KiB 414, headers over
16 KiB or 100 fields 431, body over 1 MiB 413. `a|b` accepts either; `200,400` means two
answers in that order. `@KEY@` is replaced at send time by a reporter key.

Delivery modes: `keep` sends the bytes and keeps the write side open (the server must
answer on its own), `shut` half-closes after sending (EOF tells the server no more bytes come).
Cases too large to commit are made at run time by hostile.py (see GENERATED there).
"""
import os
import sys

H = b"Host: 127.0.0.1\r\n"
AUTH = b"Authorization: Bearer @KEY@\r\n"
JSON = b"Content-Type: application/json\r\n"
BODY = b'{"name":"hostile","kind":"other"}'
SMUGGLED = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def post(headers: bytes, body: bytes, path=b"/v1/sources") -> bytes:
    return b"POST " + path + b" HTTP/1.1\r\n" + H + AUTH + JSON + headers + b"\r\n" + body


def get(line=b"GET /healthz HTTP/1.1", headers=H) -> bytes:
    return line + b"\r\n" + headers + b"\r\n"


CASES = [
    # name, bytes, expected, mode, note
    ("cl-te", post(b"Content-Length: 40\r\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\n" + SMUGGLED), "400", "keep",
     "Content-Length and Transfer-Encoding together, smuggled request in the body"),
    ("te-cl", post(b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", b"0\r\n\r\n" + SMUGGLED), "400", "keep",
     "Transfer-Encoding before Content-Length"),
    ("cl-two-differing", post(b"Content-Length: 33\r\nContent-Length: 34\r\n", BODY + b"x" + SMUGGLED), "400", "keep",
     "two differing Content-Length fields"),
    ("cl-list-differing", post(b"Content-Length: 33, 34\r\n", BODY + b"x"), "400", "keep",
     "one Content-Length field with two differing values"),
    ("cl-negative", post(b"Content-Length: -1\r\n", BODY), "400", "keep", "negative Content-Length"),
    ("cl-plus", post(b"Content-Length: +33\r\n", BODY), "400", "keep", "signed Content-Length"),
    ("cl-hex", post(b"Content-Length: 0x21\r\n", BODY), "400", "keep", "hex Content-Length"),
    ("cl-alpha", post(b"Content-Length: abc\r\n", BODY), "400", "keep", "non-digit Content-Length"),
    ("cl-empty", post(b"Content-Length: \r\n", BODY), "400", "keep", "empty Content-Length"),
    ("cl-huge", post(b"Content-Length: 10737418240\r\n", BODY), "413", "keep", "10 GiB Content-Length"),
    ("cl-overflow", post(b"Content-Length: 99999999999999999999999999999999\r\n", BODY), "413|400", "keep",
     "Content-Length beyond 64 bits"),
    ("chunk-size-alpha", post(b"Transfer-Encoding: chunked\r\n", b"zz\r\n" + BODY + b"\r\n0\r\n\r\n"), "400", "keep",
     "chunk size that is not hex"),
    ("chunk-size-negative", post(b"Transfer-Encoding: chunked\r\n", b"-21\r\n" + BODY + b"\r\n0\r\n\r\n"), "400", "keep",
     "negative chunk size"),
    ("chunk-size-overflow", post(b"Transfer-Encoding: chunked\r\n", b"ffffffffffffffffffffffff\r\n" + BODY + b"\r\n0\r\n\r\n"),
     "400|413", "keep", "chunk size beyond 64 bits"),
    ("chunk-size-space", post(b"Transfer-Encoding: chunked\r\n", b"2 1\r\n" + BODY + b"\r\n0\r\n\r\n"), "400", "keep",
     "space inside a chunk size"),
    ("chunk-no-crlf", post(b"Transfer-Encoding: chunked\r\n", b"21\r\n" + BODY + b"XX0\r\n\r\n"), "400", "keep",
     "chunk data not followed by CRLF"),
    ("chunk-bare-lf", post(b"Transfer-Encoding: chunked\r\n", b"21\n" + BODY + b"\n0\n\n"), "400", "keep",
     "chunk framing with bare LF"),
    ("chunk-too-long", post(b"Transfer-Encoding: chunked\r\n", b"10\r\n" + BODY + b"\r\n0\r\n\r\n"), "400", "keep",
     "chunk longer than its size"),
    ("obs-fold", get(headers=H + b"X-Folded: first\r\n  second\r\n"), "400", "keep", "obs-fold continuation line"),
    ("obs-fold-tab", get(headers=H + b"X-Folded: first\r\n\tsecond\r\n"), "400", "keep", "obs-fold with a tab"),
    ("nul-in-header", get(headers=H + b"X-Nul: a\x00b\r\n"), "400", "keep", "NUL byte in a header value"),
    ("ctl-in-header", get(headers=H + b"X-Ctl: a\x01b\r\n"), "400", "keep", "control character in a header value"),
    ("bare-cr-in-header", get(headers=H + b"X-Cr: a\rb\r\n"), "400", "keep", "bare CR inside a header value"),
    ("nul-in-name", get(headers=H + b"X-N\x00ul: a\r\n"), "400", "keep", "NUL byte in a header name"),
    ("non-ascii-path", get(line="GET /v1/cities/Київ HTTP/1.1".encode()), "400", "keep",
     "raw UTF-8 in the request target"),
    ("non-ascii-method", get(line=b"G\xc3\x89T /healthz HTTP/1.1"), "400", "keep", "non-ASCII method"),
    ("latin1-query", get(line=b"GET /v1/cities?q=caf\xe9 HTTP/1.1"), "400", "keep", "raw Latin-1 byte in the query"),
    ("bare-lf", b"GET /healthz HTTP/1.1\nHost: 127.0.0.1\n\n", "400", "keep", "lines ended by bare LF"),
    ("bare-lf-header", b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\nX-A: b\r\n\r\n", "400", "keep",
     "one header line ended by bare LF"),
    ("bare-cr", b"GET /healthz HTTP/1.1\rHost: 127.0.0.1\r\r", "400", "shut", "lines ended by bare CR"),
    ("space-before-colon", get(headers=H + b"X-Space : a\r\n"), "400", "keep", "whitespace before a header's colon"),
    ("tab-before-colon", get(headers=H + b"X-Tab\t: a\r\n"), "400", "keep", "tab before a header's colon"),
    ("cl-space-before-colon", post(b"Content-Length : 33\r\n", BODY), "400", "keep",
     "whitespace before Content-Length's colon"),
    ("leading-space-header", get(headers=b" " + H), "400", "keep", "header line starting with a space"),
    ("no-colon", get(headers=H + b"NoColonHere\r\n"), "400", "keep", "header line without a colon"),
    ("missing-host", get(headers=b"Accept: */*\r\n"), "400", "keep", "HTTP/1.1 request without Host"),
    ("two-hosts", get(headers=H + H), "400", "keep", "two Host fields"),
    ("http-1.2", get(line=b"GET /healthz HTTP/1.2"), "505", "keep", "unknown minor version"),
    ("http-2.0", get(line=b"GET /healthz HTTP/2.0"), "505", "keep", "HTTP/2.0 on an HTTP/1.1 head"),
    ("http-lower", get(line=b"GET /healthz http/1.1"), "400", "keep", "lower-case protocol name"),
    ("te-gzip-chunked", post(b"Transfer-Encoding: gzip, chunked\r\n", b"0\r\n\r\n"), "501", "keep",
     "a coding the server does not implement before chunked"),
    ("te-chunked-gzip", post(b"Transfer-Encoding: chunked, gzip\r\n", b"0\r\n\r\n"), "400", "keep",
     "last coding is not chunked"),
    ("te-identity", post(b"Transfer-Encoding: identity\r\n", BODY), "400|501", "keep", "Transfer-Encoding identity"),
    ("te-chunked-twice", post(b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\n"), "400",
     "keep", "chunked applied twice"),
    ("request-line-long", get(line=b"GET /healthz?pad=" + b"a" * 9000 + b" HTTP/1.1"), "414", "keep",
     "request target over 8 KiB"),
    ("headers-long", get(headers=H + b"X-Pad: " + b"b" * (17 * 1024) + b"\r\n"), "431", "keep", "one 17 KiB header"),
    ("headers-many", get(headers=H + b"".join(b"X-F%d: v\r\n" % i for i in range(120))), "431", "keep",
     "120 header fields"),
    ("truncated-body-eof", post(b"Content-Length: 100\r\n", BODY), "400", "shut",
     "body shorter than Content-Length, then EOF"),
    ("truncated-body-stall", post(b"Content-Length: 100\r\n", BODY), "408", "keep",
     "body shorter than Content-Length, then silence (body timeout)"),
    ("truncated-chunked-eof", post(b"Transfer-Encoding: chunked\r\n", b"21\r\n" + BODY[:10]), "400", "shut",
     "chunked body cut inside a chunk, then EOF"),
    ("truncated-body-no-bytes-eof", post(b"Content-Length: 100\r\n", b""), "400", "shut",
     "head announcing a body, then EOF before any body byte"),
    ("truncated-head-eof", b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n", "400", "shut",
     "head without its blank line, then EOF"),
    ("pipelined-junk", get() + b"JUNK\x00\xff garbage\r\n\r\n" + SMUGGLED, "200,400", "keep",
     "valid request, then junk: answered, then 400 and close"),
    ("pipelined-two-then-junk", get() + get(line=b"GET /v1/cities?q=kyiv HTTP/1.1") + b"GET / HTTP/9.9\r\n\r\n" + SMUGGLED,
     "200,200,505", "keep", "two valid requests, then an unknown version"),
    ("pipelined-post-then-bad-cl", post(b"Content-Length: %d\r\n" % len(BODY), BODY) + post(b"Content-Length: x\r\n", BODY),
     "201|200,400", "keep", "valid POST, then a bad Content-Length"),
]


def main(out_dir: str) -> None:
    os.makedirs(out_dir, exist_ok=True)
    for name in os.listdir(out_dir):
        if name.endswith(".http") or name == "expected.tsv":
            os.remove(os.path.join(out_dir, name))
    names = set()
    with open(os.path.join(out_dir, "expected.tsv"), "w") as manifest:
        manifest.write("# case\texpected statuses\tmode\tnote  (written by lib/make_hostile.py)\n")
        for name, data, expected, mode, note in CASES:
            assert name not in names, name
            names.add(name)
            with open(os.path.join(out_dir, name + ".http"), "wb") as f:
                f.write(data)
            manifest.write(f"{name}\t{expected}\t{mode}\t{note}\n")
    print(f"wrote {len(CASES)} cases to {out_dir}")


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "hostile"))
