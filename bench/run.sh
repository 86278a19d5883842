#!/usr/bin/env bash
# StrikeLedger benchmarks: builds the release server and the peer servers, loads one
# dataset per engine (SQLite, PostgreSQL), measures reads, conditional polls, durable
# ingest and 10,000 long-polls on each engine, side by side in the same run, then the
# yardsticks (nginx, the peers, each engine's one-commit-per-write ceiling), and prints
# markdown tables. See bench/README.md.
#
#   bench/run.sh                 # everything, ~8-12 minutes once built
# Environment:
#   STRIKELEDGER_BIN     use this server binary instead of building one
#   STRIKELEDGER_SHARED  the folder holding bench/peer (default: ../shared next to the
#                        repository). The peers are not part of this repository: when
#                        bench/peer is missing, their rows are skipped with a message.
#   PEER_BUILD           scratch path for the peer build (default /tmp/peer-build)
#   BENCH_ENGINES        "sqlite postgres" (default), "sqlite" or "postgres"
#   BENCH_DURATION       wrk duration per measurement (default 10s)
#   BENCH_STRIKES        strikes in the dataset (default 20000)
#   BENCH_POLLS          long-polls to hold (default 10000)
#   BENCH_SKIP_PEERS=1   skip the Hummingbird and FlyingFox peers
# PostgreSQL: a throwaway server from scripts/postgres.sh (installs Debian's postgresql
# when missing; fsync and synchronous_commit on), one fresh database per run.
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

ENGINES=()
for e in ${BENCH_ENGINES:-sqlite postgres}; do
  e=${e//,/}
  case $e in
    sqlite) ENGINES+=(sqlite) ;;
    postgres | postgresql | pg) ENGINES+=(postgres) ;;
    "") ;;
    *) echo "BENCH_ENGINES: unknown engine '$e' (sqlite, postgres)" >&2; exit 2 ;;
  esac
done
[ ${#ENGINES[@]} -gt 0 ] || { echo "BENCH_ENGINES names no engine" >&2; exit 2; }
wants() { [[ " ${ENGINES[*]} " == *" $1 "* ]]; }
engine_name() { case $1 in sqlite) echo SQLite ;; postgres) echo PostgreSQL ;; esac; }

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
declare -A R=()  # results, keyed "engine:name"
cleanup() {
  set +e
  for e in "${ENGINES[@]}"; do stop_engine "$e" 2>/dev/null; done
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  if declare -F postgres_stop >/dev/null; then postgres_stop; fi
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

# ---- PostgreSQL ------------------------------------------------------------------
if wants postgres; then
  # shellcheck source=../scripts/postgres.sh
  source "$REPO/scripts/postgres.sh"
  postgres_start || { echo "could not start PostgreSQL (scripts/postgres.sh)" >&2; exit 1; }
  PSQL=$STRIKELEDGER_PG_BIN/psql
  PGBENCH=$STRIKELEDGER_PG_BIN/pgbench
  PG_VERSION=$("$STRIKELEDGER_PG_BIN/postgres" --version | awk '{print $3}')
  # A database URL of the bench's server: the test database's URL with another name.
  pg_url() { echo "${STRIKELEDGER_TEST_POSTGRES%/*}/$1"; }
  pg_admin() { "$PSQL" -X -q -A -t -v ON_ERROR_STOP=1 "$STRIKELEDGER_TEST_POSTGRES" "$@"; }
  # The ceiling's own database, so that the ledger's holds nothing but the ledger.
  pg_admin -c "CREATE DATABASE strikeledger_ceiling"
  "$PSQL" -X -q -v ON_ERROR_STOP=1 "$(pg_url strikeledger_ceiling)" \
    -c "CREATE TABLE commit_ceiling (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v TEXT NOT NULL)"
  echo "INSERT INTO commit_ceiling (v) VALUES ('revision');" >"$WORK/ceiling.sql"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { # URL: wait up to 20 s for any HTTP answer
  for _ in $(seq 1 200); do curl -s -o /dev/null --max-time 1 "$1" && return 0; sleep 0.1; done
  echo "no answer from $1" >&2; return 1
}
jget() { python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], "n/a"))' "$1" "$2"; }

