#!/usr/bin/env bash
# Hostile HTTP: malformed, ambiguous and oversized requests from the committed corpus
# (scripts/ci.d/hostile/*.http, written by lib/make_hostile.py) and a few generated at run
# time; each must get exactly the answer docs/API.md's HTTP section names, then a close,
# and the server must keep serving.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/server.sh

work=$(mktemp -d)
trap 'stop_server; rm -rf "$work"' EXIT

# The committed corpus must be what the generator writes (no hand-edited drift).
python3 scripts/ci.d/lib/make_hostile.py "$work/corpus" >/dev/null
if ! diff -r "$work/corpus" scripts/ci.d/hostile >/dev/null; then
  echo "hostile: FAIL: scripts/ci.d/hostile differs from lib/make_hostile.py's output; rerun it and commit"
  diff -rq "$work/corpus" scripts/ci.d/hostile || true
  exit 1
fi

db="$work/hostile.sqlite"
KEY=$("$STRIKELEDGER_BIN" keys create --db "$db" --name hostile --role reporter)
start_server "$db"
echo "hostile: server on $BASE (pid $SERVER_PID)"
status=0
python3 scripts/ci.d/lib/hostile.py 127.0.0.1 "$PORT" "$KEY" scripts/ci.d/hostile || status=$?
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  echo "hostile: FAIL: the server died"; tail -30 "$SERVER_LOG"; exit 1
fi
if grep -q 'unexpected error' "$SERVER_LOG"; then
  echo "hostile: FAIL: unexpected errors in the server log"; grep 'unexpected error' "$SERVER_LOG" | head; exit 1
fi
[ "$status" -eq 0 ] || { echo "hostile: FAIL"; exit 1; }
echo "hostile: PASS"
