#!/usr/bin/env bash
# The PostgreSQL foundation (Sources/LedgerPostgres) against a real PostgreSQL that this
# stage installs when missing, starts and stops: scripts/postgres-check.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec scripts/postgres-check.sh
