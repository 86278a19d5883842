#!/usr/bin/env bash
# Import and export at scale (issue 14): generate an ACLED-shaped file of N rows (default
# 1,000,000; bench/acled_gen.py), import it into a fresh SQLite database with
# `strikeledger import` (one strike and one revision per row), then export the strikes
# in every format, on the command line and streamed over HTTP. Prints rows/s and peak RSS
# of each step as a markdown table. Targets: import > 100,000 rows/s, export > 200,000
# rows/s, peak RSS < 150 MiB whatever N.
#   bench/import-export.sh                 # 1,000,000 rows
#   N=200000 bench/import-export.sh        # a quicker run
# Uses $STRIKELEDGER_BIN, else builds the release binary. The work directory is removed
# at the end (KEEP=1 keeps it and says where).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/server.sh
N=${N:-1000000}
BIN=$STRIKELEDGER_BIN
[ -x "$BIN" ] || { swift build -c release --product strikeledger >&2; BIN=$(swift build -c release --show-bin-path)/strikeledger; }
work=$(mktemp -d /tmp/strikeledger-io-bench.XXXXXX)
cleanup() { stop_server; if [ "${KEEP:-0}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT

# shellcheck source=measure.sh
source bench/measure.sh

echo "io-bench: generating $N ACLED-shaped rows" >&2
python3 bench/acled_gen.py "$N" >"$work/acled.csv"
size=$(stat -c %s "$work/acled.csv")
db="$work/io.sqlite"
rows=()
row() { rows+=("| $1 | $2 | $3 | $4 |"); }
rate() { python3 -c "import sys; n,s=int(sys.argv[1]),float(sys.argv[2]); print(f'{n/s:,.0f}')" "$1" "$2"; }
mib() { python3 -c "import sys; print(f'{int(sys.argv[1])/1024:.0f}')" "$1"; }

echo "io-bench: import" >&2
read -r secs rss < <(measure "$work/import.out" "$BIN" import "$work/acled.csv" --db "$db" --format acled --source bench)
grep -q "strikes created: $N" "$work/import.out" || { echo "io-bench: import did not create $N strikes:" >&2; cat "$work/import.out" >&2; exit 1; }
row "import (ACLED, $(python3 -c "print(f'{$size/1048576:.0f}')") MiB)" "$secs" "$(rate "$N" "$secs")" "$(mib "$rss")"
read -r secs rss < <(measure "$work/again.out" "$BIN" import "$work/acled.csv" --db "$db" --format acled --source bench)
grep -q "skipped as already imported: $N" "$work/again.out" || { echo "io-bench: the second import wrote:" >&2; cat "$work/again.out" >&2; exit 1; }
row "import again (all skipped)" "$secs" "$(rate "$N" "$secs")" "$(mib "$rss")"

for format in csv revisions geojson acled; do
  echo "io-bench: export $format" >&2
  read -r secs rss < <(measure "$work/export.$format" "$BIN" export --db "$db" --format "$format")
  row "export $format (command line)" "$secs" "$(rate "$N" "$secs")" "$(mib "$rss")"
done

start_server "$db"
for format in strikes.csv strikes.geojson; do
  echo "io-bench: GET /v1/export/$format" >&2
  secs=$(curl -s -o "$work/http.out" -w '%{time_total}' "$BASE/v1/export/$format")
  cmp -s "$work/http.out" "$work/export.$( [ "$format" = strikes.csv ] && echo csv || echo geojson)" || echo "io-bench: the HTTP export differs from the command line's" >&2
  hwm=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status")
  row "GET /v1/export/$format (server peak RSS)" "$secs" "$(rate "$N" "$secs")" "$(mib "$hwm")"
done
stop_server

echo
echo "Import and export, $N rows, $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| step | seconds | rows/s | peak RSS (MiB) |"
echo "|---|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
