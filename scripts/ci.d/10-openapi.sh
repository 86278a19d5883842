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

# schemathesis 4 in its own virtualenv, on the newest Python >= 3.12 at hand: on 3.11,
# hypothesis' lambda descriptions trip a CPython bug now and then ("AST constructor recursion
# depth mismatch"), which schemathesis reports as an error of the run. One version, so that
# every run checks the same way (4.32 reads an endless event stream for a bounded time).
# Everything runs from the virtualenv by path: CI needs nothing that it did not install.
pick_python() {
  local candidate
  for candidate in python3.13 python3.12 python3 \
      $(ls -d "$(pyenv root 2>/dev/null || echo /nonexistent)"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do
    if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo "$candidate"; return; fi
  done
  echo python3
}
venv=${SCHEMATHESIS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/strikeledger-ci/schemathesis-venv}
schemathesis_version=4.32.5
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qx "schemathesis, version $schemathesis_version"; then
  py=$(pick_python)
  echo "openapi: installing schemathesis $schemathesis_version into $venv ($("$py" --version 2>&1))"
  rm -rf "$venv"
  "$py" -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==$schemathesis_version"
fi
echo "openapi: $("$venv/bin/schemathesis" --version) on $("$venv/bin/python" --version 2>&1)"

work=$(mktemp -d)
trap 'stop_server; rm -rf "$work"' EXIT
db="$work/openapi.sqlite"
REPORTER_KEY=$("$STRIKELEDGER_BIN" keys create --db "$db" --name fuzz-reporter --role reporter)
ADMIN_KEY=$("$STRIKELEDGER_BIN" keys create --db "$db" --name fuzz-admin --role admin)
start_server "$db"
echo "openapi: server on $BASE (pid $SERVER_PID)"

# A few events in the feed before fuzzing, so that the event stream has items to send (and
# to check against the document) from its first request on.
for killed in 2 4; do
  code=$(curl -s -o "$work/seed.json" -w '%{http_code}' -X POST "$BASE/v1/reports" \
    -H "Authorization: Bearer $REPORTER_KEY" -H 'Content-Type: application/json' \
    -d "{\"city\": \"Kyiv\", \"occurred_at\": \"2025-10-10T02:30:00Z\", \"killed\": $killed,
         \"source\": {\"name\": \"Mayor\", \"kind\": \"official\"}}")
  [ "$code" = 201 ] || { echo "openapi: FAIL: seeding a report answered $code: $(cat "$work/seed.json")"; exit 1; }
done

# Two passes: as a reporter (the brief's client; editor and admin operations must answer 403
# as documented), then as an admin, so PATCH, merge, void, cities and aliases are fuzzed too.
# Bounded: MAX_EXAMPLES per operation, 10 s per request, 4 minutes per pass at most.
# The endless event stream (streamChanges) is read for 2 s per request (lib/schemathesis.toml);
# `wait` is held to 1 s by the hooks file, which also drops refusals no schema can foresee
# (see lib/schemathesis_hooks.py).
MAX_EXAMPLES=${MAX_EXAMPLES:-30}
status=0
for role in reporter admin; do
  key=$REPORTER_KEY; [ "$role" = admin ] && key=$ADMIN_KEY
  echo "openapi: schemathesis as $role"
  pass=0
  SCHEMATHESIS_HOOKS="$PWD/scripts/ci.d/lib/schemathesis_hooks.py" \
  timeout 240 "$venv/bin/schemathesis" --config-file scripts/ci.d/lib/schemathesis.toml run "$BASE/openapi.json" \
    --checks all \
    --max-examples "$MAX_EXAMPLES" \
    --header "Authorization: Bearer $key" \
    --request-timeout 10 \
    --workers 2 \
    --seed "${SCHEMATHESIS_SEED:-20251010}" \
    --generation-database none \
    --no-color \
    --report junit --report-dir "$work/report-$role" \
    --max-failures 100 \
    || pass=$?
  echo "openapi: schemathesis as $role: exit status $pass"
  [ "$pass" -eq 0 ] || status=1
done

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  echo "openapi: FAIL: the server died during fuzzing"; tail -50 "$SERVER_LOG"; exit 1
fi
code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/healthz")
[ "$code" = 200 ] || { echo "openapi: FAIL: /healthz answered $code after fuzzing"; exit 1; }
if grep -q 'unexpected error' "$SERVER_LOG"; then
  echo "openapi: FAIL: the server logged unexpected errors:"; grep 'unexpected error' "$SERVER_LOG" | sort | uniq -c | head -20
  status=1
fi
echo "openapi: $((SECONDS - started)) s"
[ "$status" -eq 0 ] || { echo "openapi: FAIL"; exit 1; }
echo "openapi: PASS"
