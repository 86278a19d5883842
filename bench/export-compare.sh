#!/usr/bin/env bash
# Byte-for-byte comparison of two binaries' exports on the same database: every format on
# the command line with each filter, and over HTTP, plain and gzip (decompressed), with
# each filter. Prints one line per export and exits non-zero on any difference.
#   bench/export-compare.sh OLD_BIN NEW_BIN DB [AS_OF]
# AS_OF (RFC 3339) should fall between the database's writes (default: the newest
# strike's created_at minus 5 s). The databases are copied first and never written.
set -uo pipefail
old=$1; new=$2; src=$3
work=$(mktemp -d /tmp/export-compare.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$src" "$work/db.sqlite"; for x in -wal -shm; do [ -f "$src$x" ] && cp "$src$x" "$work/db.sqlite$x"; done
db=$work/db.sqlite
asof=${4:-$(sqlite3 "$db" "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', max(created_at) - 5, 'unixepoch') FROM strikes")}
city=$(sqlite3 "$db" "SELECT c.name FROM strikes s JOIN cities c ON c.id = s.city_id GROUP BY c.id ORDER BY count(*) DESC LIMIT 1")
city2=$(sqlite3 "$db" "SELECT c.name FROM strikes s JOIN cities c ON c.id = s.city_id GROUP BY c.id ORDER BY count(*) DESC LIMIT 1 OFFSET 1")
day=$(sqlite3 "$db" "SELECT local_date FROM strikes GROUP BY local_date ORDER BY count(*) DESC LIMIT 1")
from=$(sqlite3 "$db" "SELECT local_date FROM strikes ORDER BY occurred_at LIMIT 1 OFFSET (SELECT count(*) / 3 FROM strikes)")
to=$(sqlite3 "$db" "SELECT local_date FROM strikes ORDER BY occurred_at LIMIT 1 OFFSET (SELECT 2 * count(*) / 3 FROM strikes)")
fail=0
note() { if [ "$1" = same ]; then echo "same $2 ($3 bytes)"; else echo "DIFF $2"; fail=1; fi; }
for fmt in csv revisions geojson acled; do
  for args in "" "--city $city" "--date $day" "--from $from --to $to" "--from ${from}T00:00:00Z --to ${to}T12:00:00Z" \
              "--as-of $asof" "--include-merged" "--include-merged --as-of $asof" "--city $city2 --from $from"; do
    # shellcheck disable=SC2086
    "$old" export --db "$db" --format $fmt $args -o "$work/old.out" 2>"$work/old.err"; a=$?
    # shellcheck disable=SC2086
    "$new" export --db "$db" --format $fmt $args -o "$work/new.out" 2>"$work/new.err"; b=$?
    if [ $a = $b ] && cmp -s "$work/old.out" "$work/new.out"; then note same "cli $fmt [$args]" "$(wc -c <"$work/new.out")"; else note diff "cli $fmt [$args] (exit $a $b)"; fi
  done
done
serve() {  # BIN -> sets pid, base
  "$1" serve --db "$db" --port 0 2>"$work/server.log" & pid=$!
  for _ in $(seq 1 200); do
    port=$(sed -n 's/.*listening on http:\/\/[^ ]*:\([0-9][0-9]*\).*/\1/p' "$work/server.log" | head -1)
    [ -n "$port" ] && break; sleep 0.05
  done
  base=http://127.0.0.1:$port
}
paths=()
for p in strikes.csv revisions.csv strikes.geojson strikes.acled.csv; do
  for q in "" "city=$city" "date=$day" "from=$from&to=$to" "from=${from}T00:00:00Z&to=${to}T12:00:00Z" "as_of=$asof" \
           "include_merged=false" "include_merged=true" "include_merged=true&as_of=$asof" "city=$city2&from=$from&include_merged=false"; do
    paths+=("$p?$q")
  done
done
for side in old new; do
  bin=$old; [ $side = new ] && bin=$new
  serve "$bin"; mkdir -p "$work/$side"
  i=0
  for p in "${paths[@]}"; do
    curl -s --max-time 300 "$base/v1/export/$p" -o "$work/$side/$i.plain"
    curl -s --max-time 300 -H 'Accept-Encoding: gzip' "$base/v1/export/$p" | gunzip >"$work/$side/$i.gzip"
    i=$((i + 1))
  done
  kill -TERM $pid; wait $pid 2>/dev/null
done
i=0
for p in "${paths[@]}"; do
  for kind in plain gzip; do
    if [ -s "$work/old/$i.$kind" ] && cmp -s "$work/old/$i.$kind" "$work/new/$i.$kind"; then note same "http $kind $p" "$(wc -c <"$work/new/$i.$kind")"
    else note diff "http $kind $p"; fi
  done
  i=$((i + 1))
done
exit $fail
