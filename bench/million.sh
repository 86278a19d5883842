#!/usr/bin/env bash
# A million strikes (issue 13): loads STRIKES strikes (default 1,000,000) with
# REVISIONS_PER_STRIKE reports each (default 3: ~3,000,000 revisions) over 30 cities and
# five years through `strikeledger import`, then measures at that size, side by side where
# a ratio is asked for: start-up, casualties for a city over 10 days (uncached and cached),
# a feed page of 100 items, one durable write against a server on an empty database, and
# the casualties of all cities over a year. Prints markdown tables on stdout, progress on
# stderr. Speed figures only: nothing here asserts a target.
#   bench/million.sh                           # the full million (the load takes minutes)
#   STRIKES=20000 bench/million.sh             # a check, about a minute once built
#   KEEP=1 bench/million.sh                    # keep the work directory (and the database)
#   DB=/tmp/.../million.sqlite bench/million.sh  # reuse a loaded database: no load
# Environment: STRIKELEDGER_BIN (else the release binary is built), DURATION (wrk, 10s),
# SEQ_WRITES (single-client writes per server and round, 300), SEQ_ROUNDS (6),
# SEQ_READS (single-client reads of each kind, 1000), LOAD_TIMEOUT (s, 7200).
# A reused database keeps what each run wrote (~30,000 one-revision strikes, decades
# before the dataset): its strike count and bytes per strike move a little each run.
# Everything listens on 127.0.0.1; every server is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
STRIKES=${STRIKES:-1000000}
REVISIONS_PER_STRIKE=${REVISIONS_PER_STRIKE:-3}
DURATION=${DURATION:-10s}
SEQ_WRITES=${SEQ_WRITES:-300}
SEQ_READS=${SEQ_READS:-1000}
SEQ_ROUNDS=${SEQ_ROUNDS:-6}
LOAD_TIMEOUT=${LOAD_TIMEOUT:-7200}
MATCH_WINDOW=600  # bench/million_gen.py's layout: a city's strikes >= 20 minutes apart
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
STARTED=$(date -u +%FT%TZ)

log() { printf '[million %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [ -z "${STRIKELEDGER_BIN:-}" ]; then
  log "building strikeledger (release)"
  nice -n 10 swift build -c release --product strikeledger >&2
  STRIKELEDGER_BIN=$(swift build -c release --show-bin-path)/strikeledger
fi
[ -x "$STRIKELEDGER_BIN" ] || { echo "no binary at $STRIKELEDGER_BIN" >&2; exit 1; }
export STRIKELEDGER_BIN
BIN=$STRIKELEDGER_BIN
# shellcheck source=../scripts/server.sh
source scripts/server.sh
# shellcheck source=measure.sh
source bench/measure.sh
command -v wrk >/dev/null || { log "installing wrk"; apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }
command -v sqlite3 >/dev/null || { log "installing sqlite3"; apt-get install -y sqlite3 >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y sqlite3 >/dev/null; }; }

# The commit of the binary's sources: the last commit of this checkout that changed
# Sources, Package.swift or Migrations, and the checkout's head (STRIKELEDGER_BIN built
# elsewhere may differ: SOURCES_COMMIT overrides).
COMMIT=${SOURCES_COMMIT:-$(git log -1 --format=%h -- Sources Package.swift Package.resolved Migrations)$(git diff --quiet HEAD -- Sources Package.swift Migrations || echo "+dirty") (checkout $(git rev-parse --short HEAD))}

