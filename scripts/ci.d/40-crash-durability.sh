#!/usr/bin/env bash
# Crash durability: 8 writers POST reports while the server is killed with SIGKILL at a
# random moment 1-3 s in, ROUNDS times (default 3), restarting on the same database. After
# each kill: PRAGMA integrity_check is ok (server stopped); after each restart every
# acknowledged (201) revision is in the changes feed (and, sampled, in its strike's
# history) and the feed's seqs run 1..head without a gap.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/server.sh

ROUNDS=${ROUNDS:-3}
work=$(mktemp -d)
trap 'stop_server; rm -rf "$work"' EXIT
db="$work/crash.sqlite"
acks="$work/acks.jsonl"
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
  echo "crash: round $round: SIGKILL after ${delay} s"
  wait "$writer"
  python3 scripts/ci.d/lib/crash.py integrity "$db"
  start_server "$db"
  python3 scripts/ci.d/lib/crash.py check 127.0.0.1 "$PORT" "$acks"
  stop_server
done
echo "crash: $(wc -l <"$acks") acknowledged writes survived $ROUNDS kills"
echo "crash: PASS"