# ---- what a measurement costs: CPU of each process, the store's own counters -----
cpu_ticks() { # PIDs...: user+system clock ticks summed over the processes
  local t=0 p f
  for p in "$@"; do
    f=$(cut -d' ' -f14,15 "/proc/$p/stat" 2>/dev/null) || continue
    t=$((t + ${f% *} + ${f#* }))
  done
  echo "$t"
}
pg_pids() { # the PostgreSQL cluster: the postmaster and its children (backends, WAL writer...)
  local pm
  pm=$(head -1 "$STRIKELEDGER_PG_DIR/data/postmaster.pid" 2>/dev/null) || return 0
  echo "$pm"; ps -o pid= --ppid "$pm" 2>/dev/null || true
}
# snapshot ENGINE: "server_ticks db_ticks reads read_s writes write_s commits"
snapshot() {
  local e=$1 db=0
  [ "$e" = postgres ] && db=$(cpu_ticks $(pg_pids))
  curl -s --max-time 5 "${R[$e:base]}/metrics" | awk -v s="$(cpu_ticks "${R[$e:pid]}")" -v d="$db" '
    /^strikeledger_database_operations\{kind="read"\}/ { r = $NF }
    /^strikeledger_database_seconds\{kind="read"\}/ { rs = $NF }
    /^strikeledger_database_operations\{kind="write"\}/ { w = $NF }
    /^strikeledger_database_seconds\{kind="write"\}/ { ws = $NF }
    /^strikeledger_database_commits / { c = $NF }
    END { printf "%s %s %d %.6f %d %.6f %d\n", s, d, r, rs, w, ws, c }'
}
# cost ENGINE NAME REQUESTS BEFORE AFTER: per-request CPU and store figures into R
cost() {
  local e=$1 name=$2 n=$3 hz s0 d0 r0 rs0 w0 ws0 c0 s1 d1 r1 rs1 w1 ws1 c1
  hz=$(getconf CLK_TCK)
  read -r s0 d0 r0 rs0 w0 ws0 c0 <<<"$4"
  read -r s1 d1 r1 rs1 w1 ws1 c1 <<<"$5"
  [ "${n:-0}" -gt 0 ] 2>/dev/null || return 0
  R[$e:$name:cpu_us]=$(awk -v a="$s0" -v b="$s1" -v n="$n" -v hz="$hz" 'BEGIN { printf "%.0f", (b-a)/hz*1e6/n }')
  [ "$e" = postgres ] && R[$e:$name:db_cpu_us]=$(awk -v a="$d0" -v b="$d1" -v n="$n" -v hz="$hz" 'BEGIN { printf "%.0f", (b-a)/hz*1e6/n }')
  R[$e:$name:reads]=$(awk -v a="$r0" -v b="$r1" -v n="$n" 'BEGIN { printf "%.2f", (b-a)/n }')
  R[$e:$name:read_ms]=$(awk -v a="$r0" -v b="$r1" -v x="$rs0" -v y="$rs1" 'BEGIN { if (b > a) printf "%.2f", (y-x)*1000/(b-a); else print "" }')
  R[$e:$name:writes]=$(awk -v a="$w0" -v b="$w1" -v n="$n" 'BEGIN { printf "%.2f", (b-a)/n }')
  R[$e:$name:write_ms]=$(awk -v a="$w0" -v b="$w1" -v x="$ws0" -v y="$ws1" 'BEGIN { if (b > a) printf "%.2f", (y-x)*1000/(b-a); else print "" }')
  R[$e:$name:per_commit]=$(awk -v a="$w0" -v b="$w1" -v x="$c0" -v y="$c1" 'BEGIN { if (y > x) printf "%.1f", (b-a)/(y-x); else print "" }')
}

# wrk ENGINE NAME URL [wrk args...]: runs wrk, keeps its output in $WORK/ENGINE/NAME.wrk,
# and stores rps, p50, p99 (milliseconds), bad (non-2xx/3xx answers + socket errors)
# and the per-request costs in R[ENGINE:NAME:...].
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.2f", v/1000; else if (v ~ /ms$/) printf "%.2f", v+0; else if (v ~ /m$/) printf "%.0f", v*60000; else printf "%.2f", v*1000 }'; }
run_wrk() {
  local e=$1 name=$2 url=$3; shift 3
  local out=$WORK/$e/$name.wrk before="" after=""
  [ "$e" = yard ] || before=$(snapshot "$e")
  timeout 120 wrk "$@" --latency "$url" >"$out" 2>&1 || { cat "$out" >&2; echo "wrk $e $name failed" >&2; }
  [ "$e" = yard ] || after=$(snapshot "$e")
  R[$e:$name:rps]=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$out")
  R[$e:$name:p50]=$(to_ms "$(awk '$1=="50%" {print $2}' "$out")")
  R[$e:$name:p99]=$(to_ms "$(awk '$1=="99%" {print $2}' "$out")")
  R[$e:$name:bad]=$(awk '/Non-2xx or 3xx/ {n+=$NF} /Socket errors/ {gsub(",",""); n+=$4+$6+$8+$10} END {print n+0}' "$out")
  [ "$e" = yard ] || cost "$e" "$name" "$(awk '/requests in/ {print $1; exit}' "$out")" "$before" "$after"
  log "$(engine_name "$e") $name: ${R[$e:$name:rps]} req/s, p50 ${R[$e:$name:p50]} ms, p99 ${R[$e:$name:p99]} ms, bad ${R[$e:$name:bad]}; server CPU ${R[$e:$name:cpu_us]:-?} µs/req${R[$e:$name:db_cpu_us]:+, PostgreSQL CPU ${R[$e:$name:db_cpu_us]} µs/req}"
}
WRK=(-t2 -c64 -d"$DURATION")

# ---- the engines: a server on a fresh database each, and the dataset -------------
start_engine() {
  local e=$1 db
  mkdir -p "$WORK/$e"
  case $e in
    sqlite) db=$WORK/$e/ledger.sqlite ;;
    postgres)
      pg_admin -c "CREATE DATABASE strikeledger_bench"
      db=$(pg_url strikeledger_bench) ;;
  esac
  # Strikes of a city sit 10 minutes apart in the dataset; a 60 s match window keeps
  # every first report a new strike (the default 6 hours would fold them together).
  start_server "$db" --match-window 60
  R[$e:pid]=$SERVER_PID; R[$e:base]=$BASE; R[$e:log]=$SERVER_LOG
  R[$e:key]=$("$STRIKELEDGER_BIN" keys create --db "$db" --name bench --role reporter)
  R[$e:editor]=$("$STRIKELEDGER_BIN" keys create --db "$db" --name bench-editor --role editor)
  log "$(engine_name "$e") server pid $SERVER_PID on $BASE; loading $STRIKES strikes"
  local before after load
  before=$(snapshot "$e")
  load=$(timeout 900 python3 "$HERE/load.py" "$BASE" "${R[$e:key]}" --strikes "$STRIKES" --threads 8)
  after=$(snapshot "$e")
  log "$(engine_name "$e") load: $load"
  R[$e:load_s]=$(jget "$load" seconds); R[$e:load_reports]=$(jget "$load" reports); R[$e:load_rps]=$(jget "$load" reports_per_s)
  R[$e:d1]=$(jget "$load" kyiv_from); R[$e:d10]=$(jget "$load" kyiv_to)
  cost "$e" load "${R[$e:load_reports]}" "$before" "$after"
}

stop_engine() {
  local e=$1
  [ -n "${R[$e:pid]:-}" ] || return 0
  kill -0 "${R[$e:pid]}" 2>/dev/null || echo "SERVER DIED during the run ($(engine_name "$e"), pid ${R[$e:pid]}); log: ${R[$e:log]}" >&2
  SERVER_PID=${R[$e:pid]}; stop_server; R[$e:pid]=""
  local trouble=' (warning|error|critical) |[Ff]atal|[Cc]rash|[Aa]ssert|[Ss]egmentation'
  if grep -qE "$trouble" "${R[$e:log]}"; then
    echo "$(engine_name "$e") SERVER LOG SHOWS TROUBLE (kept at ${R[$e:log]}):" >&2
    grep -E "$trouble" "${R[$e:log]}" | head -20 >&2
    R[$e:trouble]="see ${R[$e:log]}"
  else
    rm -f "${R[$e:log]}"
  fi
}

# ---- reads and polls -------------------------------------------------------------
feed_head() { # BASE [SINCE]: the feed's head (with no items after `since`, next_since is the head)
  python3 - "$1" "${2:-0}" <<'EOF'
import json, sys, urllib.request
base, since = sys.argv[1], int(sys.argv[2])
while True:
    page = json.load(urllib.request.urlopen(f"{base}/v1/changes?since={since}&limit=1000"))
    if not page["items"]:
        print(page["next_since"]); break
    since = page["next_since"]
EOF
}
measure_reads() {
  local e=$1 base=${R[$1:base]} d1=${R[$1:d1]} d10=${R[$1:d10]}
  local path="/v1/casualties?city=Kyiv&from=$d1&to=$d10" code etag head
  R[$e:cas_path]=$path
  curl -s -D "$WORK/$e/cas.headers" -o "$WORK/$e/casualties.json" "$base$path"
  etag=$(awk 'tolower($1)=="etag:" {sub(/\r$/,""); print $2}' "$WORK/$e/cas.headers")
  R[$e:etag]=$etag
  R[$e:cas_bytes]=$(wc -c <"$WORK/$e/casualties.json")
  R[$e:cas_strikes]=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"]["strikes"])' "$WORK/$e/casualties.json")
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$base$path")
  [ "$code" = 304 ] || echo "WARNING: $(engine_name "$e"): casualties with If-None-Match $etag answered $code, not 304" >&2

  head=$(feed_head "$base")
  R[$e:head]=$head
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: \"$head\"" "$base/v1/changes?since=$head")
  [ "$code" = 304 ] || echo "WARNING: $(engine_name "$e"): changes?since=$head with If-None-Match answered $code, not 304" >&2

  run_wrk "$e" casualties "$base$path" "${WRK[@]}"
  BENCH_FROM=$d1 BENCH_TO=$d10 run_wrk "$e" casualties_uncached "$base" "${WRK[@]}" -s "$HERE/casualties-uncached.lua"
  run_wrk "$e" casualties304 "$base$path" "${WRK[@]}" -H "If-None-Match: $etag"
  run_wrk "$e" changes304 "$base/v1/changes?since=$head" "${WRK[@]}" -H "If-None-Match: \"$head\""
  BENCH_HEAD=$head run_wrk "$e" changes_page "$base" "${WRK[@]}" -s "$HERE/changes-pages.lua"

  # A slow query must not stall the others: one client loops the 366-day all-city
  # casualties query while wrk asks /healthz.
  local slow="/v1/casualties?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z"
  R[$e:slow_ms]=$(curl -s -o /dev/null -w '%{time_total}' "$base$slow" | awk '{printf "%.0f", $1 * 1000}')
  R[$e:slow_bytes]=$(curl -s "$base$slow" | wc -c)
  (end=$((SECONDS + ${DURATION%s} + 2)); n=0
   while [ $SECONDS -lt $end ]; do curl -s -o /dev/null "${base}${slow%00Z}$(printf %02d $((n % 60)))Z"; n=$((n + 1)); done
   echo $n >"$WORK/$e/slow.count") &
  local looper=$!
  sleep 1
  run_wrk "$e" healthz_slow "$base/healthz" -t1 -c16 -d"$DURATION"
  wait $looper
  R[$e:slow_loops]=$(cat "$WORK/$e/slow.count" 2>/dev/null || echo 0)
}

