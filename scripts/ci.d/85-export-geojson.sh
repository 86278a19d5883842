#!/usr/bin/env bash
# GeoJSON export against an independent validator: a release server on a database made by
# `strikeledger import` (the awkward ACLED fixture) and a few reports over HTTP, its
# /v1/export/strikes.geojson (and the command line's) validated by geojson-pydantic from
# PyPI as an RFC 7946 FeatureCollection of Point Features, with coordinates [lon, lat]
# in range and each strike where it should be. Needs STRIKELEDGER_BIN (a release build).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/server.sh

started=$SECONDS
# geojson-pydantic in its own virtualenv, one pinned version, run by path.
source scripts/ci.d/lib/venv.sh
pinned_venv geojson geojson-pydantic 2.2.0

work=$(mktemp -d)
trap 'stop_server; rm -rf "$work"' EXIT
db="$work/geojson.sqlite"
KEY=$("$STRIKELEDGER_BIN" keys create --db "$db" --name geojson-editor --role editor)
echo "geojson: importing Tests/Fixtures/awkward-acled.csv"
"$STRIKELEDGER_BIN" import Tests/Fixtures/awkward-acled.csv --db "$db" --format acled --source ACLED --allow-errors </dev/null \
  | sed 's/^/geojson:   /'
start_server "$db"
echo "geojson: server on $BASE (pid $SERVER_PID)"
post() {
  local code
  code=$(curl -s -o "$work/post.json" -w '%{http_code}' -X POST "$BASE/v1/reports" \
    -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d "$1")
  [ "$code" = 201 ] || { echo "geojson: FAIL: a report answered $code: $(cat "$work/post.json")"; exit 1; }
}
post '{"city": "Odesa", "occurred_at": "2025-10-10T02:30:00Z", "killed": 2, "location": {"latitude": 46.4701, "longitude": 30.7306},
       "weapons": [{"kind": "missile", "model": "Iskander-M"}], "source": {"name": "Kiper", "kind": "official"}}'
post '{"city": "Lviv", "occurred_at": "2025-10-10T03:00:00Z", "injured": 1, "description": "Quotes \"and\" commas, a line\nbreak; Кирилиця",
       "source": {"name": "Sadovyi", "kind": "official"}}'
post '{"city": "Kharkiv", "occurred_at": "2025-10-11T21:00:00Z", "source": {"name": "Synehubov", "kind": "official"}}'

curl -s -D "$work/head.txt" -o "$work/http.geojson" "$BASE/v1/export/strikes.geojson"
grep -qi '^content-type: application/geo+json' "$work/head.txt" || { echo "geojson: FAIL: content type"; cat "$work/head.txt"; exit 1; }
grep -qi '^content-disposition: attachment; filename="strikes.geojson"' "$work/head.txt" \
  || { echo "geojson: FAIL: no Content-Disposition"; cat "$work/head.txt"; exit 1; }
"$STRIKELEDGER_BIN" export --db "$db" --format geojson -o "$work/cli.geojson" </dev/null
cmp -s "$work/http.geojson" "$work/cli.geojson" \
  || { echo "geojson: FAIL: the command line's export differs from the server's"; diff <(head -c 2000 "$work/http.geojson") <(head -c 2000 "$work/cli.geojson") || true; exit 1; }

status=0
"$venv/bin/python" scripts/ci.d/lib/check_geojson.py "$work/http.geojson" 6 || status=1
echo "geojson: $((SECONDS - started)) s"
[ "$status" -eq 0 ] || { echo "geojson: FAIL"; exit 1; }
echo "geojson: PASS"
