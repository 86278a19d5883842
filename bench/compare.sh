#!/usr/bin/env bash
# Two server binaries side by side, in one run: the same dataset (loaded once, copied),
# the same wrk runs taken in turn (ABAB, the order flipped every round), medians printed
# as one markdown table. For "does this change cost the hot paths anything?".
#
#   bench/compare.sh BEFORE_BIN AFTER_BIN
# Environment:
#   BENCH_DURATION  wrk duration per run (default 5s)
#   BENCH_ROUNDS    rounds of every run on both binaries (default 3)
#   BENCH_STRIKES   strikes in the dataset (default 20000)
#   PEER_BIN        the Hummingbird peer's HBServer (built as bench/run.sh builds it, from
#                   ../shared/bench/peer): its fixed query joins every round as the yardstick
#                   of the uncached row (its own database, made by the peer's make-db.py)
# The AFTER binary also gets rows for gzip (Accept-Encoding: gzip) and CORS
# (--cors-origin, a request from that origin), when it knows them.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
[ $# -eq 2 ] || { echo "usage: $0 BEFORE_BIN AFTER_BIN" >&2; exit 2; }
BEFORE=$1 AFTER=$2
DURATION=${BENCH_DURATION:-5s}
ROUNDS=${BENCH_ROUNDS:-3}
STRIKES=${BENCH_STRIKES:-20000}
log() { printf '[compare %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }

WORK=$(mktemp -d /tmp/strikeledger-compare.XXXXXX)
PIDS=()
cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# serve NAME BIN DB [args...]: starts a server, sets <NAME>_URL and <NAME>_PID; its pid joins PIDS.
serve() {
  local name=$1 bin=$2 db=$3; shift 3
  local logf=$WORK/$name.log port=
  "$bin" serve --db "$db" --port 0 "$@" 2>"$logf" &
  PIDS+=($!)
  printf -v "${name}_PID" '%s' "$!"
  for _ in $(seq 1 200); do
    port=$(sed -n 's/.*listening on http:\/\/[^ ]*:\([0-9][0-9]*\).*/\1/p' "$logf" | head -1)
    [ -n "$port" ] && break
    sleep 0.05
  done
  [ -n "$port" ] || { cat "$logf" >&2; echo "$name did not start" >&2; exit 1; }
  printf -v "${name}_URL" 'http://127.0.0.1:%s' "$port"
}

log "loading $STRIKES strikes (through $AFTER)"
DB=$WORK/a.sqlite
KEY=$("$AFTER" keys create --db "$DB" --name bench --role reporter)
serve load "$AFTER" "$DB" --match-window 60
LOAD=$(python3 "$HERE/load.py" "$load_URL" "$KEY" --strikes "$STRIKES" --threads 8)
log "load: $LOAD"
kill -TERM "${PIDS[0]}"; wait "${PIDS[0]}" || true; PIDS=()
jget() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
D1=$(jget "$LOAD" kyiv_from); D10=$(jget "$LOAD" kyiv_to)
# Fold the WAL into the file, so that a copy of the file is the whole database.
python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("PRAGMA wal_checkpoint(TRUNCATE)")' "$DB"
for copy in b c; do cp "$DB" "$WORK/$copy.sqlite"; done

serve before "$BEFORE" "$WORK/b.sqlite"
serve after "$AFTER" "$DB"
CORS=0
if "$AFTER" serve --help 2>/dev/null | grep -q -- --cors-origin; then
  serve cors "$AFTER" "$WORK/c.sqlite" --cors-origin https://news.example
  CORS=1
fi

PEER=0
if [ -n "${PEER_BIN:-}" ]; then
  python3 "${STRIKELEDGER_SHARED:-$REPO/../shared}/bench/peer/make-db.py" "$WORK/peer.sqlite" >/dev/null
  peer_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$PEER_BIN" "$WORK/peer.sqlite" "$peer_port" >"$WORK/peer.log" 2>&1 &
  PIDS+=($!); peer_PID=$!; peer_URL="http://127.0.0.1:$peer_port"
  for _ in $(seq 1 100); do curl -sf -o /dev/null "$peer_URL/casualties?city=Kyiv" && break; sleep 0.1; done
  PEER=1
fi

CAS="/v1/casualties?city=Kyiv&from=$D1&to=$D10"
ETAG=$(curl -s -D - -o "$WORK/cas.json" "$before_URL$CAS" | awk 'tolower($1)=="etag:" {sub(/\r$/,""); print $2}')
HEAD=$(python3 - "$before_URL" <<'PY'
import json, sys, urllib.request
base, since = sys.argv[1], 0
while True:
    page = json.load(urllib.request.urlopen(f"{base}/v1/changes?since={since}&limit=1000"))
    if not page["items"]:
        print(page["next_since"]); break
    since = page["next_since"]
PY
)
log "casualties: $(wc -c <"$WORK/cas.json") B, ETag $ETAG; feed head $HEAD"
for url in "$before_URL" "$after_URL"; do  # warm the answer caches
  curl -s -o /dev/null "$url$CAS"; curl -s -o /dev/null -H 'Accept-Encoding: gzip' "$url$CAS"
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: \"$HEAD\"" "$url/v1/changes?since=$HEAD")" = 304 ] \
    || { echo "no 304 from $url for since=$HEAD:" >&2; curl -s -i -H "If-None-Match: \"$HEAD\"" "$url/v1/changes?since=$HEAD" | head -3 >&2; exit 1; }
