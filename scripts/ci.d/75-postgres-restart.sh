#!/usr/bin/env bash
# PostgreSQL restarted under a running server (issue 12): two writers and two readers on
# server A at a steady pace while PostgreSQL is stopped, left down 3 s and started, then
# restarted at once. During each outage requests get 503 with Retry-After (never a 500,
# a 401, a hang or a dropped connection); afterwards the same server process recovers by
# itself (writes 201 and /readyz 200 again; a long-poll held across the outage is
# answered by a write through a second server B, and new polls on A and B by a write
# through A), and every acknowledged write is in the feed, still 1..head without a gap. Needs STRIKELEDGER_TEST_POSTGRES and STRIKELEDGER_PG_DIR (its stop,
# start and restart), as scripts/postgres.sh's postgres_start exports them; skipped
# without. Restarts that shared PostgreSQL: run it alone, as .ci/run runs its stages.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/server.sh

if [ -z "${STRIKELEDGER_TEST_POSTGRES:-}" ] || [ ! -x "${STRIKELEDGER_PG_DIR:-}/restart" ]; then
  echo "postgres-restart: SKIPPED (needs STRIKELEDGER_TEST_POSTGRES and STRIKELEDGER_PG_DIR: scripts/postgres.sh's postgres_start)"
  exit 0
fi

work=$(mktemp -d)
dbname="strikeledger_restart_$$"
db="${STRIKELEDGER_TEST_POSTGRES%/*}/$dbname"
pid_b=
log_b=
cleanup() {
  stop_server
  if [ -n "$pid_b" ]; then kill -TERM "$pid_b" 2>/dev/null && wait "$pid_b" 2>/dev/null || true; fi
  rm -rf "$work"
  # PostgreSQL may be the one thing down if a step failed half-way: start it again.
  if ! pg_isready -q -h 127.0.0.1 -p "${STRIKELEDGER_PG_PORT:-5432}" 2>/dev/null; then
    "$STRIKELEDGER_PG_DIR/start" >/dev/null 2>&1 || true
  fi
  psql -q "$STRIKELEDGER_TEST_POSTGRES" -c "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
psql -q "$STRIKELEDGER_TEST_POSTGRES" -c "CREATE DATABASE $dbname" >/dev/null

started=$(date +%s)
KEY=$("$STRIKELEDGER_BIN" keys create --db "$db" --name restart --role reporter)
start_server "$db"
pid_b=$SERVER_PID port_b=$PORT log_b=$SERVER_LOG
start_server "$db"
echo "postgres-restart: server A on $BASE (pid $SERVER_PID), B on :$port_b (pid $pid_b), database $dbname"
status=0
timeout 180 python3 scripts/ci.d/lib/pg_restart.py "$PORT" "$port_b" "$KEY" "$STRIKELEDGER_PG_DIR" "$work/acks.jsonl" \
  || status=$?

if ! kill -0 "$SERVER_PID" 2>/dev/null || ! kill -0 "$pid_b" 2>/dev/null; then
  echo "postgres-restart: FAIL: a server process exited"; status=1
else
  # The same process, after both outages: every acknowledged write, the feed gapless.
  python3 scripts/ci.d/lib/crash.py check 127.0.0.1 "$PORT" "$work/acks.jsonl" | sed 's/^crash:/postgres-restart:/' \
    || status=1
fi
for log in "$SERVER_LOG" "$log_b"; do
  echo "postgres-restart: server $([ "$log" = "$log_b" ] && echo B || echo A)'s log: $(wc -l <"$log") lines," \
    "$(grep -c 'store failed' "$log" || true) store failures, $(grep -c 'reconnected' "$log" || true) reconnections"
done
if [ "$status" -ne 0 ]; then
  echo "--- server A's log (last 20 lines; all of it in $SERVER_LOG, B's in $log_b)"; tail -20 "$SERVER_LOG"
  echo "postgres-restart: FAIL ($(( $(date +%s) - started )) s)"
  exit 1
fi
rm -f "$SERVER_LOG" "$log_b"
echo "postgres-restart: PASS ($(( $(date +%s) - started )) s)"