WORK=$(mktemp -d /tmp/strikeledger-million.XXXXXX)
M_PID=; E_PID=; TAILER=; M_LOG=; E_LOG=
TROUBLE=' (warning|error|critical) |[Ff]atal|[Cc]rash|[Aa]ssert'
cleanup() {
  set +e
  [ -n "$TAILER" ] && kill "$TAILER" 2>/dev/null
  for p in "$M_PID" "$E_PID"; do
    if [ -n "$p" ]; then SERVER_PID=$p; stop_server; fi
  done
  if [ "${KEEP:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  # start_server's logs: kept only when they show trouble (said on stderr above).
  for f in "$M_LOG" "$E_LOG"; do
    [ -n "$f" ] && ! grep -qE "$TROUBLE" "$f" 2>/dev/null && rm -f "$f"
  done
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.2f", v/1000; else if (v ~ /ms$/) printf "%.2f", v+0; else if (v ~ /m$/) printf "%.0f", v*60000; else printf "%.2f", v*1000 }'; }
proc_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }  # PID FIELD (VmHWM, VmRSS)

# ---- the load --------------------------------------------------------------------
LOAD=()
lrow() { LOAD+=("| $1 | $2 |"); }
if [ -n "${DB:-}" ]; then
  [ -f "$DB" ] || { echo "DB=$DB: no such file" >&2; exit 1; }
  log "reusing $DB (no load)"
  if [ -f "$DB.load.md" ]; then
    while IFS= read -r line; do LOAD+=("$line"); done <"$DB.load.md"
    lrow "load" "the rows above are from the load of $DB; this run reused it (DB=)"
  else
    lrow "load" "skipped: DB=$DB reused"
  fi
else
  DB=$WORK/million.sqlite
  rows=$((STRIKES * REVISIONS_PER_STRIKE))
  log "generating $STRIKES strikes x $REVISIONS_PER_STRIKE rows ($rows rows)"
  t0=$(date +%s.%N)
  python3 bench/million_gen.py "$STRIKES" "$REVISIONS_PER_STRIKE" >"$WORK/million.csv"
  gen_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  csv_bytes=$(stat -c %s "$WORK/million.csv")
  log "importing $(mib "$csv_bytes") MiB into $DB (--match-window $MATCH_WINDOW); progress every 60 s"
  # The import prints a progress line every 5 s: show one a minute.
  (while sleep 60; do [ -f "$WORK/import.out" ] && log "import: $(grep progress "$WORK/import.out" | tail -1)"; done) &
  TAILER=$!
  set +e
  read -r load_s load_rss < <(measure "$WORK/import.out" timeout "$LOAD_TIMEOUT" "$BIN" import "$WORK/million.csv" \
    --db "$DB" --format csv --source million-bench --match-window "$MATCH_WINDOW")
  set -e
  kill "$TAILER" 2>/dev/null; wait "$TAILER" 2>/dev/null || true; TAILER=
  grep -v '^progress' "$WORK/import.out" >&2 || true
  created=$(awk -F': ' '/^strikes created/ {print $2}' "$WORK/import.out")
  matched=$(awk -F': ' '/^matched to existing/ {print $2}' "$WORK/import.out")
  added=$(awk -F': ' '/^revisions added/ {print $2}' "$WORK/import.out")
  refused=$(awk -F': ' '/^refused with errors/ {print $2}' "$WORK/import.out")
  if [ "$created" != "$STRIKES" ] || [ "$matched" != "$((STRIKES * (REVISIONS_PER_STRIKE - 1)))" ] || [ "$added" != "$rows" ]; then
    echo "IMPORT DID NOT LOAD THE DATASET AS MEANT: strikes created ${created:-?} (want $STRIKES), matched ${matched:-?} (want $((STRIKES * (REVISIONS_PER_STRIKE - 1)))), revisions added ${added:-?} (want $rows), refused ${refused:-?}" >&2
    tail -5 "$WORK/import.out" >&2
    exit 1
  fi
  lrow "rows generated (bench/million_gen.py)" "$rows rows, $(mib "$csv_bytes") MiB, ${gen_s} s"
  lrow "import: seconds" "$load_s"
  lrow "import: rows/s" "$(awk -v n="$rows" -v s="$load_s" 'BEGIN { printf "%.0f", n / s }')"
  lrow "import: strikes/s" "$(awk -v n="$STRIKES" -v s="$load_s" 'BEGIN { printf "%.0f", n / s }')"
  lrow "import: peak RSS (MiB)" "$(awk -v k="$load_rss" 'BEGIN { printf "%.0f", k / 1024 }')"
  lrow "import: strikes created / rows matched / revisions added / refused" "$created / $matched / $added / $refused"
  rm -f "$WORK/million.csv"
  printf '%s\n' "${LOAD[@]}" >"$DB.load.md"
fi
N_STRIKES=$(sqlite3 -readonly "$DB" "SELECT count(*) FROM strikes")
N_REVISIONS=$(sqlite3 -readonly "$DB" "SELECT count(*) FROM revisions")
db_bytes=$(stat -c %s "$DB"); wal_bytes=$(stat -c %s "$DB-wal" 2>/dev/null || echo 0)
lrow "database: strikes / revisions" "$N_STRIKES / $N_REVISIONS"
lrow "database: file + -wal (MiB)" "$(mib "$db_bytes") + $(mib "$wal_bytes")"
lrow "database: bytes per strike (file + -wal)" "$(( (db_bytes + wal_bytes) / N_STRIKES ))"
lrow "database: bytes per revision (file + -wal)" "$(( (db_bytes + wal_bytes) / N_REVISIONS ))"
# The ingest runs below write strikes into years before any stored one, ten years per
# run, so a reused database's earlier bench strikes are never matched.
MIN_AT=$(sqlite3 -readonly "$DB" "SELECT min(occurred_at) FROM strikes")
DECADE=315576000
EPOCH1=$((MIN_AT - DECADE)); EPOCH2=$((MIN_AT - 2 * DECADE)); EPOCH3=$((MIN_AT - 3 * DECADE))

# ---- start-up: exec to "listening on", to /healthz 200, to /readyz 200 -------------
log "start-up, 5 times"
STARTUP=$(timeout 120 python3 - "$BIN" "$DB" 5 <<'PY'
import http.client, json, statistics, subprocess, sys, threading, time
bin_, db, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def ok(port, path):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        c.request("GET", path); r = c.getresponse(); r.read(); c.close()
        return r.status == 200
    except OSError:
        return False
res = {"listening": [], "healthz": [], "readyz": []}
for _ in range(n):
    t0 = time.monotonic()
    p = subprocess.Popen([bin_, "serve", "--db", db, "--port", "0"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    port = None
    for line in p.stderr:
        line = line.decode(errors="replace")
        if "listening on" in line:
            port = int(line.split("listening on http://", 1)[1].split()[0].rsplit(":", 1)[1])
            break
    if port is None:
        sys.exit("the server exited before listening")
    res["listening"].append(time.monotonic() - t0)
    threading.Thread(target=lambda: [None for _ in p.stderr], daemon=True).start()  # drain its log
    for path, key in (("/healthz", "healthz"), ("/readyz", "readyz")):
        while not ok(port, path):
            if time.monotonic() - t0 > 30: sys.exit(f"{path}: no 200 within 30 s")
            time.sleep(0.001)
        res[key].append(time.monotonic() - t0)
    p.terminate(); p.wait(timeout=20)
print(json.dumps({k: {"median": statistics.median(v) * 1000, "max": max(v) * 1000} for k, v in res.items()}))
PY
)
startup_cell() { python3 -c 'import json,sys; d=json.loads(sys.argv[1])[sys.argv[2]]; print("%.0f | %.0f" % (d["median"], d["max"]))' "$STARTUP" "$1"; }

# ---- the servers -------------------------------------------------------------------
start_server "$DB" --match-window 60
M_PID=$SERVER_PID; M_BASE=$BASE; M_LOG=$SERVER_LOG
M_KEY=$("$BIN" keys create --db "$DB" --name "million-bench-$$-$(date +%s)" --role reporter)
log "million server pid $M_PID on $M_BASE"

# wrk_run NAME URL [wrk args...]: stores rps, p50, p99, bad (non-2xx + socket errors).
declare -A W=()
wrk_run() {
  local name=$1 url=$2; shift 2
  local out=$WORK/$name.wrk
  timeout 120 wrk "$@" --latency "$url" >"$out" 2>&1 || { cat "$out" >&2; echo "wrk $name failed" >&2; }
  W[$name:rps]=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$out")
  W[$name:p50]=$(to_ms "$(awk '$1=="50%" {print $2}' "$out")")
  W[$name:p99]=$(to_ms "$(awk '$1=="99%" {print $2}' "$out")")
  W[$name:bad]=$(awk '/Non-2xx or 3xx/ {n+=$NF} /Socket errors/ {gsub(",",""); n+=$4+$6+$8+$10} END {print n+0}' "$out")
  log "$name: ${W[$name:rps]} req/s, p50 ${W[$name:p50]} ms, p99 ${W[$name:p99]} ms, bad ${W[$name:bad]}"
}

# ---- reads at size -------------------------------------------------------------------
D1=2024-06-10; D10=2024-06-19  # Kyiv local dates (UTC+3 in June, as casualties-uncached.lua assumes)
CAS="/v1/casualties?city=Kyiv&from=$D1&to=$D10"
CAS_STRIKES=$(curl -s --max-time 30 "$M_BASE$CAS" | python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["strikes"])')
HEAD=$(curl -s --max-time 30 "$M_BASE/v1/changes?since=999999999999" | python3 -c 'import json,sys; print(json.load(sys.stdin)["next_since"])')
log "Kyiv $D1..$D10: $CAS_STRIKES strikes; feed head $HEAD"
WRK=(-t2 -c64 -d"$DURATION")
BENCH_FROM=$D1 BENCH_TO=$D10 wrk_run cas_uncached "$M_BASE" "${WRK[@]}" -s bench/casualties-uncached.lua
wrk_run cas_cached "$M_BASE$CAS" "${WRK[@]}"
BENCH_HEAD=$HEAD wrk_run changes_page "$M_BASE" "${WRK[@]}" -s bench/changes-pages.lua

# One client, one keep-alive connection, SEQ_READS distinct queries one after another:
# the query's own latency, without wrk's 64 connections queueing on 2 cores.
# seq_reads KIND -> "mean p50 p99" in ms
seq_reads() {
  timeout 300 python3 - "$M_BASE" "$1" "$SEQ_READS" "$D1" "$D10" "$HEAD" <<'PY'
import datetime, http.client, random, sys, time, urllib.parse
base, kind, n, d1, d10, head = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6])
u = urllib.parse.urlsplit(base)
c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
day_before = (datetime.date.fromisoformat(d1) - datetime.timedelta(days=1)).isoformat()
rng = random.Random(5)
ms = []
for i in range(n):
    if kind == "casualties":
        a, b = rng.randrange(3600), rng.randrange(3600)
        path = (f"/v1/casualties?city=Kyiv&from={day_before}T21:{a // 60:02d}:{a % 60:02d}Z"
                f"&to={d10}T20:{b // 60:02d}:{b % 60:02d}Z")
    else:
        path = f"/v1/changes?since={rng.randrange(max(1, head - 100))}&limit=100"
    t = time.perf_counter()
    c.request("GET", path)
    r = c.getresponse(); r.read()
    ms.append((time.perf_counter() - t) * 1000)
    if r.status != 200:
        sys.exit(f"GET {path} answered {r.status}")
ms.sort()
print(f"{sum(ms) / n:.2f} {ms[n // 2]:.2f} {ms[min(n - 1, int(n * 0.99))]:.2f}")
PY
}
read -r RC_MEAN RC_P50 RC_P99 < <(seq_reads casualties)
read -r RF_MEAN RF_P50 RF_P99 < <(seq_reads changes)
log "one client: casualties mean $RC_MEAN p50 $RC_P50 p99 $RC_P99 ms; feed page mean $RF_MEAN p50 $RF_P50 p99 $RF_P99 ms"

# ---- one durable write: the million database against an empty one ---------------------
start_server "$WORK/empty.sqlite" --match-window 60
E_PID=$SERVER_PID; E_BASE=$BASE; E_LOG=$SERVER_LOG
E_KEY=$("$BIN" keys create --db "$WORK/empty.sqlite" --name million-bench --role reporter)
log "empty server pid $E_PID on $E_BASE"
# Round 1: million then empty; round 2: empty then million (drift of the shared machine
# falls on both alike). Both servers get the same report bodies, ten years apart per round.
ingest() { BENCH_KEY=$2 BENCH_EPOCH=$3 wrk_run "$4" "$1" -t2 -c16 -d"$DURATION" -s bench/ingest.lua; }
ingest "$M_BASE" "$M_KEY" "$EPOCH1" ingest_m1
ingest "$E_BASE" "$E_KEY" "$EPOCH1" ingest_e1
ingest "$E_BASE" "$E_KEY" "$EPOCH2" ingest_e2
ingest "$M_BASE" "$M_KEY" "$EPOCH2" ingest_m2

# seq BASE KEY EPOCH: SEQ_WRITES POSTs, one after another on one keep-alive connection;
# prints the latencies in ms, one a line.
seq_writes() {
  timeout 300 python3 - "$1" "$2" "$3" "$SEQ_WRITES" <<'PY'
import datetime, http.client, json, sys, time, urllib.parse
base, key, epoch, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
u = urllib.parse.urlsplit(base)
c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
cities = ["Kyiv", "Kharkiv", "Odesa", "Sumy", "Dnipro", "Zaporizhzhia", "Lviv", "Kherson"]
headers = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
for i in range(n):
    at = datetime.datetime.fromtimestamp(epoch + i * 600, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = json.dumps({"city": cities[i % len(cities)], "occurred_at": at, "source": {"name": "Sequential bench", "kind": "media"},
                       "killed": i % 5, "injured": i % 11, "weapons": [{"kind": "drone"}], "note": "sequential write"})
    t = time.perf_counter()
    c.request("POST", "/v1/reports", body, headers)
    r = c.getresponse(); r.read()
    ms = (time.perf_counter() - t) * 1000
    if r.status not in (200, 201):
        sys.exit(f"POST /v1/reports answered {r.status}")
    print(f"{ms:.4f}")
PY
}
log "sequential writes: $SEQ_WRITES per server and round, $SEQ_ROUNDS rounds"
# Rounds alternate which server goes first (M E, E M, M E, ...); each round's reports lie
# a year after the last round's, the same on both servers.
SEQ_RATIOS=()
for r in $(seq 1 "$SEQ_ROUNDS"); do
  epoch=$((EPOCH3 + (r - 1) * 31557600))
  if [ $((r % 2)) = 1 ]; then order="m e"; else order="e m"; fi
  for who in $order; do
    if [ "$who" = m ]; then seq_writes "$M_BASE" "$M_KEY" "$epoch" >"$WORK/seq_m$r"
    else seq_writes "$E_BASE" "$E_KEY" "$epoch" >"$WORK/seq_e$r"; fi
  done
  SEQ_RATIOS+=("$(awk '{ s += $1; n++ } END { printf "%.4f", s / n }' "$WORK/seq_m$r") $(awk '{ s += $1; n++ } END { printf "%.4f", s / n }' "$WORK/seq_e$r")")
done
SEQ_ROUND_RATIOS=$(for x in "${SEQ_RATIOS[@]}"; do echo "$x"; done | awk '{ printf "%s%.2f", (NR > 1 ? ", " : ""), $1 / $2 }')
seq_stat() { # FILES... -> "mean p50 p99" in ms
  cat "$@" | sort -g | awk '{ v[NR] = $1; s += $1 } END { i50 = int(NR * 0.50); i99 = int(NR * 0.99); if (i50 < 1) i50 = 1; if (i99 < 1) i99 = 1
    printf "%.2f %.2f %.2f\n", s / NR, v[i50], v[i99] }'
}
read -r SM_MEAN SM_P50 SM_P99 < <(seq_stat "$WORK"/seq_m*)
read -r SE_MEAN SE_P50 SE_P99 < <(seq_stat "$WORK"/seq_e*)
log "sequential: million mean $SM_MEAN ms p99 $SM_P99; empty mean $SE_MEAN ms p99 $SE_P99"
SERVER_PID=$E_PID; stop_server; E_PID=

# ---- the big query: all cities, a year ------------------------------------------------
# VmHWM is reset (clear_refs 5) before each query, so each row's peak is its own.
BIG=()
big_query() { # LABEL PATH
  local label=$1 path=$2 before hwm after out strikes reset=yes
  before=$(proc_kib "$M_PID" VmRSS)
  echo 5 >"/proc/$M_PID/clear_refs" 2>/dev/null || reset=no
  log "big query: $path"
  out=$(curl -s -o "$WORK/big.json" -w '%{http_code} %{time_starttransfer} %{time_total} %{size_download}' --max-time 600 "$M_BASE$path") || true
  hwm=$(proc_kib "$M_PID" VmHWM); after=$(proc_kib "$M_PID" VmRSS)
  read -r code ttfb total size <<<"$out"
  strikes=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"]["strikes"])' "$WORK/big.json" 2>/dev/null || echo "?")
  [ "$code" = 200 ] || log "big query answered ${code:-nothing}"
  BIG+=("| $label | $code | $strikes | $(mib "$size") | $(awk -v t="$ttfb" 'BEGIN { printf "%.2f", t }') | $(awk -v t="$total" 'BEGIN { printf "%.2f", t }') | $(awk -v k="$before" 'BEGIN { printf "%.1f", k / 1024 }') | $(awk -v k="$hwm" 'BEGIN { printf "%.1f", k / 1024 }')$( [ $reset = yes ] || echo ' (since start)') | $(awk -v k="$after" 'BEGIN { printf "%.1f", k / 1024 }') |")
}
big_query "all cities, 2024 (first)" "/v1/casualties?from=2024-01-01&to=2024-12-31"
big_query "all cities, 2024 (again, instants: not cached)" "/v1/casualties?from=2024-01-01T00:00:01Z&to=2024-12-31T23:59:59Z"
big_query "all cities, 2024, group_by=day" "/v1/casualties?from=2024-01-01&to=2024-12-31&group_by=day"
big_query "all cities, 2024, group_by=day (again, instants)" "/v1/casualties?from=2024-01-01T00:00:01Z&to=2024-12-31T23:59:59Z&group_by=day"
M_RSS_END=$(proc_kib "$M_PID" VmRSS)
kill -0 "$M_PID" 2>/dev/null || echo "THE MILLION SERVER DIED; log: $M_LOG" >&2
SERVER_PID=$M_PID; stop_server; M_PID=
for f in "$M_LOG" "$E_LOG"; do
  if grep -qE "$TROUBLE" "$f"; then
    echo "a server's log shows trouble (kept at $f):" >&2; grep -E "$TROUBLE" "$f" | head -10 >&2
  fi
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- the tables ----------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
mean2() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (a + b) / 2 }'; }
echo
echo "### A million strikes: $N_STRIKES strikes, $N_REVISIONS revisions"
echo
echo "$STARTED, $(nproc) cores, load average $LOAD_BEFORE before, $LOAD_AFTER after; sources $COMMIT; wrk $DURATION per row"
echo
echo "| load | |"
echo "|---|---|"
printf '%s\n' "${LOAD[@]}"
echo
echo "| start-up (5 times, page cache warm) | median ms | max ms | target |"
echo "|---|---:|---:|---|"
echo "| exec to \"listening on\" | $(startup_cell listening) | |"
echo "| exec to first 200 of /healthz | $(startup_cell healthz) | < 1000 |"
echo "| exec to first 200 of /readyz | $(startup_cell readyz) | < 1000 |"
echo
echo "| read at size (wrk -t2 -c64) | req/s | p50 ms | p99 ms | bad | target |"
echo "|---|---:|---:|---:|---:|---|"
echo "| casualties, Kyiv, 10 days ($CAS_STRIKES strikes), every query distinct (uncached) | ${W[cas_uncached:rps]} | ${W[cas_uncached:p50]} | ${W[cas_uncached:p99]} | ${W[cas_uncached:bad]} | p99 < 5 ms |"
echo "| casualties, Kyiv, 10 days, the same query (cached) | ${W[cas_cached:rps]} | ${W[cas_cached:p50]} | ${W[cas_cached:p99]} | ${W[cas_cached:bad]} | |"
echo "| feed page: /v1/changes?since=random&limit=100 (head $HEAD) | ${W[changes_page:rps]} | ${W[changes_page:p50]} | ${W[changes_page:p99]} | ${W[changes_page:bad]} | p99 < 5 ms |"
echo
echo "| read at size, one client, $SEQ_READS distinct queries in a row | mean ms | p50 ms | p99 ms | target |"
echo "|---|---:|---:|---:|---|"
echo "| casualties, Kyiv, 10 days, ends moved by random seconds (uncached) | $RC_MEAN | $RC_P50 | $RC_P99 | p99 < 5 ms |"
echo "| feed page: /v1/changes?since=random&limit=100 | $RF_MEAN | $RF_P50 | $RF_P99 | p99 < 5 ms |"
echo
echo "| one durable write: POST /v1/reports | million | empty | million / empty |"
echo "|---|---:|---:|---:|"
for r in 1 2; do
  echo "| wrk -c16, round $r: req/s | ${W[ingest_m$r:rps]} | ${W[ingest_e$r:rps]} | $(ratio "${W[ingest_m$r:rps]}" "${W[ingest_e$r:rps]}") |"
  echo "| wrk -c16, round $r: p50 / p99 ms | ${W[ingest_m$r:p50]} / ${W[ingest_m$r:p99]} | ${W[ingest_e$r:p50]} / ${W[ingest_e$r:p99]} | $(ratio "${W[ingest_m$r:p50]}" "${W[ingest_e$r:p50]}") / $(ratio "${W[ingest_m$r:p99]}" "${W[ingest_e$r:p99]}") |"