# ---- durable ingest and each engine's one-commit-per-write ceiling ----------------
# SQLite: commits.py, single-row transactions in process, WAL, synchronous=FULL.
# PostgreSQL: pgbench, one client, a one-row INSERT per transaction (autocommit: one
# round trip and one WAL flush each) over TCP to 127.0.0.1, as the server connects.
# Both on the same file system (/tmp): the data directory of scripts/postgres.sh.
ceiling() { # ENGINE [CLIENTS]: commits/s
  local e=$1 clients=${2:-1}
  case $e in
    sqlite) jget "$(python3 "$HERE/commits.py" "$WORK/$e" 3)" commits_per_s ;;
    postgres)
      local url; url=$(pg_url strikeledger_ceiling)
      # A 1 s warm-up, then 3 s measured.
      "$PGBENCH" -n -M prepared -c "$clients" -j "$((clients > 1 ? 2 : 1))" -T 1 -f "$WORK/ceiling.sql" "$url" >/dev/null 2>&1 || true
      "$PGBENCH" -n -M prepared -c "$clients" -j "$((clients > 1 ? 2 : 1))" -T 3 -f "$WORK/ceiling.sql" "$url" 2>&1 \
        | awk '/^tps/ { printf "%.1f", $3; found = 1; exit } END { if (!found) print "n/a" }' ;;
  esac
}
measure_ingest() {
  local e=$1 c1 c2
  # The disk is shared: measure its ceiling right before and right after the ingest run.
  log "$(engine_name "$e"): one-commit-per-write ceiling under /tmp"
  c1=$(ceiling "$e")
  log "$(engine_name "$e") ingest: POST /v1/reports, 16 connections"
  BENCH_KEY=${R[$e:key]} run_wrk "$e" ingest "${R[$e:base]}" -t2 -c16 -d"$DURATION" -s "$HERE/ingest.lua"
  c2=$(ceiling "$e")
  # The same at 1, 4 and 64 clients: where the CPU, not the disk, is the wall.
  local clients
  for clients in 1 4 64; do
    BENCH_KEY=${R[$e:key]} run_wrk "$e" "ingest$clients" "${R[$e:base]}" -t$((clients > 1 ? 2 : 1)) -c$clients -d"$DURATION" -s "$HERE/ingest.lua"
  done
  # A write's cost against its strike's history (4,000 revisions on one strike).
  log "$(engine_name "$e"): 4000 revisions on one strike (history.py)"
  R[$e:history]=$(timeout 600 python3 "$HERE/history.py" "${R[$e:base]}" "${R[$e:editor]}" -n "${BENCH_HISTORY:-4000}" --block "${BENCH_HISTORY_BLOCK:-500}") || R[$e:history]='{}'
  # The higher of the two: the ratio to it is the conservative one.
  R[$e:ceil]=$(awk -v a="$c1" -v b="$c2" 'BEGIN { printf "%.0f", (a > b ? a : b) }')
  R[$e:ceil_note]="$c1 before, $c2 after"
  log "$(engine_name "$e") commit ceiling: $c1 before, $c2 after ingest"
  if [ "$e" = postgres ]; then
    # What PostgreSQL's own group commit gives when 16 clients commit at once.
    R[$e:ceil16]=$(ceiling "$e" 16)
    log "PostgreSQL commit ceiling with 16 clients: ${R[$e:ceil16]} commits/s"
  fi
}

