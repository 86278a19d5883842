#!/usr/bin/env bash
# The live page at / in a real browser: headless Chromium (Debian's package) driven by
# playwright from PyPI, against a release server on a fresh database (lib/browser.py says
# what it checks: the seed's night shown, a revision arriving live, a restart, axe-core,
# no request off the origin, weight and first render). Screenshots at desktop and phone
# width are left in .build/browser-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/../.."
STRIKELEDGER_BIN=${STRIKELEDGER_BIN:-$(swift build -c release --show-bin-path)/strikeledger}
started=$SECONDS

# Playwright's own browser download cannot work here: it drives the system's Chromium.
if ! [ -x /usr/bin/chromium ]; then
  echo "browser: installing Debian's chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium </dev/null >/dev/null
fi
echo "browser: $(/usr/bin/chromium --version 2>/dev/null)"

# playwright and axe-playwright-python in their own virtualenv, pinned, reused between runs.
venv=${BROWSER_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/strikeledger-ci/browser-venv}
requirements="playwright==1.65.2 axe-playwright-python==0.1.8"
if [ "$(cat "$venv/.requirements" 2>/dev/null)" != "$requirements" ] \
    || ! "$venv/bin/python" -c 'import playwright, axe_playwright_python' 2>/dev/null; then
  echo "browser: installing $requirements into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  # shellcheck disable=SC2086
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 "$venv/bin/pip" install -q $requirements
  echo "$requirements" >"$venv/.requirements"
fi

artifacts=$PWD/.build/browser-artifacts
rm -rf "$artifacts"
mkdir -p "$artifacts"
status=0
CHROMIUM=/usr/bin/chromium timeout 300 "$venv/bin/python" scripts/ci.d/lib/browser.py "$STRIKELEDGER_BIN" "$artifacts" </dev/null || status=$?
echo "browser: $((SECONDS - started)) s"
[ "$status" -eq 0 ] || { echo "browser: FAIL"; exit 1; }
echo "browser: PASS"