done
m_rps=$(mean2 "${W[ingest_m1:rps]}" "${W[ingest_m2:rps]}"); e_rps=$(mean2 "${W[ingest_e1:rps]}" "${W[ingest_e2:rps]}")
echo "| wrk -c16, mean of rounds: req/s | $m_rps | $e_rps | $(ratio "$m_rps" "$e_rps") |"
echo "| wrk non-2xx + socket errors (all rounds) | $(( ${W[ingest_m1:bad]} + ${W[ingest_m2:bad]} )) | $(( ${W[ingest_e1:bad]} + ${W[ingest_e2:bad]} )) | |"
echo "| one client, $((SEQ_ROUNDS * SEQ_WRITES)) sequential writes in $SEQ_ROUNDS rounds: mean ms | $SM_MEAN | $SE_MEAN | $(ratio "$SM_MEAN" "$SE_MEAN") |"
echo "| one client, sequential: each round's mean, million / empty | | | $SEQ_ROUND_RATIOS |"
echo "| one client, sequential: p50 ms | $SM_P50 | $SE_P50 | $(ratio "$SM_P50" "$SE_P50") |"
echo "| one client, sequential: p99 ms | $SM_P99 | $SE_P99 | $(ratio "$SM_P99" "$SE_P99") |"
echo
echo "| big query: GET /v1/casualties, no city | status | strikes | answer MiB | first byte s | full answer s | server RSS before (MiB) | server peak RSS during (VmHWM, MiB) | server RSS after (MiB) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${BIG[@]}"
echo
echo "Server RSS at the end: $(awk -v k="$M_RSS_END" 'BEGIN { printf "%.1f", k / 1024 }') MiB."
