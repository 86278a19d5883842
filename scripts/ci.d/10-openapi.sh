#!/usr/bin/env bash
# Contract fuzzing: validate the served OpenAPI document, then let schemathesis throw
# generated (valid and invalid) requests at a real release server and check every answer
# against the document: no 5xx, only documented statuses, bodies, headers and content types.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/server.sh

started=$SECONDS
echo "openapi: validating the document (scripts/check-openapi.sh)"
scripts/check-openapi.sh

if ! command -v schemathesis >/dev/null 2>&1 || ! schemathesis --version 2>/dev/null | grep -q 'version 4\.'; then
  python3 -m pip install -q 'schemathesis>=4,<5'
  hash -r
fi
schemathesis --version

work=$(mktemp -d)
trap 'stop_server; rm -rf "$work"' EXIT
db="$work/openapi.sqlite"
KEY=$("$STRIKELEDGER_BIN" keys create --db "$db" --name fuzz --role reporter)
start_server "$db"
echo "openapi: server on $BASE (pid $SERVER_PID), reporter key"

# Bounded: 30 examples per operation, 10 s per request, 6 minutes overall at most.
# streamChanges is an endless text/event-stream; `wait` is held to 1 s by the hooks file.
MAX_EXAMPLES=${MAX_EXAMPLES:-30}
status=0
SCHEMATHESIS_HOOKS="$PWD/scripts/ci.d/lib/schemathesis_hooks.py" \
timeout 420 schemathesis run "$BASE/openapi.json" \
  --checks all \
  --max-examples "$MAX_EXAMPLES" \
  --exclude-operation-id streamChanges \
  --header "Authorization: Bearer $KEY" \
  --request-timeout 10 \
  --workers 2 \
  --seed "${SCHEMATHESIS_SEED:-20251010}" \
  --generation-database none \
  --no-color \
  --report junit --report-dir "$work/report" \
  --max-failures 100 \
  || status=$?

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  echo "openapi: FAIL: the server died during fuzzing"; tail -50 "$SERVER_LOG"; exit 1
fi
code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/healthz")
[ "$code" = 200 ] || { echo "openapi: FAIL: /healthz answered $code after fuzzing"; exit 1; }
if grep -q 'unexpected error' "$SERVER_LOG"; then
  echo "openapi: FAIL: the server logged unexpected errors:"; grep 'unexpected error' "$SERVER_LOG" | sort | uniq -c | head -20
  status=1
fi
echo "openapi: schemathesis exit status $status ($((SECONDS - started)) s)"
[ "$status" -eq 0 ] || { echo "openapi: FAIL"; exit 1; }
echo "openapi: PASS"
