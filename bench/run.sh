#!/usr/bin/env bash
# StrikeLedger benchmarks: builds the release server and the peer servers, loads a
# dataset, measures reads, conditional polls, durable ingest, peers, nginx and
# 10,000 long-polls, and prints one markdown table. See bench/README.md.
#
#   bench/run.sh                 # everything, ~5-8 minutes once built
# Environment:
#   STRIKELEDGER_BIN     use this server binary instead of building one
#   STRIKELEDGER_SHARED  the folder holding bench/peer (default: ../shared next to the
#                        repository). The peers are not part of this repository: when
#                        bench/peer is missing, their rows are skipped with a message.
#   PEER_BUILD           scratch path for the peer build (default /tmp/peer-build)
#   BENCH_DURATION       wrk duration per measurement (default 10s)
#   BENCH_STRIKES        strikes in the dataset (default 20000)
#   BENCH_POLLS          long-polls to hold (default 10000)
#   BENCH_SKIP_PEERS=1   skip the Hummingbird and FlyingFox peers
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
SHARED=${STRIKELEDGER_SHARED:-$(cd "$REPO/.." && pwd)/shared}
PEER_SRC=$SHARED/bench/peer
PEER_BUILD=${PEER_BUILD:-/tmp/peer-build}
DURATION=${BENCH_DURATION:-10s}
STRIKES=${BENCH_STRIKES:-20000}
POLLS=${BENCH_POLLS:-10000}
T_START=$(date +%s)
LOAD_BEFORE=$(cut -d" " -f1-3 /proc/loadavg)

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---- peers: optional, their sources live outside this repository ----------------
PEERS=1; PEER_NOTE=""
if [ "${BENCH_SKIP_PEERS:-0}" = 1 ]; then
  PEERS=0; PEER_NOTE="skipped (BENCH_SKIP_PEERS=1)"
elif [ ! -f "$PEER_SRC/Package.swift" ]; then
  PEERS=0; PEER_NOTE="skipped: no peer package at $PEER_SRC"
  log "peers skipped: no $PEER_SRC/Package.swift. The Hummingbird and FlyingFox peers are not part of this repository; set STRIKELEDGER_SHARED to a folder holding bench/peer to measure them. Every other row runs as usual; the peer ratios will read n/a."
fi

# ---- tools -----------------------------------------------------------------------
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v sqlite3 >/dev/null || missing+=(sqlite3)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get install -y "${missing[@]}" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "${missing[@]}" >/dev/null; }
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

