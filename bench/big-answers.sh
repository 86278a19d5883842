#!/usr/bin/env bash
# Large answers side by side (issue 13): two server binaries on copies of one database of N
# ACLED-shaped strikes (bench/acled_gen.py, imported once with the AFTER binary; 63 cities,
# one strike per city per day from 1980). For each binary, in turn: GET /v1/casualties for
# every city over 5 years (about 115,000 strikes at N=150,000), the same again, one year
# with group_by=day, and with Accept-Encoding: gzip, each timed with curl (total and first
# byte) beside the server's peak RSS (VmHWM); then the command-line exports of strikes and
# revisions over the same 5 years. Prints a markdown table.
#   bench/big-answers.sh BEFORE_BIN AFTER_BIN         # N=150000 by default
#   N=50000 bench/big-answers.sh BEFORE_BIN AFTER_BIN
# Everything on 127.0.0.1; every server it starts it stops; the work dir is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
BEFORE=$1 AFTER=$2
N=${N:-150000}
work=$(mktemp -d /tmp/strikeledger-big.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

echo "big: generating and importing $N rows" >&2
python3 bench/acled_gen.py "$N" >"$work/acled.csv"
"$AFTER" import "$work/acled.csv" --db "$work/base.sqlite" --format acled --source bench >/dev/null

RANGE="from=1980-01-01&to=1984-12-31"
echo "| binary | request | status | bytes | seconds | first byte s | server VmHWM MiB after |"
echo "|---|---|---:|---:|---:|---:|---:|"
for label in before after; do
  bin=$BEFORE; [ "$label" = after ] && bin=$AFTER
  db="$work/$label.sqlite"
  cp "$work/base.sqlite" "$db"
  log="$work/$label.log"
  "$bin" serve --db "$db" --port 0 2>"$log" &
  pid=$!
  port=
  for _ in $(seq 1 200); do
    port=$(sed -n 's/.*listening on http:\/\/[^ ]*:\([0-9][0-9]*\).*/\1/p' "$log" | head -1)
    [ -n "$port" ] && break
    sleep 0.05
  done
  [ -n "$port" ] || { cat "$log" >&2; exit 1; }
  hwm() { awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$pid/status"; }
  echo "| $label | (idle) | | | | | $(hwm) |"
  for spec in "$RANGE|" "$RANGE|" "from=1980-01-01&to=1980-12-31&group_by=day|" "$RANGE|gzip"; do
    q=${spec%|*} enc=${spec#*|}
    args=(-s -o /dev/null -w '%{http_code} %{size_download} %{time_total} %{time_starttransfer}\n')
    [ -n "$enc" ] && args+=(-H "Accept-Encoding: $enc")
    read -r code size total first < <(curl "${args[@]}" "http://127.0.0.1:$port/v1/casualties?$q")
    echo "| $label | casualties $q${enc:+ (gzip)} | $code | $size | $total | $first | $(hwm) |"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  for format in csv revisions; do
    start=$(date +%s.%N)
    "$bin" export --db "$db" --format "$format" --from 1980-01-01 --to 1984-12-31 >"$work/export.$label.$format"
    secs=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$start" "$(date +%s.%N)")
    echo "| $label | export --format $format, 5 years | | $(stat -c %s "$work/export.$label.$format") | $secs | | |"
  done
done
for format in csv revisions; do
  if cmp -s "$work/export.before.$format" "$work/export.after.$format"; then
    echo "export $format: the same bytes from both binaries"
  else
    echo "export $format: the binaries' bytes DIFFER"
  fi
done
