#!/usr/bin/env bash
# Graceful shutdown as an operator sees it: the server started from a shell, a long-poll
# held, then SIGTERM (and, on a second server, SIGINT). The held poll must get its normal
# empty answer, the log must say "stopped", and the process must exit 0 within 10 s.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/server.sh

work=$(mktemp -d)
trap 'stop_server; rm -rf "$work"' EXIT

for signal in TERM INT; do
  start_server "$work/shutdown-$signal.sqlite"
  curl -s -o "$work/poll-$signal.json" -w '%{http_code}' --max-time 30 "$BASE/v1/changes?since=0&wait=30" >"$work/poll-$signal.code" &
  poller=$!
  sleep 0.5
  started=$(date +%s.%N)
  kill -"$signal" "$SERVER_PID"
  status=0
  wait "$SERVER_PID" || status=$?
  elapsed=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$started" "$(date +%s.%N)")
  SERVER_PID=
  wait "$poller" || true
  code=$(cat "$work/poll-$signal.code" 2>/dev/null || true)
  body=$(cat "$work/poll-$signal.json" 2>/dev/null || true)
  echo "shutdown: SIG$signal -> exit $status in ${elapsed} s; held poll answered $code $body"
  [ "$status" -eq 0 ] || { cat "$SERVER_LOG"; echo "shutdown: FAIL: exit status $status, not 0"; exit 1; }
  python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 10 else 1)" "$elapsed" || { echo "shutdown: FAIL: took ${elapsed} s"; exit 1; }
  [ "$code" = 200 ] || { echo "shutdown: FAIL: the held poll got $code"; exit 1; }
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d["items"] == [] else 1)' "$body" \
    || { echo "shutdown: FAIL: the held poll's answer was not empty"; exit 1; }
  grep -q "stopped" "$SERVER_LOG" || { echo "shutdown: FAIL: no 'stopped' in the log"; exit 1; }
  rm -f "$SERVER_LOG"
done
echo "shutdown: ok"
