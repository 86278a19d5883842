#!/usr/bin/env bash
# Slowloris: 1,000 connections trickle a request head one byte a second. A normal client's
# latency must not suffer (p50 and p99 during <= 2x before + a 5 ms floor, so noise on
# sub-millisecond figures cannot fail the stage; SLOWLORIS_FLOOR_MS overrides), and the
# server must answer each trickler 408 and close it once its 10 s header timeout passes
# (the CLI has no flag for the timeout, so the stage waits 10 s + 5 s margin).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/server.sh

work=$(mktemp -d)
trap 'stop_server; rm -rf "$work"' EXIT
db="$work/slowloris.sqlite"
KEY=$("$STRIKELEDGER_BIN" keys create --db "$db" --name slowloris --role reporter)
start_server "$db"
echo "slowloris: server on $BASE (pid $SERVER_PID)"
# Something to read: the seed scenario's two reports.
for body in \
  '{"city":"Kiev","occurred_at":"2025-10-10T05:30:00+03:00","source":{"name":"Vitali Klitschko","kind":"official"},"killed":3,"injured":3,"reported_at":"2025-10-10T06:10:00+03:00"}' \
  '{"city":"Київ","occurred_at":"2025-10-10T05:30:00+03:00","source":{"name":"Volodymyr Zelensky","kind":"official"},"killed":4,"reported_at":"2025-10-10T10:45:00+03:00"}'; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$BASE/v1/reports" -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: application/json' -d "$body")
  [ "$code" = 201 ] || { echo "slowloris: seeding a report answered $code"; exit 1; }
done
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
python3 scripts/ci.d/lib/slowloris.py 127.0.0.1 "$PORT" --connections "${SLOWLORIS_CONNECTIONS:-1000}"
kill -0 "$SERVER_PID" || { echo "slowloris: FAIL: the server died"; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/healthz")
[ "$code" = 200 ] || { echo "slowloris: FAIL: /healthz answered $code afterwards"; exit 1; }
echo "slowloris: /healthz 200 afterwards"
