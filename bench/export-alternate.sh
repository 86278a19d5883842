#!/usr/bin/env bash
# Two binaries' exports timed alternately on one database (a copy, never written):
# every format on the command line under /usr/bin/time -v (wall, user, system, peak RSS),
# then each HTTP export (curl's time_total, no gzip; the server's peak RSS), ROUNDS times.
#   bench/export-alternate.sh OLD_BIN NEW_BIN DB [ROUNDS]
# Prints one tab-separated line per run: side round step rows seconds user sys rss_kib.
set -uo pipefail
old=$1; new=$2; src=$3; rounds=${4:-3}
work=$(mktemp -d /tmp/export-alternate.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$src" "$work/db.sqlite"; for x in -wal -shm; do [ -f "$src$x" ] && cp "$src$x" "$work/db.sqlite$x"; done
db=$work/db.sqlite
strikes=$(sqlite3 "$db" "SELECT count(*) FROM strikes WHERE merged_into IS NULL")
revisions=$(sqlite3 "$db" "SELECT count(*) FROM revisions r JOIN strikes s ON s.id = r.strike_id WHERE s.merged_into IS NULL")
for round in $(seq 1 "$rounds"); do
  for side in old new; do
    bin=$old; [ $side = new ] && bin=$new
    for fmt in csv revisions geojson acled; do
      n=$strikes; [ $fmt = revisions ] && n=$revisions
      /usr/bin/time -v "$bin" export --db "$db" --format $fmt -o /dev/null 2>"$work/time" >/dev/null
      wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {split($2, t, ":"); s = 0; for (i = 1; i <= length(t); i++) s = s * 60 + t[i]; print s}' "$work/time")
      user=$(awk -F': ' '/User time/ {print $2}' "$work/time"); sys=$(awk -F': ' '/System time/ {print $2}' "$work/time")
      rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$work/time")
      printf '%s\t%s\tcli %s\t%s\t%s\t%s\t%s\t%s\n' $side $round $fmt $n "$wall" "$user" "$sys" "$rss"
    done
    "$bin" serve --db "$db" --port 0 2>"$work/server.log" & pid=$!
    for _ in $(seq 1 200); do
      port=$(sed -n 's/.*listening on http:\/\/[^ ]*:\([0-9][0-9]*\).*/\1/p' "$work/server.log" | head -1)
      [ -n "$port" ] && break; sleep 0.05
    done
    for p in strikes.csv revisions.csv strikes.geojson strikes.acled.csv; do
      n=$strikes; [ $p = revisions.csv ] && n=$revisions
      read -r u0 s0 < <(awk '{print $14, $15}' /proc/$pid/stat)
      secs=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/v1/export/$p")
      read -r u1 s1 < <(awk '{print $14, $15}' /proc/$pid/stat)
      hz=$(getconf CLK_TCK)
      printf '%s\t%s\thttp %s\t%s\t%s\t%s\t%s\t%s\n' $side $round $p $n "$secs" "$(echo "($u1-$u0)/$hz" | bc -l | cut -c1-5)" \
        "$(echo "($s1-$s0)/$hz" | bc -l | cut -c1-5)" "$(awk '/VmHWM/ {print $2}' /proc/$pid/status)"
    done
    kill -TERM $pid; wait $pid 2>/dev/null
  done
done