# ---- long-polls ------------------------------------------------------------------
measure_longpolls() {
  local e=$1
  log "$(engine_name "$e") long-poll: holding $POLLS polls"
  R[$e:lp]=$(timeout 240 python3 "$HERE/longpoll.py" "${R[$e:base]}" "${R[$e:key]}" --pid "${R[$e:pid]}" -n "$POLLS" --deadline 200) || R[$e:lp]='{}'
  log "$(engine_name "$e") long-poll: ${R[$e:lp]}"
}
lp() { if [ -n "${R[$1:lp]:-}" ]; then jget "${R[$1:lp]}" "$2"; else echo "—"; fi; }

# ---- PostgreSQL: statements (round trips) per request, from the server's log -----
# Measured after the timed runs: log_statement = 'all' for the bench's database, then
# a few requests of each kind one after another on one connection; every statement the
# server executes is one round trip on its connection (libpq's PQexecPrepared).
count_pg_statements() {
  local base=${R[postgres:base]} pglog=$STRIKELEDGER_PG_DIR/server.log kind off
  local head; head=$(feed_head "$base" "${R[postgres:head]}")  # the ingest and long-poll runs moved it
  pg_admin -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
  sleep 0.5
  for kind in casualties casualties_uncached casualties304 changes304 changes_page ingest; do
    off=$(stat -c %s "$pglog")
    python3 - "$base" "${R[postgres:key]}" "$kind" 20 "${R[postgres:d1]}" "${R[postgres:d10]}" "$head" <<'EOF'
import datetime, http.client, json, random, sys, urllib.parse
base, key, kind, n, d1, d10, head = sys.argv[1:8]
n = int(n)
u = urllib.parse.urlsplit(base)
c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
# Kyiv local midnight of the range's first day is 21:00 UTC the day before (UTC+3 in June).
day_before = (datetime.date.fromisoformat(d1) - datetime.timedelta(days=1)).isoformat()
head = int(head)
etag = None
for i in range(n):
    headers, body, method = {}, None, "GET"
    if kind == "casualties":
        path = f"/v1/casualties?city=Kyiv&from={d1}&to={d10}"
    elif kind == "casualties304":
        # The first asks without a tag (the long-poll run's revision changed this answer).
        path = f"/v1/casualties?city=Kyiv&from={d1}&to={d10}"
        if etag: headers = {"If-None-Match": etag}
    elif kind == "casualties_uncached":
        path = f"/v1/casualties?city=Kyiv&from={day_before}T21:{i // 60:02d}:{i % 60:02d}Z&to={d10}T20:{random.randint(0, 59):02d}:00Z"
    elif kind == "changes304":
        path, headers = f"/v1/changes?since={head}", {"If-None-Match": f'"{head}"'}
    elif kind == "changes_page":
        path = f"/v1/changes?since={head - 100 - i}&limit=100"
    else:
        t = 1546300800 + i * 600  # 2019: outside the dataset and the ingest run
        at = datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        method, path = "POST", "/v1/reports"
        headers = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
        body = json.dumps({"city": "Kyiv", "occurred_at": at, "source": {"name": "Statement count", "kind": "media"},
                           "killed": 1, "injured": 2, "weapons": [{"kind": "drone"}], "note": "statement count"})
    c.request(method, path, body, headers)
    r = c.getresponse(); r.read()
    etag = etag or r.getheader("ETag")
    if r.status >= 400:
        sys.exit(f"{kind}: {method} {path} answered {r.status}")
EOF
    sleep 0.5  # the notification's catch-up read, after a write
    # Statements of the bench's database only: log_line_prefix is '%m [%p] ', and the
    # listener and the pool both connect to it; the ceiling's database is idle now.
    tail -c +"$((off + 1))" "$pglog" | awk -v n=20 -v kind="$kind" '
      function verb(s,  w) {
        split(s, w, " ")
        if (s ~ /pg_notify/) return "NOTIFY"
        if (s ~ /feed_head FOR UPDATE/) return "LOCK"
        return toupper(w[1])
      }
      / LOG:  execute [^:]*: / { sub(/.* LOG:  execute [^:]*: /, ""); by[verb($0)]++; total++ }
      / LOG:  statement: / { sub(/.* LOG:  statement: /, ""); by[verb($0)]++; total++ }
      END {
        s = ""; for (v in by) s = s sprintf("%s%s %.1f", (s == "" ? "" : ", "), v, by[v]/n)
        printf "%s\t%.1f\t%s\n", kind, total/n, s
      }' >>"$WORK/postgres/statements.tsv"
  done
  pg_admin -c "ALTER SYSTEM RESET log_statement" -c "SELECT pg_reload_conf()" >/dev/null
  while IFS=$'\t' read -r kind total split; do
    R[postgres:$kind:stmts]=$total; R[postgres:$kind:stmts_by]=$split
    log "PostgreSQL statements per request, $kind: $total ($split)"
  done <"$WORK/postgres/statements.tsv"
}

