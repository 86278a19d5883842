#!/usr/bin/env bash
# Webhooks (issue 16) against a real receiver: every signature verified by the
# `standardwebhooks` reference library from PyPI, a kill -9 with 200 deliveries pending
# (two subscriptions, 100 events) and every one delivered after the restart, in order, a
# repeat with the same webhook-id; a rotated secret signing beside the new one (see
# lib/webhooks.py). With STRIKELEDGER_TEST_POSTGRES (as .ci/run exports it), two servers on
# one PostgreSQL database deliver each event exactly once between them. Needs
# STRIKELEDGER_BIN (a release build).
set -euo pipefail
cd "$(dirname "$0")/../.."
STRIKELEDGER_BIN=${STRIKELEDGER_BIN:-$(swift build -c release --show-bin-path)/strikeledger}

started=$SECONDS
# standardwebhooks in its own virtualenv, one pinned version, run by path.
source scripts/ci.d/lib/venv.sh
pinned_venv standardwebhooks standardwebhooks 1.1.0

work=$(mktemp -d)
pg=()
dbname=webhooks_$$
if [ -n "${STRIKELEDGER_TEST_POSTGRES:-}" ]; then
  psql -q "$STRIKELEDGER_TEST_POSTGRES" -c "CREATE DATABASE $dbname" >/dev/null
  pg=("${STRIKELEDGER_TEST_POSTGRES%/*}/$dbname")
fi
cleanup() {
  rm -rf "$work"
  if [ ${#pg[@]} -gt 0 ]; then
    psql -q "$STRIKELEDGER_TEST_POSTGRES" -c "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
status=0
"$venv/bin/python" scripts/ci.d/lib/webhooks.py "$STRIKELEDGER_BIN" "$work" "${pg[@]}" || status=1
echo "webhooks: $((SECONDS - started)) s"
[ "$status" -eq 0 ] || { echo "webhooks: FAIL"; exit 1; }
echo "webhooks: PASS"
