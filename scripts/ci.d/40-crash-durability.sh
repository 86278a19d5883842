#!/usr/bin/env bash
# Crash durability, on each engine: 8 writers POST reports while the server is killed
# with SIGKILL at a random moment 1-3 s in, ROUNDS times (default 3), restarting on the
# same database. On SQLite, and on PostgreSQL when STRIKELEDGER_TEST_POSTGRES names a
# server (a fresh database of its own; the server process is killed, never the
# database). After each kill, with the server stopped, the database's integrity:
# PRAGMA integrity_check is ok on SQLite; on PostgreSQL the feed is seqs 1..head without
# a gap, feed_head.seq = max(seq), every revision event has its revision, no session is
# left in a transaction, and amcheck finds every B-tree index sound. After each restart
# every acknowledged (201) revision is in the changes feed (and, sampled, in its strike's
# history) and the feed's seqs run 1..head without a gap.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/server.sh

ROUNDS=${ROUNDS:-3}
work=$(mktemp -d)
pg_database=
cleanup() {
  stop_server
  rm -rf "$work"
  if [ -n "$pg_database" ]; then
    psql -q "$STRIKELEDGER_TEST_POSTGRES" -c "DROP DATABASE IF EXISTS $pg_database WITH (FORCE)" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

engines=(sqlite)
if [ -n "${STRIKELEDGER_TEST_POSTGRES:-}" ]; then
  engines+=(postgres)
else
  echo "crash: PostgreSQL skipped (no STRIKELEDGER_TEST_POSTGRES)"
fi

for engine in "${engines[@]}"; do
  started=$(date +%s)
  case $engine in
    sqlite)
      db="$work/crash.sqlite" ;;
    postgres)
      pg_database="strikeledger_crash_$$"
      psql -q "$STRIKELEDGER_TEST_POSTGRES" -c "CREATE DATABASE $pg_database" >/dev/null
      db="${STRIKELEDGER_TEST_POSTGRES%/*}/$pg_database" ;;
  esac
  acks="$work/acks-$engine.jsonl"
  : >"$acks"
  KEY=$("$STRIKELEDGER_BIN" keys create --db "$db" --name crash --role reporter)

  for round in $(seq 1 "$ROUNDS"); do
    start_server "$db"
    python3 scripts/ci.d/lib/crash.py write 127.0.0.1 "$PORT" "$KEY" "$acks" "$round" &
    writer=$!
    delay=$(python3 -c 'import random; print(f"{random.uniform(1, 3):.2f}")')
    sleep "$delay"
    kill -KILL "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
    killed_log=$SERVER_LOG
    echo "crash ($engine): round $round: SIGKILL after ${delay} s"
    wait "$writer"
    python3 scripts/ci.d/lib/crash.py integrity "$db"
    start_server "$db"
    python3 scripts/ci.d/lib/crash.py check 127.0.0.1 "$PORT" "$acks"
    stop_server
    rm -f "$killed_log" "$SERVER_LOG"
  done
  echo "crash ($engine): $(wc -l <"$acks") acknowledged writes survived $ROUNDS kills ($(( $(date +%s) - started )) s)"
done
echo "crash: PASS (${engines[*]})"
