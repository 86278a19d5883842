#!/usr/bin/env bash
# Fuzzes the request parser core for SECONDS (default 60) with libFuzzer + AddressSanitizer.
# Usage: fuzz/run.sh [SECONDS]
# Builds fuzz/Harness.swift with Sources/SocketHTTP/Parser/*.swift into .build-fuzz/,
# runs on a copy of fuzz/corpus/ (the committed seeds stay untouched), prints the
# number of executions and crashes, and exits non-zero when a crash was found
# (the crashing input is left in fuzz/artifacts/).
set -euo pipefail
seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/.build-fuzz"
mkdir -p "$out" "$root/fuzz/artifacts"
swiftc -O -sanitize=fuzzer,address -parse-as-library \
    "$root/fuzz/Harness.swift" "$root"/Sources/SocketHTTP/Parser/*.swift \
    -o "$out/request-parser-fuzzer" 2> "$out/build.log" || { cat "$out/build.log"; exit 2; }
work="$out/corpus"
rm -rf "$work"
cp -r "$root/fuzz/corpus" "$work"
log="$out/fuzz.log"
set +e
"$out/request-parser-fuzzer" "$work" -max_total_time="$seconds" -max_len=4096 \
    -artifact_prefix="$root/fuzz/artifacts/" -print_final_stats=1 > "$log" 2>&1
status=$?
set -e
execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}' || true)
crashes=$(ls "$root/fuzz/artifacts" | grep -cE '^(crash|leak|timeout|oom)-' || true)
echo "executions: ${execs:-unknown}"
echo "crash artifacts: $crashes (in fuzz/artifacts/)"
if [ "$status" -ne 0 ]; then
    echo "fuzzer exited with status $status; tail of $log:"
    tail -40 "$log"
    exit 1
fi
