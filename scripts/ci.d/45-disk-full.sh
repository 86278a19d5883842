#!/usr/bin/env bash
# A full disk, said plainly: the server's SQLite database on a 6 MiB tmpfs that this
# stage mounts (CI runs as root) and unmounts on exit. Writes until the disk is full:
# each refusal is 503 with Retry-After and a storage-full problem; /readyz is 503 and
# reads are 200. A 1 MiB filler file removed: /readyz is 200 by itself (its probe
# commits), before any write; writes resume. Every acknowledged write is served, and after the server stops it is in the
# file and PRAGMA integrity_check is ok. Not root, or no tmpfs: says why and skips.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "$(id -u)" -ne 0 ]; then
  echo "disk-full: SKIPPED: mounting a tmpfs needs root (running as uid $(id -u))"
  exit 0
fi
source scripts/server.sh

work=$(mktemp -d)
disk="$work/disk"
mkdir "$disk"
mounted=
cleanup() {
  stop_server
  if [ -n "$mounted" ]; then umount "$disk" || umount -l "$disk" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

if ! why=$(mount -t tmpfs -o size=6m,mode=0755 strikeledger-disk-full "$disk" 2>&1); then
  echo "disk-full: SKIPPED: cannot mount a tmpfs here: $why"
  exit 0
fi
mounted=1

db="$disk/ledger.sqlite"
KEY=$("$STRIKELEDGER_BIN" keys create --db "$db" --name disk --role reporter)
# Space to free later, taken before the server fills the rest.
dd if=/dev/zero of="$disk/filler" bs=1M count=1 status=none
start_server "$db"
python3 scripts/ci.d/lib/disk_full.py 127.0.0.1 "$PORT" "$KEY" "$disk/filler" "$work/acks.json"
stop_server
python3 scripts/ci.d/lib/disk_full.py integrity "$db" "$work/acks.json"
df -h "$disk" | tail -1 | awk '{print "disk-full: the filesystem at the end: " $3 " used of " $2}'
echo "disk-full: PASS"
