#!/usr/bin/env bash
# Access control and secrets: every write route of docs/API.md refuses missing, unknown,
# malformed and revoked keys (401 + WWW-Authenticate: Bearer) and too-low roles (403), and
# lets the right role through; no key ever reaches the server's log (run at trace level) or
# `keys list`; and no SQL in Sources/LedgerStore is built by interpolating request input.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/server.sh

work=$(mktemp -d)
trap 'stop_server; rm -rf "$work"' EXIT
db="$work/access.sqlite"
bin=$STRIKELEDGER_BIN
for role in reporter editor admin; do
  eval "key_$role=\$(\"\$bin\" keys create --db \"\$db\" --name \"ci-$role\" --role $role)"
done
key_revoked=$("$bin" keys create --db "$db" --name ci-revoked --role admin)
"$bin" keys revoke --db "$db" ci-revoked 2>/dev/null
# Shaped like a real key (same length and alphabet), but never created.
key_unknown=$(python3 -c 'import secrets,sys; k=sys.argv[1]; print("".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") if c.isalnum() else c for c in k))' "$key_admin")
printf '{"reporter":"%s","editor":"%s","admin":"%s","revoked":"%s","unknown":"%s"}\n' \
  "$key_reporter" "$key_editor" "$key_admin" "$key_revoked" "$key_unknown" >"$work/keys.json"

STRIKELEDGER_LOG_LEVEL=trace start_server "$db"
echo "access: server on $BASE (pid $SERVER_PID), log level trace"
status=0
python3 scripts/ci.d/lib/access.py 127.0.0.1 "$PORT" "$work/keys.json" || status=$?
stop_server

leaks=0
"$bin" keys list --db "$db" >"$work/keys-list.txt"
for key in "$key_reporter" "$key_editor" "$key_admin" "$key_revoked" "$key_unknown"; do
  for file in "$SERVER_LOG" "$work/keys-list.txt"; do
    if grep -qF -- "$key" "$file"; then
      echo "access: FAIL: a key (${key:0:4}...) appears in $(basename "$file")"; leaks=$((leaks + 1))
    fi
  done
done
echo "access: server log $(wc -l <"$SERVER_LOG") lines and keys list grepped for 5 keys (3 live, 1 revoked, 1 unknown): $leaks leaks"
[ "$leaks" -eq 0 ] || status=1

python3 scripts/ci.d/lib/sql_interpolation.py || status=1
[ "$status" -eq 0 ] || { echo "access: FAIL"; exit 1; }
echo "access: PASS"
