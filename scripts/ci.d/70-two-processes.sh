#!/usr/bin/env bash
# Two server processes on one PostgreSQL database (issue 12): 8 writers, 4 on each
# process, post reports, revisions, voids and merges for SECONDS (default 20) while 2
# pollers on each process follow the whole feed with long-polls (wait=10) and then drain
# to the head. Every acknowledged write must be in every poller's sequence exactly once,
# in seq order, without a gap, all pollers seeing the same sequence; a poll held on one
# process must be woken by a write on the other (latency printed; fails only over 1 s).
# Then the database itself: feed_head.seq = max(seq) = count of events. Needs
# STRIKELEDGER_TEST_POSTGRES (a superuser URL, as .ci/run exports it); skipped without.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/server.sh

if [ -z "${STRIKELEDGER_TEST_POSTGRES:-}" ]; then
  echo "two-processes: SKIPPED (no STRIKELEDGER_TEST_POSTGRES: run scripts/postgres.sh's postgres_start first)"
  exit 0
fi
SECONDS_OF_LOAD=${SECONDS_OF_LOAD:-20}

dbname="strikeledger_two_processes_$$"
db="${STRIKELEDGER_TEST_POSTGRES%/*}/$dbname"
pids=()
logs=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  rm -f "${logs[@]}"
  psql -q "$STRIKELEDGER_TEST_POSTGRES" -c "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
psql -q "$STRIKELEDGER_TEST_POSTGRES" -c "CREATE DATABASE $dbname" >/dev/null

reporter=$("$STRIKELEDGER_BIN" keys create --db "$db" --name two-processes-reporter --role reporter)
editor=$("$STRIKELEDGER_BIN" keys create --db "$db" --name two-processes-editor --role editor)

start_server "$db"; pids+=("$SERVER_PID"); logs+=("$SERVER_LOG"); port_a=$PORT
start_server "$db"; pids+=("$SERVER_PID"); logs+=("$SERVER_LOG"); port_b=$PORT
echo "two-processes: servers A on :$port_a (pid ${pids[0]}) and B on :$port_b (pid ${pids[1]}), one database ($dbname)"

started=$(date +%s)
status=0
# Bounded: the load is SECONDS_OF_LOAD, the pollers' last wait 10 s, the wake checks ~10 s.
timeout $((SECONDS_OF_LOAD + 120)) python3 scripts/ci.d/lib/two_processes.py "$port_a" "$port_b" "$reporter" "$editor" \
  "$SECONDS_OF_LOAD" | tee "${logs[0]}.out" || status=$?
logs+=("${logs[0]}.out")
result=$(sed -n 's/^result: //p' "${logs[0]}.out")

for i in 0 1; do
  if ! kill -0 "${pids[$i]}" 2>/dev/null; then
    echo "two-processes: FAIL: server $([ $i = 0 ] && echo A || echo B) exited"; status=1
  fi
done

# The database: the counter, the events and the acknowledged count agree.
read -r head max_seq events < <(psql -qAt -F ' ' "$db" -c \
  "SELECT (SELECT seq FROM feed_head), COALESCE(MAX(seq), 0), COUNT(*) FROM change_events")
expected=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["events"] if sys.argv[1] else -1)' "$result")
echo "two-processes: database: feed_head.seq $head, max(seq) $max_seq, $events events; $expected writes acknowledged"
if [ "$head" != "$max_seq" ] || [ "$max_seq" != "$events" ] || [ "$events" != "$expected" ]; then
  echo "two-processes: FAIL: the database's feed disagrees with the acknowledged writes"; status=1
fi

if [ "$status" -ne 0 ]; then
  for log in "${logs[@]:0:2}"; do echo "--- $log (last 20 lines)"; tail -20 "$log"; done
  echo "two-processes: FAIL ($(( $(date +%s) - started )) s)"
  exit 1
fi
echo "two-processes: PASS ($(( $(date +%s) - started )) s)"
