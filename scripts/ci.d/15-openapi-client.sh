#!/usr/bin/env bash
# A Swift client generated from the served OpenAPI document: apple/swift-openapi-generator
# 1.14.3 makes it from GET /openapi.json of a real release server, in a throwaway package of
# its own (no GRDB, its own build folder), which must build with no warning at all: a schema
# the generator cannot use is a warning there, and a silently dropped property shows up as a
# probe that does not compile or decode. The probe (lib/client_probe.swift) then decodes real
# answers of that server with the client.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/server.sh

started=$SECONDS
work=$(mktemp -d)
trap 'stop_server; rm -rf "$work"' EXIT
db="$work/client.sqlite"
KEY=$("$STRIKELEDGER_BIN" keys create --db "$db" --name client-check --role reporter)
start_server "$db"
echo "openapi-client: server on $BASE (pid $SERVER_PID)"

package="$work/LedgerClientCheck"
target="$package/Sources/LedgerClientCheck"
mkdir -p "$target"
curl -fsS --max-time 10 "$BASE/openapi.json" -o "$target/openapi.json"
cp scripts/ci.d/lib/client_probe.swift "$target/Probe.swift"
cat >"$target/openapi-generator-config.yaml" <<'YAML'
generate:
  - types
  - client
accessModifier: internal
YAML
cat >"$package/Package.swift" <<'SWIFT'
// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "LedgerClientCheck",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-openapi-generator", exact: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", exact: "1.13.4"),
        .package(url: "https://github.com/apple/swift-openapi-urlsession", exact: "1.4.0"),
        .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0"),
    ],
    targets: [
        .executableTarget(
            name: "LedgerClientCheck",
            dependencies: [
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIURLSession", package: "swift-openapi-urlsession"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]),
    ]
)
SWIFT

# The build folder is the package's own; OPENAPI_CLIENT_SCRATCH keeps it between runs on a
# developer's machine (CI starts afresh).
scratch=${OPENAPI_CLIENT_SCRATCH:-$work/build}
echo "openapi-client: generating and building the client (swift-openapi-generator 1.14.3)"
build_started=$SECONDS
status=0
# About 4 minutes of CPU time from nothing (the generator, OpenAPIKit, the runtime, then
# some 20,000 lines of generated Swift); the bound leaves room for a machine shared with builds.
timeout 900 swift build --package-path "$package" --scratch-path "$scratch" >"$work/build.log" 2>&1 || status=$?
echo "openapi-client: build: exit status $status, $((SECONDS - build_started)) s"
if [ "$status" -eq 124 ]; then
  tail -5 "$work/build.log"; echo "openapi-client: FAIL: the build did not end within 900 s"; exit 1
elif [ "$status" -ne 0 ]; then
  grep -E 'error:|warning:' "$work/build.log" | head -40 || tail -40 "$work/build.log"
  echo "openapi-client: FAIL: the generated client does not build"; exit 1
fi
# Every warning counts: the generator's own (a schema it skips) and the compiler's on the
# generated code. Dependencies are remote packages, whose warnings SwiftPM does not show.
if grep -E 'warning:' "$work/build.log" >"$work/warnings.txt"; then
  sort "$work/warnings.txt" | uniq -c | sort -rn | head -20
  echo "openapi-client: FAIL: $(wc -l <"$work/warnings.txt") warnings building the generated client"; exit 1
fi
echo "openapi-client: 0 warnings"

BASE=$BASE KEY=$KEY timeout 60 "$scratch/debug/LedgerClientCheck"
echo "openapi-client: $((SECONDS - started)) s"
echo "openapi-client: PASS"
