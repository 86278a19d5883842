#!/usr/bin/env bash
# Durable ingest against the disk's one-commit-per-write ceiling, at 1, 4, 16 and 64
# clients (issue 13: "if the machine's CPU is the wall, show it ... at 1, 4, 16 and 64
# clients"). One server on a fresh SQLite database (synchronous=FULL, as always); each
# client count a wrk run of bench/ingest.lua (every report a new strike and revision,
# answered only after its commit), with the server's CPU per report and the writes per
# commit (group commit) from /metrics; the ceiling is measured just before and just after.
#
#   bench/ingest-clients.sh BIN        (BIN: a release build of strikeledger)
# Environment: BENCH_DURATION (wrk seconds per client count, default 8s).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -eq 1 ] || { echo "usage: $0 BIN" >&2; exit 2; }
BIN=$1
DURATION=${BENCH_DURATION:-8s}
command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }
WORK=$(mktemp -d /tmp/strikeledger-ingest.XXXXXX)
PID=
cleanup() { set +e; [ -n "$PID" ] && { kill -TERM "$PID"; wait "$PID"; }; rm -rf "$WORK"; }
trap cleanup EXIT
log() { printf '[ingest %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

ceiling() { python3 "$HERE/commits.py" "$WORK" 3 | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["commits_per_s"]))'; }
CEIL_BEFORE=$(ceiling)
log "one-commit-per-write ceiling: $CEIL_BEFORE commits/s"

KEY=$("$BIN" keys create --db "$WORK/db.sqlite" --name bench --role reporter)
"$BIN" serve --db "$WORK/db.sqlite" --port 0 --match-window 60 2>"$WORK/server.log" &
PID=$!
for _ in $(seq 1 200); do
  PORT=$(sed -n 's/.*listening on http:\/\/[^ ]*:\([0-9][0-9]*\).*/\1/p' "$WORK/server.log" | head -1)
  [ -n "$PORT" ] && break; sleep 0.05
done
URL=http://127.0.0.1:$PORT
cpu() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
TICK_US=$(awk -v hz="$(getconf CLK_TCK)" 'BEGIN {print 1000000 / hz}')
# Store writes and commits so far, from /metrics.
writes() { curl -s "$URL/metrics" | awk '/^strikeledger_database_operations\{kind="write"\}/ {printf "%.0f", $NF}'; }
commits() { curl -s "$URL/metrics" | awk '/^strikeledger_database_commits / {printf "%.0f", $NF}'; }

ROWS=()
epoch=1577836800
for clients in 1 4 16 64; do
  threads=$(( clients < 2 ? 1 : 2 ))
  w0=$(writes); c0=$(commits); t0=$(cpu)
  out=$(BENCH_KEY=$KEY BENCH_EPOCH=$epoch wrk -t$threads -c$clients -d"$DURATION" --latency -s "$HERE/ingest.lua" "$URL" 2>&1)
  t1=$(cpu); w1=$(writes); c1=$(commits)
  epoch=$((epoch + 20000000))  # the next run's slots lie after this run's
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
  ms() { awk -v q="$1" '$1==q {v=$2; if (v ~ /us$/) printf "%.2f", v/1000; else if (v ~ /ms$/) printf "%.2f", v+0; else printf "%.2f", v*1000}' <<<"$out"; }
  bad=$(awk '/Non-2xx or 3xx/ {n+=$NF} /Socket errors/ {gsub(",",""); n+=$4+$6+$8+$10} END {print n+0}' <<<"$out")
  us=$(awk -v a="$t0" -v b="$t1" -v n="$n" -v t="$TICK_US" 'BEGIN {printf "%.0f", (b - a) * t / n}')
  per=$(awk -v w=$((w1 - w0)) -v c=$((c1 - c0)) 'BEGIN {if (c > 0) printf "%.1f", w / c; else print "n/a"}')
  ROWS+=("| $clients | $rps | $(ms 50%) | $(ms 99%) | $us | $per | $bad |")
  log "$clients clients: $rps reports/s, p99 $(ms 99%) ms, $us µs CPU per report, $per writes per commit, bad $bad"
done
CEIL_AFTER=$(ceiling)

echo "Machine: $(nproc) cores; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg). Server: $BIN, wrk -d$DURATION per row, bench/ingest.lua (every report a new strike and revision, durable)."
echo "One-commit-per-write ceiling (bench/commits.py, WAL, synchronous=FULL): $CEIL_BEFORE commits/s before, $CEIL_AFTER after."
echo
echo "| clients | reports/s | p50 ms | p99 ms | server CPU µs per report | writes per commit | bad answers |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
echo
echo "Reports/s over the ceiling (mean of before and after): $(for r in "${ROWS[@]}"; do awk -F'|' -v a="$CEIL_BEFORE" -v b="$CEIL_AFTER" '{printf "%s clients %.2fx; ", $2+0, $3 / ((a + b) / 2)}' <<<"$r"; done)"