# ---- the run: each phase on every engine in turn, so that both meet the same load --
for e in "${ENGINES[@]}"; do start_engine "$e"; done
for e in "${ENGINES[@]}"; do measure_reads "$e"; done
for e in "${ENGINES[@]}"; do measure_ingest "$e"; done
for e in "${ENGINES[@]}"; do measure_longpolls "$e"; done
if wants postgres; then count_pg_statements || echo "WARNING: could not count PostgreSQL statements" >&2; fi
for e in "${ENGINES[@]}"; do stop_engine "$e"; done

FIRST=${ENGINES[0]}
# Strike ids follow the loader's threads, so the answers differ in ids; the totals may not.
if [ ${#ENGINES[@]} -gt 1 ]; then
  python3 - "$WORK/sqlite/casualties.json" "$WORK/postgres/casualties.json" <<'EOF' || echo "WARNING: the casualties totals of SQLite and PostgreSQL differ" >&2
import json, sys
a, b = (json.load(open(p))["totals"] for p in sys.argv[1:3])
sys.exit(0 if a == b else 1)
EOF
fi

# ---- nginx serving the same bytes ------------------------------------------------
declare -A Y=()  # yardsticks: rps p50 p99 bad, keyed "name:field"
yard() { # NAME (after run_wrk on engine "yard")
  Y[$1]="| $2 | ${R[yard:$1:rps]} | ${R[yard:$1:p50]} | ${R[yard:$1:p99]} | bad answers ${R[yard:$1:bad]} |"
}
mkdir -p "$WORK/yard" "$WORK/www" "$WORK/nginx"
cp "$WORK/$FIRST/casualties.json" "$WORK/www/casualties.json"
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
YARD_ROWS=()
if "$NGINX" -e "$WORK/nginx/error.log" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -t >/dev/null 2>&1; then
  "$NGINX" -e "$WORK/nginx/error.log" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" &
  NGINX_PID=$!; PIDS+=("$NGINX_PID")
  wait_http "http://127.0.0.1:$NGINX_PORT/casualties.json"
  R[yard:base]="http://127.0.0.1:$NGINX_PORT"
  run_wrk yard nginx "http://127.0.0.1:$NGINX_PORT/casualties.json" "${WRK[@]}"
  YARD_ROWS+=("| nginx-light, static file of the same ${R[$FIRST:cas_bytes]} bytes | ${R[yard:nginx:rps]} | ${R[yard:nginx:p50]} | ${R[yard:nginx:p99]} | bad answers ${R[yard:nginx:bad]} |")
  kill -TERM "$NGINX_PID"; wait "$NGINX_PID" 2>/dev/null || true
else
  echo "nginx did not start:" >&2; "$NGINX" -e stderr -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -t >&2 || true
  YARD_ROWS+=("| nginx-light static file | failed | | | see stderr |")
fi

# ---- peers -----------------------------------------------------------------------
if [ "$PEERS" = 1 ]; then
  python3 "$PEER_SRC/make-db.py" "$WORK/peer.sqlite" >/dev/null
  for peer in HBServer FFServer; do
    port=$(free_port)
    "$PEER_BUILD/release/$peer" "$WORK/peer.sqlite" "$port" >"$WORK/$peer.log" 2>&1 &
    pid=$!; PIDS+=("$pid")
    wait_http "http://127.0.0.1:$port/casualties?city=Kyiv"
    bytes=$(curl -s "http://127.0.0.1:$port/casualties?city=Kyiv" | wc -c)
    R[yard:base]="http://127.0.0.1:$port"
    run_wrk yard "$peer" "http://127.0.0.1:$port/casualties?city=Kyiv" "${WRK[@]}"
    if [ "$peer" = HBServer ]; then name="Hummingbird 2 + GRDB peer"; else name="FlyingFox + GRDB peer"; fi
    YARD_ROWS+=("| $name, GET /casualties?city=Kyiv (20 strikes, $bytes B) | ${R[yard:$peer:rps]} | ${R[yard:$peer:p50]} | ${R[yard:$peer:p99]} | bad answers ${R[yard:$peer:bad]} |")
    kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  done
else
  YARD_ROWS+=("| Hummingbird / FlyingFox peers | n/a | | | $PEER_NOTE |")
fi

# ---- the tables ------------------------------------------------------------------
LOAD_AFTER=$(cut -d" " -f1-3 /proc/loadavg)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a == "—" || b == "—" || a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b+0 == 0) print "n/a"; else printf "%.2f×", a/b }'; }
v() { local x=${R[$1]:-}; echo "${x:-—}"; }  # a figure, or — when not measured
# A side-by-side row: LABEL NAME (a wrk measurement on each engine)
side() {
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" \
    "$(v "sqlite:$2:rps")" "$(v "sqlite:$2:p50")" "$(v "sqlite:$2:p99")" \
    "$(v "postgres:$2:rps")" "$(v "postgres:$2:p50")" "$(v "postgres:$2:p99")" \
    "$(ratio "${R[postgres:$2:rps]:-}" "${R[sqlite:$2:rps]:-}")"
}
lp_cell() { [ -n "${R[$1:lp]:-}" ] && echo "$(lp "$1" woken_within_1s) of $(lp "$1" held_per_metrics)" || echo "—"; }
rss_cell() { [ -n "${R[$1:lp]:-}" ] && echo "$(lp "$1" rss_before_mib) / $(lp "$1" rss_held_mib) / $(lp "$1" rss_after_wake_mib) / $(lp "$1" rss_after_close_mib)" || echo "—"; }
lpv() { [ -n "${R[$1:lp]:-}" ] && lp "$1" "$2" || echo ""; }
hv() { [ -n "${R[$1:history]:-}" ] && jget "${R[$1:history]}" "$2" || echo "—"; }  # a history.py figure
ingest_ratio() { ratio "${R[$1:ingest:rps]:-}" "${R[$1:ceil]:-}"; }
BAD_NOTES=()
for key in "${!R[@]}"; do
  case $key in *:bad) [ "${R[$key]}" != 0 ] && BAD_NOTES+=("${key%:bad} ${R[$key]}") ;; esac
