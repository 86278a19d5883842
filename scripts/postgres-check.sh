#!/usr/bin/env bash
# The PostgreSQL foundation's tests against a real server: starts a throwaway one
# (scripts/postgres.sh), runs LedgerPostgresTests on it, then the restart suite alone
# (it stops and restarts the server under a pool and a listener), and stops it, pass or fail.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh
trap postgres_stop EXIT
postgres_start

swift test --filter LedgerPostgresTests --skip RestartTests 2>&1 | tee /tmp/strikeledger-postgres-tests.log
status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] || { echo "LedgerPostgresTests failed ($status)"; exit "$status"; }

STRIKELEDGER_TEST_POSTGRES_CTL=$STRIKELEDGER_PG_DIR swift test --filter RestartTests 2>&1 | tee -a /tmp/strikeledger-postgres-tests.log
status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] || { echo "RestartTests failed ($status)"; exit "$status"; }