done

# cpu PID: the process's user + system time so far, in clock ticks.
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK_US=$(awk -v hz="$(getconf CLK_TCK)" 'BEGIN {print 1000000 / hz}')

# measure KEY SERVER PATH [wrk args]: one wrk run against server SERVER (before, after,
# cors); appends "req/s p99-ms server-CPU-µs-per-request" to $WORK/KEY. The CPU the server
# spends per request is the steadier figure on a machine that others share.
measure() {
  local key=$1 server=$2 path=$3; shift 3
  local url_var="${server}_URL" pid_var="${server}_PID"
  local out=$WORK/run.wrk t0 t1
  t0=$(cpu "${!pid_var}")
  wrk -t2 -c64 -d"$DURATION" --latency "$@" "${!url_var}$path" >"$out" 2>&1 || { cat "$out" >&2; exit 1; }
  t1=$(cpu "${!pid_var}")
  local rps p99 bad requests us
  requests=$(awk '/requests in/ {print $1}' "$out")
  us=$(awk -v a="$t0" -v b="$t1" -v n="$requests" -v t="$TICK_US" 'BEGIN {printf "%.2f", (b - a) * t / n}')
  rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$out")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) printf "%.2f", v/1000; else if (v ~ /ms$/) printf "%.2f", v+0; else printf "%.2f", v*1000}' "$out")
  bad=$(awk '/Non-2xx or 3xx/ {n+=$NF} /Socket errors/ {gsub(",",""); n+=$4+$6+$8+$10} END {print n+0}' "$out")
  [ "$bad" = 0 ] || { echo "$key: $bad bad answers" >&2; cat "$out" >&2; exit 1; }
  echo "$rps $p99 $us" >>"$WORK/$key"
  log "$key: $rps req/s, p99 $p99 ms, server CPU $us µs/request"
}

ROWS=(
  "casualties|$CAS|"
  "changes304|/v1/changes?since=$HEAD|If-None-Match: \"$HEAD\""
)
for round in $(seq 1 "$ROUNDS"); do
  order=(before after); [ $((round % 2)) = 0 ] && order=(after before)
  for row in "${ROWS[@]}"; do
    IFS='|' read -r name path header <<<"$row"
    for who in "${order[@]}"; do
      if [ -n "$header" ]; then measure "$name.$who" "$who" "$path" -H "$header"
      else measure "$name.$who" "$who" "$path"; fi
    done
  done
  # Every query distinct (bounds moved by random seconds): the answer cache never hits.
  for who in "${order[@]}"; do
    BENCH_FROM=$D1 BENCH_TO=$D10 measure "uncached.$who" "$who" / -s "$HERE/casualties-uncached.lua"
  done
  [ "$PEER" = 1 ] && measure "uncached.peer" peer "/casualties?city=Kyiv"
  measure "casualties.gzip" after "$CAS" -H "Accept-Encoding: gzip"
  if [ "$CORS" = 1 ]; then
    measure "casualties.cors" cors "$CAS" -H "Origin: https://news.example"
    measure "changes304.cors" cors "/v1/changes?since=$HEAD" -H "If-None-Match: \"$HEAD\"" -H "Origin: https://news.example"
  fi