done
T_END=$(date +%s)
CPU=$(awk -F: '/model name/ {sub(/^ +/, "", $2); print $2; exit}' /proc/cpuinfo)
D1=${R[$FIRST:d1]}; D10=${R[$FIRST:d10]}
cat <<EOF

## StrikeLedger benchmark, $(date -u +'%Y-%m-%d %H:%M UTC')

Machine: $(nproc) cores, ${CPU:-unknown CPU}, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM; load average before the run: ${LOAD_BEFORE}; after: ${LOAD_AFTER}.
Server: $STRIKELEDGER_BIN (sources at $(git -C "$REPO" log -1 --format=%h -- Sources Migrations Package.swift 2>/dev/null || echo '?')), wrk ${WRK[*]} unless stated; engines: ${ENGINES[*]}$(wants postgres && echo "; PostgreSQL $PG_VERSION on 127.0.0.1 (TCP), fsync and synchronous_commit on, data under /tmp like SQLite's").
Dataset: $STRIKES strikes, about $(v "$FIRST:load_reports") reports over 8 cities and 3 years, loaded over HTTP (8 threads, keep-alive): SQLite $(v sqlite:load_s) s ($(v sqlite:load_rps) reports/s), PostgreSQL $(v postgres:load_s) s ($(v postgres:load_rps) reports/s).

