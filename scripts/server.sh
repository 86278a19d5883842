# Sourced by the scripts in scripts/: start a release server on a fresh database and
# a free loopback port, and stop it on exit.
#   start_server DB_PATH [extra serve args...]  -> sets SERVER_PID, PORT, BASE
set -euo pipefail

STRIKELEDGER_BIN=${STRIKELEDGER_BIN:-$(swift build -c release --show-bin-path)/strikeledger}

start_server() {
  local db=$1; shift
  local log
  log=$(mktemp /tmp/strikeledger-server.XXXXXX.log)
  "$STRIKELEDGER_BIN" serve --db "$db" --port 0 "$@" 2>"$log" &
  SERVER_PID=$!
  SERVER_LOG=$log
  for _ in $(seq 1 200); do
    PORT=$(sed -n 's/.*listening on http:\/\/[^ ]*:\([0-9][0-9]*\).*/\1/p' "$log" | head -1)
    [ -n "$PORT" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log"; echo "server exited at start" >&2; return 1; }
    sleep 0.05
  done
  [ -n "$PORT" ] || { cat "$log"; echo "server did not log its port" >&2; return 1; }
  BASE="http://127.0.0.1:$PORT"
  export PORT BASE SERVER_PID SERVER_LOG
}

stop_server() {
  if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" || true
  fi
  SERVER_PID=
}
