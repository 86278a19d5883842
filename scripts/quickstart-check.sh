#!/usr/bin/env bash
# Runs README.md's quickstart block against a real release server on a fresh database
# and checks what a newcomer would see: the seed scenario's 4 killed, 3 injured.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/server.sh

work=$(mktemp -d)
trap 'stop_server; rm -rf "$work"' EXIT
export STRIKELEDGER_DB="$work/quickstart.sqlite"
start_server "$STRIKELEDGER_DB"

# The block between the quickstart markers, with `swift run -c release strikeledger`
# pointing at the binary CI already built.
sed -n '/<!-- quickstart:begin -->/,/<!-- quickstart:end -->/p' README.md \
  | sed '1,2d;$d' | sed '$d' \
  | sed "s#swift run -c release strikeledger#\"$STRIKELEDGER_BIN\"#" >"$work/quickstart.sh"
(cd "$work" && PORT=$PORT bash -euo pipefail "$work/quickstart.sh") >"$work/out.txt"

python3 - "$work/out.txt" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
docs, dec, i = [], json.JSONDecoder(), 0
while i < len(text):
    if text[i].isspace(): i += 1; continue
    doc, i = dec.raw_decode(text, i); docs.append(doc)
assert len(docs) == 5, f"expected 5 answers, got {len(docs)}"
first, second, casualties, changes, held = docs
assert first["matched"] is False and first["revision"]["killed"] == 3, first
assert second["matched"] is True and second["strike"]["id"] == first["strike"]["id"], second
assert casualties["city"]["name"] == "Kyiv", casualties
assert casualties["totals"] == {"strikes": 1, "killed": 4, "injured": 3}, casualties["totals"]
assert [i["revision"]["killed"] for i in changes["items"]] == [3, 4], changes
assert changes["next_since"] == changes["items"][-1]["seq"], changes
assert held["items"] == [] and held["next_since"] == 2, held
print("quickstart: 5 answers checked; casualties in Kyiv on 2025-10-10:", casualties["totals"])
PY