| measurement | SQLite req/s | p50 ms | p99 ms | PostgreSQL req/s | p50 ms | p99 ms | PG / SQLite |
|---|---:|---:|---:|---:|---:|---:|---:|
$(side "GET /v1/casualties Kyiv $D1..$D10 ($(v "$FIRST:cas_strikes") strikes, $(v "$FIRST:cas_bytes") B), 200, repeated query (answer cache)" casualties)
$(side "same range, every query distinct (cache misses: query + JSON each time)" casualties_uncached)
$(side "same, If-None-Match → 304" casualties304)
$(side "GET /v1/changes?since=head, If-None-Match \"head\" → 304" changes304)
$(side "GET /v1/changes?since=(random)&limit=100: a page of 100 feed items, nearly every query distinct" changes_page)
$(side "POST /v1/reports, 16 clients (new strike + revision each), durable" ingest)
$(side "POST /v1/reports, 1 client" ingest1)
$(side "POST /v1/reports, 4 clients" ingest4)
$(side "POST /v1/reports, 64 clients" ingest64)
$(side "GET /healthz (16 connections) while one client loops GET /v1/casualties for all cities over 366 days ($(v "$FIRST:slow_bytes") B, $(v sqlite:slow_ms) ms on SQLite alone; loops done: SQLite $(v sqlite:slow_loops), PostgreSQL $(v postgres:slow_loops))" healthz_slow)
| write cost against history: mean ms per revision on ONE strike, first 500 → last 500 of $(hv "$FIRST" revisions) (last/first; target < 1.5) | $(hv sqlite one_strike_ms) ($(hv sqlite last_over_first)×) | | | $(hv postgres one_strike_ms) ($(hv postgres last_over_first)×) | | | |
| the same, each revision on a new strike (the flat yardstick) | $(hv sqlite new_strikes_ms) | | | $(hv postgres new_strikes_ms) | | | |
| void / merge ms against the long history vs on a fresh strike | $(hv sqlite void_ms) / $(hv sqlite merge_ms) vs $(hv sqlite void_ms_fresh) / $(hv sqlite merge_ms_fresh) | | | $(hv postgres void_ms) / $(hv postgres merge_ms) vs $(hv postgres void_ms_fresh) / $(hv postgres merge_ms_fresh) | | | |
| one-commit-per-write ceiling, commits/s (SQLite: sqlite3 WAL synchronous=FULL, 1 row/txn; PostgreSQL: pgbench, 1 client, 1-row INSERT/txn) | $(v sqlite:ceil) | | | $(v postgres:ceil) | | | $(ratio "${R[postgres:ceil]:-}" "${R[sqlite:ceil]:-}") |
| durable ingest / its engine's ceiling | $(ingest_ratio sqlite) | | | $(ingest_ratio postgres) | | | |
| $POLLS long-polls held, one revision committed: woken within 1 s; p50, p99 ms after the POST's answer | $(lp_cell sqlite) | $(lpv sqlite p50_ms) | $(lpv sqlite p99_ms) | $(lp_cell postgres) | $(lpv postgres p50_ms) | $(lpv postgres p99_ms) | p99 $(ratio "$(lpv postgres p99_ms)" "$(lpv sqlite p99_ms)") |
| server RSS MiB: before polls / $POLLS held / after wake-up / after close | $(rss_cell sqlite) | | | $(rss_cell postgres) | | | held $(ratio "$(lpv postgres rss_held_mib)" "$(lpv sqlite rss_held_mib)") |
| dataset load, reports/s (8 threads) | $(v sqlite:load_rps) | | | $(v postgres:load_rps) | | | $(ratio "${R[postgres:load_rps]:-}" "${R[sqlite:load_rps]:-}") |