WORK=$(mktemp -d /tmp/strikeledger-bench.XXXXXX)
PIDS=()
cleanup() {
  set +e
  stop_server 2>/dev/null
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# ---- builds ----------------------------------------------------------------------
if [ -z "${STRIKELEDGER_BIN:-}" ]; then
  log "building strikeledger (release)"
  (cd "$REPO" && swift build -c release --product strikeledger >"$WORK/build.log" 2>&1) \
    || { tail -30 "$WORK/build.log"; echo "release build failed" >&2; exit 1; }
  STRIKELEDGER_BIN=$(cd "$REPO" && swift build -c release --show-bin-path)/strikeledger
fi
export STRIKELEDGER_BIN
# shellcheck source=../scripts/server.sh
source "$REPO/scripts/server.sh"

if [ "$PEERS" = 1 ]; then
  log "building peers in $PEER_BUILD (about 4 minutes when cold)"
  # SwiftPM writes Package.resolved next to Package.swift: leave the shared tree as found.
  had_resolved=0; [ -e "$PEER_SRC/Package.resolved" ] && had_resolved=1
  if ! timeout 1500 swift build -c release --package-path "$PEER_SRC" --scratch-path "$PEER_BUILD" >"$WORK/peer-build.log" 2>&1; then
    PEERS=0; PEER_NOTE="skipped: peer build failed (see stderr)"
    tail -15 "$WORK/peer-build.log" >&2
    echo "PEERS SKIPPED: swift build of $PEER_SRC failed" >&2
  fi
  [ "$had_resolved" = 1 ] || rm -f "$PEER_SRC/Package.resolved"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { # URL: wait up to 20 s for any HTTP answer
  for _ in $(seq 1 200); do curl -s -o /dev/null --max-time 1 "$1" && return 0; sleep 0.1; done
  echo "no answer from $1" >&2; return 1
}

# wrk NAME URL [wrk args...]: runs wrk, keeps its output in $WORK/NAME.wrk, sets
# RPS, P50, P99 (milliseconds) and BAD (non-2xx/3xx answers + socket errors).
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.2f", v/1000; else if (v ~ /ms$/) printf "%.2f", v+0; else if (v ~ /m$/) printf "%.0f", v*60000; else printf "%.2f", v*1000 }'; }
run_wrk() {
  local name=$1 url=$2; shift 2
  timeout 120 wrk "$@" --latency "$url" >"$WORK/$name.wrk" 2>&1 || { cat "$WORK/$name.wrk" >&2; echo "wrk $name failed" >&2; }
  RPS=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$WORK/$name.wrk")
  P50=$(to_ms "$(awk '$1=="50%" {print $2}' "$WORK/$name.wrk")")
  P99=$(to_ms "$(awk '$1=="99%" {print $2}' "$WORK/$name.wrk")")
  BAD=$(awk '/Non-2xx or 3xx/ {n+=$NF} /Socket errors/ {gsub(",",""); n+=$4+$6+$8+$10} END {print n+0}' "$WORK/$name.wrk")
  log "$name: $RPS req/s, p50 $P50 ms, p99 $P99 ms, bad $BAD"
}
WRK=(-t2 -c64 -d"$DURATION")
ROWS=()
row() { ROWS+=("| $1 | $2 | $3 | $4 | $5 |"); }

# ---- our server and the dataset --------------------------------------------------
DB=$WORK/ledger.sqlite
# Strikes of a city sit 10 minutes apart in the dataset; a 60 s match window keeps
# every first report a new strike (the default 6 hours would fold them together).
start_server "$DB" --match-window 60
OUR_PID=$SERVER_PID
KEY=$("$STRIKELEDGER_BIN" keys create --db "$DB" --name bench --role reporter)
log "server pid $OUR_PID on $BASE; loading $STRIKES strikes"
LOAD=$(timeout 600 python3 "$HERE/load.py" "$BASE" "$KEY" --strikes "$STRIKES" --threads 8)
log "load: $LOAD"
jget() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
LOAD_S=$(jget "$LOAD" seconds); LOAD_REPORTS=$(jget "$LOAD" reports); LOAD_RPS=$(jget "$LOAD" reports_per_s)
D1=$(jget "$LOAD" kyiv_from); D10=$(jget "$LOAD" kyiv_to)

CAS_PATH="/v1/casualties?city=Kyiv&from=$D1&to=$D10"
curl -s -D "$WORK/cas.headers" -o "$WORK/casualties.json" "$BASE$CAS_PATH"
ETAG=$(awk 'tolower($1)=="etag:" {sub(/\r$/,""); print $2}' "$WORK/cas.headers")
CAS_BYTES=$(wc -c <"$WORK/casualties.json")
CAS_STRIKES=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"]["strikes"])' "$WORK/casualties.json")
CODE=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $ETAG" "$BASE$CAS_PATH")
[ "$CODE" = 304 ] || echo "WARNING: casualties with If-None-Match $ETAG answered $CODE, not 304" >&2

# The feed's head: with no items after `since`, next_since is the head.
HEAD=$(python3 - "$BASE" <<'EOF'
import json, sys, urllib.request
base, since = sys.argv[1], 0
while True:
    page = json.load(urllib.request.urlopen(f"{base}/v1/changes?since={since}&limit=1000"))
    if not page["items"]:
        print(page["next_since"]); break
    since = page["next_since"]
EOF
)
CODE=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: \"$HEAD\"" "$BASE/v1/changes?since=$HEAD")
[ "$CODE" = 304 ] || echo "WARNING: changes?since=$HEAD with If-None-Match answered $CODE, not 304" >&2