done

# median FILE COLUMN
median() { sort -n -k"$2" "$1" | awk -v c="$2" '{v[NR]=$c} END {print v[int((NR+1)/2)]}'; }
runs() { awk '{printf "%s%s", sep, $1; sep=", "}' "$1"; }
echo
echo "Machine: $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)."
echo "wrk -t2 -c64 -d$DURATION, $ROUNDS rounds taken in turn (before/after, order flipped each round): median req/s,"
echo "median p99, and the median CPU time the server spent per request (user + system, from /proc/PID/stat)."
echo "Before: $BEFORE; after: $AFTER."
echo
echo "| measurement | before req/s | after req/s | before p99 ms | after p99 ms | before CPU µs/req | after CPU µs/req | after / before, CPU per request |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for pair in "casualties|GET $CAS (cached), 200" "uncached|the same range, bounds moved by random seconds: every query distinct (cache misses)" "changes304|GET /v1/changes?since=$HEAD, If-None-Match \"$HEAD\", 304"; do
  IFS='|' read -r name label <<<"$pair"
  bc=$(median "$WORK/$name.before" 3); ac=$(median "$WORK/$name.after" 3)
  echo "| $label | $(median "$WORK/$name.before" 1) | $(median "$WORK/$name.after" 1) | $(median "$WORK/$name.before" 2) | $(median "$WORK/$name.after" 2) | $bc | $ac | $(awk -v a="$ac" -v b="$bc" 'BEGIN {printf "%.3f", a/b}') |"
done
extra() { echo "| $1 | | $(median "$WORK/$2" 1) | | $(median "$WORK/$2" 2) | | $(median "$WORK/$2" 3) | |"; }
extra "after, the same casualties with Accept-Encoding: gzip (kept gzip form)" casualties.gzip
if [ "$CORS" = 1 ]; then
  extra "after with --cors-origin, the same casualties from that Origin" casualties.cors
  extra "after with --cors-origin, the same 304 from that Origin" changes304.cors
fi
if [ "$PEER" = 1 ]; then
  echo "| the Hummingbird+GRDB peer, GET /casualties?city=Kyiv (its 20 newest strikes of 200,000, read every time) | | $(median "$WORK/uncached.peer" 1) | | $(median "$WORK/uncached.peer" 2) | | $(median "$WORK/uncached.peer" 3) | |"
fi
echo
if [ "$PEER" = 1 ]; then
  echo "Uncached casualties, ours / the peer (medians): after $(awk -v a="$(median "$WORK/uncached.after" 1)" -v b="$(median "$WORK/uncached.peer" 1)" 'BEGIN {printf "%.2f", a/b}')x req/s, $(awk -v a="$(median "$WORK/uncached.after" 3)" -v b="$(median "$WORK/uncached.peer" 3)" 'BEGIN {printf "%.2f", b/a}')x less CPU per request; before $(awk -v a="$(median "$WORK/uncached.before" 1)" -v b="$(median "$WORK/uncached.peer" 1)" 'BEGIN {printf "%.2f", a/b}')x req/s, $(awk -v a="$(median "$WORK/uncached.before" 3)" -v b="$(median "$WORK/uncached.peer" 3)" 'BEGIN {printf "%.2f", b/a}')x less CPU."
fi
echo
echo "Every run, req/s (before; after):"
for name in casualties uncached changes304; do echo "- $name: $(runs "$WORK/$name.before"); $(runs "$WORK/$name.after")"; done
echo "Every run, server CPU µs/request (before; after):"
for name in casualties uncached changes304; do
  echo "- $name: $(awk '{printf "%s%s", s, $3; s=", "}' "$WORK/$name.before"); $(awk '{printf "%s%s", s, $3; s=", "}' "$WORK/$name.after")"
done