Ceilings: SQLite $(v sqlite:ceil_note); PostgreSQL $(v postgres:ceil_note), and $(v postgres:ceil16) commits/s with 16 pgbench clients (PostgreSQL's own group commit). Long-poll wake-ups, max ms: SQLite $(lpv sqlite max_ms), PostgreSQL $(lpv postgres max_ms); statuses: SQLite $(lpv sqlite statuses), PostgreSQL $(lpv postgres statuses).
Bad answers (non-2xx/3xx, socket errors): $( [ ${#BAD_NOTES[@]} -eq 0 ] && echo none || echo "${BAD_NOTES[*]}").

Where the time goes, per request (CPU from /proc of the server process and of every PostgreSQL process, over each wrk run; store figures from /metrics: \`read\`/\`write\` operations per request and their mean wall time, writes per commit):

| measurement | engine | server CPU µs | PostgreSQL CPU µs | store reads | ms each | store writes | ms each | writes per commit | PG statements (round trips) |
|---|---|---:|---:|---:|---:|---:|---:|---:|---|
EOF
for name in casualties casualties_uncached casualties304 changes304 changes_page ingest load; do
  for e in "${ENGINES[@]}"; do
    stmts=""
    if [ "$e" = postgres ] && [ -n "${R[postgres:$name:stmts]:-}" ]; then stmts="${R[postgres:$name:stmts]} (${R[postgres:$name:stmts_by]})"; fi
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$(engine_name "$e")" \
      "$(v "$e:$name:cpu_us")" "$( [ "$e" = postgres ] && v "$e:$name:db_cpu_us" || echo "(in process)")" \
      "$(v "$e:$name:reads")" "$(v "$e:$name:read_ms")" "$(v "$e:$name:writes")" "$(v "$e:$name:write_ms")" \
      "$(v "$e:$name:per_commit")" "${stmts:-}"
  done
done
echo
echo "PG statements: counted with log_statement = 'all' after the timed runs, 20 requests of each kind one after another (each statement is one round trip; the repeated casualties query and its 304 miss the cache on their first request only)."
cat <<EOF

Yardsticks, same run:

| measurement | req/s | p50 ms | p99 ms | notes |
|---|---:|---:|---:|---|
EOF
printf '%s\n' "${YARD_ROWS[@]}"
HB=${R[yard:HBServer:rps]:-}; FF=${R[yard:FFServer:rps]:-}; NG=${R[yard:nginx:rps]:-}
cat <<EOF

| ratio | SQLite | PostgreSQL | target |
|---|---:|---:|---|
| casualties: ours / Hummingbird | $(ratio "${R[sqlite:casualties:rps]:-}" "$HB") | $(ratio "${R[postgres:casualties:rps]:-}" "$HB") | ≥ 3× (and p99 ≤ 10 ms) |
| casualties, cache missing every time: ours / Hummingbird | $(ratio "${R[sqlite:casualties_uncached:rps]:-}" "$HB") | $(ratio "${R[postgres:casualties_uncached:rps]:-}" "$HB") | (the uncached floor) |
| casualties: ours / FlyingFox | $(ratio "${R[sqlite:casualties:rps]:-}" "$FF") | $(ratio "${R[postgres:casualties:rps]:-}" "$FF") | |
| 304 conditional poll / nginx static | $(ratio "${R[sqlite:changes304:rps]:-}" "$NG") | $(ratio "${R[postgres:changes304:rps]:-}" "$NG") | ≥ 0.6× |
| durable ingest / its engine's one-commit-per-write ceiling | $(ingest_ratio sqlite) | $(ingest_ratio postgres) | ≥ 2× |

Server logs: SQLite ${R[sqlite:trouble]:-$(wants sqlite && echo "no warning or error" || echo "not run")}; PostgreSQL ${R[postgres:trouble]:-$(wants postgres && echo "no warning or error" || echo "not run")}. Run time: $((T_END - T_START)) s.
EOF