run_wrk casualties "$BASE$CAS_PATH" "${WRK[@]}"
CAS_RPS=$RPS; row "GET /v1/casualties Kyiv $D1..$D10 ($CAS_STRIKES strikes, $CAS_BYTES B), 200" "$RPS" "$P50" "$P99" "bad answers $BAD"
BENCH_FROM=$D1 BENCH_TO=$D10 run_wrk casualties_uncached "$BASE" "${WRK[@]}" -s "$HERE/casualties-uncached.lua"
CAS_MISS_RPS=$RPS; row "same range, every query distinct (answer cache misses: query + JSON each time)" "$RPS" "$P50" "$P99" "bad answers $BAD"
run_wrk casualties304 "$BASE$CAS_PATH" "${WRK[@]}" -H "If-None-Match: $ETAG"
row "same, If-None-Match $ETAG → 304" "$RPS" "$P50" "$P99" "bad answers $BAD"
run_wrk changes304 "$BASE/v1/changes?since=$HEAD" "${WRK[@]}" -H "If-None-Match: \"$HEAD\""
POLL_RPS=$RPS; row "GET /v1/changes?since=$HEAD, If-None-Match \"$HEAD\" → 304" "$RPS" "$P50" "$P99" "bad answers $BAD"

# The disk is shared: measure its ceiling right before and right after the ingest run.
log "commit ceiling of the disk under $WORK"
CEIL1=$(jget "$(python3 "$HERE/commits.py" "$WORK" 3)" commits_per_s)
log "ingest: POST /v1/reports, 16 connections"
BENCH_KEY=$KEY run_wrk ingest "$BASE" -t2 -c16 -d"$DURATION" -s "$HERE/ingest.lua"
ING_RPS=$RPS
CEIL2=$(jget "$(python3 "$HERE/commits.py" "$WORK" 3)" commits_per_s)
# The higher of the two: the ratio to it is the conservative one.
CEIL_CPS=$(awk -v a="$CEIL1" -v b="$CEIL2" 'BEGIN { printf "%.0f", (a > b ? a : b) }')
log "commit ceiling: $CEIL1 before, $CEIL2 after ingest"
row "POST /v1/reports, 16 clients (new strike + revision each)" "$RPS" "$P50" "$P99" "bad answers $BAD"
row "one-commit-per-write ceiling (sqlite3, WAL, synchronous=FULL, 1 row/txn)" "$CEIL_CPS commits/s" "" "" "higher of $CEIL1 (before ingest) and $CEIL2 (after), same disk"

log "long-poll: holding $POLLS polls"
LP=$(timeout 240 python3 "$HERE/longpoll.py" "$BASE" "$KEY" --pid "$OUR_PID" -n "$POLLS" --deadline 200) || LP='{}'
log "long-poll: $LP"
lp() { python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], "n/a"))' "$LP" "$1"; }
kill -0 "$OUR_PID" 2>/dev/null || echo "SERVER DIED during the run (pid $OUR_PID); log: $SERVER_LOG" >&2
stop_server
if grep -qE ' (warning|error|critical) |[Ff]atal|[Cc]rash|[Aa]ssert|[Ss]egmentation' "$SERVER_LOG"; then
  echo "SERVER LOG SHOWS TROUBLE (kept at $SERVER_LOG):" >&2
  grep -E ' (warning|error|critical) |[Ff]atal|[Cc]rash|[Aa]ssert|[Ss]egmentation' "$SERVER_LOG" | head -20 >&2
  SERVER_TROUBLE="see $SERVER_LOG"
else
  rm -f "$SERVER_LOG"
fi

# ---- nginx serving the same bytes ------------------------------------------------
mkdir -p "$WORK/www" "$WORK/nginx"
cp "$WORK/casualties.json" "$WORK/www/casualties.json"
chmod 755 "$WORK" "$WORK/www"; chmod 644 "$WORK/www/casualties.json"
NGINX_PORT=$(free_port)
cat >"$WORK/nginx/nginx.conf" <<EOF
daemon off;
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  default_type application/json;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WORK/www;
  }
}
EOF
NGINX_RPS=""
if "$NGINX" -e "$WORK/nginx/error.log" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -t >/dev/null 2>&1; then
  "$NGINX" -e "$WORK/nginx/error.log" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" &
  NGINX_PID=$!; PIDS+=("$NGINX_PID")
  wait_http "http://127.0.0.1:$NGINX_PORT/casualties.json"
  run_wrk nginx "http://127.0.0.1:$NGINX_PORT/casualties.json" "${WRK[@]}"
  NGINX_RPS=$RPS; row "nginx-light, static file of the same $CAS_BYTES bytes" "$RPS" "$P50" "$P99" "bad answers $BAD"
  kill -TERM "$NGINX_PID"; wait "$NGINX_PID" 2>/dev/null || true
else
  echo "nginx did not start:" >&2; "$NGINX" -e stderr -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -t >&2 || true
  row "nginx-light static file" "failed" "" "" "see stderr"
fi

# ---- peers -----------------------------------------------------------------------
HB_RPS=""; FF_RPS=""
if [ "$PEERS" = 1 ]; then
  python3 "$PEER_SRC/make-db.py" "$WORK/peer.sqlite" >/dev/null
  for peer in HBServer FFServer; do
    port=$(free_port)
    "$PEER_BUILD/release/$peer" "$WORK/peer.sqlite" "$port" >"$WORK/$peer.log" 2>&1 &
    pid=$!; PIDS+=("$pid")
    wait_http "http://127.0.0.1:$port/casualties?city=Kyiv"
    bytes=$(curl -s "http://127.0.0.1:$port/casualties?city=Kyiv" | wc -c)
    run_wrk "$peer" "http://127.0.0.1:$port/casualties?city=Kyiv" "${WRK[@]}"
    if [ "$peer" = HBServer ]; then HB_RPS=$RPS; name="Hummingbird 2 + GRDB peer"; else FF_RPS=$RPS; name="FlyingFox + GRDB peer"; fi
    row "$name, GET /casualties?city=Kyiv (20 strikes, $bytes B)" "$RPS" "$P50" "$P99" "bad answers $BAD"
    kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  done
else
  row "Hummingbird / FlyingFox peers" "n/a" "" "" "$PEER_NOTE"
fi

# ---- the table -------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b+0 == 0) print "n/a"; else printf "%.2f×", a/b }'; }
T_END=$(date +%s)
CPU=$(awk -F: '/model name/ {sub(/^ +/, "", $2); print $2; exit}' /proc/cpuinfo)
cat <<EOF

## StrikeLedger benchmark, $(date -u +'%Y-%m-%d %H:%M UTC')

Machine: $(nproc) cores, ${CPU:-unknown CPU}, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM; load average before the run: ${LOAD_BEFORE:-$(cut -d' ' -f1-3 /proc/loadavg)}.
Server: $STRIKELEDGER_BIN (sources at $(git -C "$REPO" log -1 --format=%h -- Sources Migrations Package.swift 2>/dev/null || echo '?')), wrk ${WRK[*]} unless stated.
Dataset: $STRIKES strikes, $LOAD_REPORTS reports over 8 cities and 3 years, loaded over HTTP in $LOAD_S s ($LOAD_RPS reports/s, 8 threads, keep-alive).

| measurement | req/s | p50 ms | p99 ms | notes |
|---|---:|---:|---:|---|
EOF
printf '%s\n' "${ROWS[@]}"
cat <<EOF
| long-polls held ($(lp held_per_metrics) of $POLLS per /metrics), one revision committed | woken $(lp woken), within 1 s: $(lp woken_within_1s) | $(lp p50_ms) | $(lp p99_ms) | max $(lp max_ms) ms after the POST's answer; statuses $(lp statuses) |
| server RSS: before polls / $POLLS held / after wake-up / after close | $(lp rss_before_mib) / $(lp rss_held_mib) / $(lp rss_after_wake_mib) / $(lp rss_after_close_mib) MiB | | | |

| ratio | value | target |
|---|---:|---|
| casualties: ours / Hummingbird | $(ratio "$CAS_RPS" "$HB_RPS") | ≥ 3× (and p99 ≤ 10 ms) |
| casualties, cache missing every time: ours / Hummingbird | $(ratio "$CAS_MISS_RPS" "$HB_RPS") | (the uncached floor) |
| casualties: ours / FlyingFox | $(ratio "$CAS_RPS" "$FF_RPS") | |
| 304 conditional poll / nginx static | $(ratio "$POLL_RPS" "$NGINX_RPS") | ≥ 0.6× |
| durable ingest / one-commit-per-write ceiling | $(ratio "$ING_RPS" "$CEIL_CPS") | ≥ 2× |

Server log: ${SERVER_TROUBLE:-no warning or error}. Run time: $((T_END - T_START)) s.
EOF
